import type { Extension } from '@medplum/fhirtypes';

/** CRD 2.x coverage-information extension (ext-coverage-information) and its sub-extensions. */
export const COVERAGE_INFORMATION = 'http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information';

export interface CoverageAssertion {
  /** The Coverage the assertion is about (`Coverage/<id>`); undefined when the EHR sent none. */
  coverage: string | undefined;
  covered: 'covered' | 'not-covered' | 'conditional';
  paNeeded?: 'auth-needed' | 'no-auth' | 'satisfied' | 'performpa' | 'conditional';
  docNeeded?: ('clinical' | 'admin' | 'patient' | 'conditional')[];
  docPurpose?: ('withpa' | 'withclaim' | 'withorder' | 'retain-doc' | 'OR')[];
  infoNeeded?: ('performer' | 'location' | 'timeframe' | 'contract' | 'detail-code' | 'OR')[];
  /** Why, where the codes alone do not say it. */
  reason?: string;
  /** Canonical `url|version` of each questionnaire to fill (DTR). */
  questionnaires?: string[];
  billingCode?: { system: string; code: string; display?: string };
  /** The date the assertion was made (YYYY-MM-DD). */
  date: string;
  /** The payer's id for this assertion (quoted back on the PAS request). */
  assertionId: string;
}

/** The extension, sub-extensions in the profile's order; only the ones that apply. */
export function coverageInformation(a: CoverageAssertion): Extension {
  const ext: Extension[] = [
    // 1..1 in the profile: without a Coverage to name, the reference says so in its display.
    { url: 'coverage', valueReference: a.coverage ? { reference: a.coverage } : { display: 'No Coverage was sent with the hook' } },
    { url: 'covered', valueCode: a.covered },
    ...(a.paNeeded ? [{ url: 'pa-needed', valueCode: a.paNeeded }] : []),
    ...(a.docNeeded ?? []).map((valueCode) => ({ url: 'doc-needed', valueCode })),
    ...(a.docPurpose ?? []).map((valueCode) => ({ url: 'doc-purpose', valueCode })),
    ...(a.infoNeeded ?? []).map((valueCode) => ({ url: 'info-needed', valueCode })),
    ...(a.billingCode ? [{ url: 'billingCode', valueCoding: { ...a.billingCode } }] : []),
    ...(a.reason ? [{ url: 'reason', valueCodeableConcept: { text: a.reason } }] : []),
    ...(a.questionnaires ?? []).map((valueCanonical) => ({ url: 'questionnaire', valueCanonical })),
    { url: 'date', valueDate: a.date },
    { url: 'coverage-assertion-id', valueString: a.assertionId },
  ];
  return { url: COVERAGE_INFORMATION, extension: ext };
}
