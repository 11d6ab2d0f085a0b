import { OperationOutcomeError, validateResource } from '@medplum/core';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { loadFhirDefinitions } from './definitions.js';

/**
 * Base R4 structural validation (cardinality, types, formats, unknown properties; not code
 * bindings). Returns the error issues, each with an `expression` naming the element path.
 * @medplum/core throws on the first failing resource; both shapes are folded into a list here.
 */
export function validationIssues(resource: Resource): OperationOutcomeIssue[] {
  loadFhirDefinitions();
  try {
    return validateResource(resource).filter((i) => i.severity === 'error' || i.severity === 'fatal');
  } catch (e) {
    if (e instanceof OperationOutcomeError) {
      return (e.outcome.issue ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal');
    }
    throw e;
  }
}

/** Throws an OperationOutcomeError (answered as 400 by the router) when `resource` is invalid. */
export function assertValidResource(resource: Resource): void {
  const issues = validationIssues(resource);
  if (issues.length > 0) {
    throw new OperationOutcomeError({ resourceType: 'OperationOutcome', issue: issues });
  }
}

/** "Patient.birthDate (Invalid date format)": element path and the validator's reason, no values. */
export function describeIssue(issue: OperationOutcomeIssue): string {
  const where = issue.expression?.[0] ?? 'the resource';
  const why = issue.details?.text ?? issue.diagnostics ?? issue.code;
  return `${where} (${why})`;
}
