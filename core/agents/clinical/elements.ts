import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import type { DataElement, FhirResource } from './types.js';

/**
 * What each minimum-necessary data element is, as data: the resource types it draws from, a
 * FHIRPath test a resource must pass to belong to it, and the fields kept (a projection, so
 * that e.g. `demographics` never carries a name or an identifier).
 */
export interface ElementSpec {
  resourceTypes: readonly string[];
  /** FHIRPath boolean expression evaluated on the resource. */
  match: string;
  /** Top-level fields kept; undefined keeps the whole resource. */
  keep?: readonly string[];
}

export const LAB_SYSTEM = 'http://murmur.dev/fhir/CodeSystem/lab';
export const ICD10 = 'http://hl7.org/fhir/sid/icd-10-cm';
export const LOINC = 'http://loinc.org';
export const HCPCS = 'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets';
export const SNOMED = 'http://snomed.info/sct';
export const NUCC = 'http://nucc.org/provider-taxonomy';
/** DocumentReference types of the documents a criterion may ask for (what a provider attaches). */
export const DOCUMENT_TYPES = ['51969-4', '11502-2', '11488-4', '10160-0'] as const;

/**
 * Evidence of advanced SMA in standard codes (no EHR sends a payer's own codes): ICD-10-CM
 * Z99.11 dependence on respirator [ventilator] status, Z99.12 respirator dependence during
 * power failure, Z93.0 tracheostomy status, G82.50/G82.51/G82.53 quadriplegia (unspecified,
 * C1-C4 complete, C5-C7 complete); SNOMED CT 444932008 dependence on ventilator (finding),
 * 302108003 tracheostomy present (finding).
 */
export const ADVANCED_SMA_CODES = {
  icd10: ['Z99.11', 'Z99.12', 'Z93.0', 'G82.50', 'G82.51', 'G82.53'],
  snomed: ['444932008', '302108003'],
} as const;
/**
 * The two halves apart: a policy that excludes only permanent ventilation (nusinersen) must
 * not read quadriplegia as ventilation (it once denied a paralysed patient the policy covers).
 */
const RESPIRATORY_CODES = { icd10: ['Z99.11', 'Z99.12', 'Z93.0'], snomed: ['444932008', '302108003'] } as const;
const PARALYSIS_CODES = { icd10: ['G82.50', 'G82.51', 'G82.53'], snomed: [] } as const;
const codingIn = (codes: { icd10: readonly string[]; snomed: readonly string[] }) => {
  const any = (system: string, list: readonly string[]) => (list.length ? [`(system='${system}' and (${list.map((c) => `code='${c}'`).join(' or ')}))`] : []);
  return `where(${[...any(ICD10, codes.icd10), ...any(SNOMED, codes.snomed)].join(' or ')}).exists()`;
};
/** As the code (a problem-list entry, a finding) or as the value of a status observation. */
const statusOf = (codes: { icd10: readonly string[]; snomed: readonly string[] }) =>
  `code.coding.${codingIn(codes)} or (value as CodeableConcept).coding.${codingIn(codes)}`;

/** The conditions the shipped policies govern: SMA types 1 and 2, DMD, hemophilia B. */
export const DIAGNOSIS_CODES = ['G12.0', 'G12.1', 'G71.01', 'D67'] as const;

/** The one-time gene therapies a prior administration of which a policy may exclude. */
export const GENE_THERAPY_CODES = ['J3399', 'J1413', 'J1411', 'J1412'] as const;
const geneTherapy = GENE_THERAPY_CODES.map((c) => `code='${c}'`).join(' or ');

const gene = (hgnc: string) => `component.where(code.coding.code='48018-6').value.coding.code contains '${hgnc}'`;

export const ELEMENTS: Readonly<Record<DataElement, ElementSpec>> = {
  demographics: {
    resourceTypes: ['Patient'],
    match: 'true',
    keep: ['resourceType', 'id', 'birthDate', 'gender'],
  },
  diagnosis: {
    resourceTypes: ['Condition'],
    match: `code.coding.where(system='${ICD10}' and (${DIAGNOSIS_CODES.map((c) => `code='${c}'`).join(' or ')})).exists()`,
  },
  'smn-genotype': {
    resourceTypes: ['Observation'],
    match: `code.coding.code contains '69548-6' and (${gene('HGNC:11117')} or ${gene('HGNC:11118')})`,
  },
  'cyp2d6-phenotype': {
    resourceTypes: ['Observation'],
    match: `component.where(code.coding.code='53040-2').exists() and ${gene('HGNC:2625')}`,
  },
  'aav9-titer': {
    resourceTypes: ['Observation'],
    match: `code.coding.where(system='${LAB_SYSTEM}' and code='anti-aav9-ab-titer').exists()`,
  },
  'liver-panel': {
    resourceTypes: ['Observation'],
    match: `code.coding.where(system='${LOINC}' and (code='1742-6' or code='1920-8' or code='1975-2')).exists()`,
  },
  // Problem-list entries (Condition) and findings (Observation) alike: EHRs send either.
  'respiratory-support': {
    resourceTypes: ['Condition', 'Observation'],
    match: statusOf(RESPIRATORY_CODES),
  },
  'motor-function': {
    resourceTypes: ['Condition', 'Observation'],
    match: statusOf(PARALYSIS_CODES),
  },
  'prior-gene-therapy': {
    resourceTypes: ['MedicationAdministration', 'Procedure'],
    match: `(medication as CodeableConcept).coding.where(${geneTherapy}).exists()` + ` or code.coding.where(${geneTherapy}).exists()`,
  },
  'smn-therapy': {
    resourceTypes: ['MedicationRequest'],
    match:
      `(medication as CodeableConcept).text.lower().matches('nusinersen|risdiplam')` +
      ` or (medication as CodeableConcept).coding.where(code='1872251' or code='2381341').exists()`,
  },
  'medication-plan': {
    resourceTypes: ['MedicationRequest'],
    // where(...).empty() rather than matches(...).not(): an order without text (coded only)
    // must still count, and a coded-only nusinersen order must still be excluded.
    match:
      `(medication as CodeableConcept).where(text.lower().matches('nusinersen|risdiplam')` +
      ` or coding.where(code='1872251' or code='2381341' or code='J3399').exists()).empty()`,
  },
  // The adapter links these to the Claim (careTeam, provider, the requesting organization's
  // role); a PractitionerRole's taxonomy is in specialty or code, a Practitioner's in qualification.
  prescriber: {
    resourceTypes: ['PractitionerRole', 'Practitioner'],
    match: 'specialty.exists() or code.exists() or qualification.exists()',
    keep: ['resourceType', 'id', 'specialty', 'code', 'qualification', 'practitioner', 'organization'],
  },
  // Documents the provider attached, by type only: their content is never in this element.
  documents: {
    resourceTypes: ['DocumentReference'],
    match: `(status.empty() or status = 'current') and type.coding.where(system='${LOINC}' and (${DOCUMENT_TYPES.map((c) => `code='${c}'`).join(' or ')})).exists()`,
    keep: ['resourceType', 'id', 'status', 'type'],
  },
  claim: {
    resourceTypes: ['Claim'],
    match: `use = 'preauthorization'`,
  },
  'dmd-genotype': {
    resourceTypes: ['Observation'],
    match: `code.coding.code contains '69548-6' and ${gene('HGNC:2928')}`,
  },
  // Like the AAV9 titer: LOINC has no code for the anti-AAVrh74 total binding antibody assay.
  'aavrh74-titer': {
    resourceTypes: ['Observation'],
    match: `code.coding.where(system='${LAB_SYSTEM}' and code='anti-aavrh74-ab-titer').exists()`,
  },
  'corticosteroid-therapy': {
    resourceTypes: ['MedicationRequest'],
    match: `(medication as CodeableConcept).select(text | coding.display).where($this.lower().matches('deflazacort|prednisone|vamorolone')).exists()`,
  },
  'factor-ix-activity': {
    resourceTypes: ['Observation'],
    match: `code.coding.where(system='${LOINC}' and code='3187-2').exists()`,
  },
  'factor-ix-inhibitor': {
    resourceTypes: ['Observation'],
    match: `code.coding.where(system='${LOINC}' and code='3185-6').exists()`,
  },
  'factor-ix-prophylaxis': {
    resourceTypes: ['MedicationRequest'],
    match: `(medication as CodeableConcept).select(text | coding.display).where($this.lower().matches('factor ix|nonacog|eftrenonacog|albutrepenonacog')).exists()`,
  },
};

const compiled = new Map<string, (resource: unknown) => unknown[]>();

function test(expression: string, resource: FhirResource): boolean {
  let fn = compiled.get(expression);
  if (!fn) {
    fn = fhirpath.compile(expression, r4Model) as (resource: unknown) => unknown[];
    compiled.set(expression, fn);
  }
  const out = fn(resource);
  return out.length > 0 && out.every((v) => v === true);
}

export function inElement(resource: FhirResource, element: DataElement): boolean {
  const spec = ELEMENTS[element];
  return spec.resourceTypes.includes(resource.resourceType) && test(spec.match, resource);
}

function project(resource: FhirResource, keep: readonly string[] | undefined): FhirResource {
  if (!keep) return resource;
  const out: FhirResource = { resourceType: resource.resourceType };
  for (const k of keep) if (k in resource) out[k] = resource[k];
  return out;
}

/**
 * The resources of `pool` that belong to any of `elements`, each projected to the fields its
 * element keeps (the union when a resource belongs to several).
 */
export function selectElements(pool: readonly FhirResource[], elements: readonly DataElement[]): FhirResource[] {
  const out: FhirResource[] = [];
  for (const resource of pool) {
    const matching = elements.filter((e) => inElement(resource, e));
    if (matching.length === 0) continue;
    const keeps = matching.map((e) => ELEMENTS[e].keep);
    const keep = keeps.some((k) => k === undefined) ? undefined : [...new Set(keeps.flatMap((k) => k ?? []))];
    out.push(project(resource, keep));
  }
  return out;
}

/** Resource types to ask a FHIR server for, to cover `elements`. */
export function resourceTypesFor(elements: readonly DataElement[]): string[] {
  return [...new Set(elements.flatMap((e) => ELEMENTS[e].resourceTypes))];
}
