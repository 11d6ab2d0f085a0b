import type { OperationOutcome } from '@medplum/fhirtypes';

/** An OperationOutcome with one error issue; `expression` names the element or parameter. */
export function errorOutcome(code: string, text: string, expression?: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code, details: { text }, ...(expression ? { expression: [expression] } : {}) }],
  } as OperationOutcome;
}
