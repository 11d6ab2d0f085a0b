/** Code systems and URLs of the Da Vinci PAS answer (and the X12 code lists it borrows). */
export const PAS_REVIEW_ACTION = 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-reviewAction';
export const X12_306_ACTION_CODE = 'https://codesystem.x12.org/005010/306';
export const X12_4_REASON_CODE = 'https://codesystem.x12.org/005010/4';
export const ADJUDICATION = 'http://terminology.hl7.org/CodeSystem/adjudication';
export const LOINC = 'http://loinc.org';

/** X12 306 certification action codes used here. */
export const REVIEW_ACTION = {
  approved: { code: 'A1', display: 'Certified in total' },
  denied: { code: 'A3', display: 'Not certified' },
  pended: { code: 'A4', display: 'Pended' },
} as const;
