/** Code systems and codes the synthetic records use (the scenario's data contract). */
export { HCPCS, ICD10, LAB_SYSTEM, LOINC, SNOMED } from '../../core/agents/clinical/elements.js';

export const NUCC = 'http://nucc.org/provider-taxonomy';
export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
export const HGNC = 'http://www.genenames.org/geneId';
export const UCUM = 'http://unitsofmeasure.org';
export const OBS_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
export const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
export const CLAIM_TYPE = 'http://terminology.hl7.org/CodeSystem/claim-type';
export const PROCESS_PRIORITY = 'http://terminology.hl7.org/CodeSystem/processpriority';
export const CLAIM_INFO_CATEGORY = 'http://terminology.hl7.org/CodeSystem/claiminformationcategory';
export const ORG_TYPE = 'http://terminology.hl7.org/CodeSystem/organization-type';
export const COVERAGE_CLASS = 'http://terminology.hl7.org/CodeSystem/coverage-class';
export const ROLE_CODE = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';
export const CARE_TEAM_ROLE = 'http://terminology.hl7.org/CodeSystem/claimcareteamrole';
export const GENOMICS_PROFILE = 'http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition';

/** RxNorm ingredient codes of the drugs in the synthetic medication plans. */
export const RX = {
  prednisolone: { code: '8638', display: 'prednisolone' },
  ondansetron: { code: '26225', display: 'ondansetron' },
  metoclopramide: { code: '6915', display: 'metoclopramide' },
  nusinersen: { code: '1872251', display: 'nusinersen' },
} as const;

/** LOINC answers for the CYP2D6 phenotype (answer list for metabolizer status). */
export const CYP2D6_ANSWERS = {
  'poor-metabolizer': { code: 'LA9657-3', display: 'Poor metabolizer' },
  'normal-metabolizer': { code: 'LA25391-6', display: 'Normal metabolizer' },
} as const;
