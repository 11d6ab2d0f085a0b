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

const gene = (hgnc: string) => `component.where(code.coding.code='48018-6').value.coding.code contains '${hgnc}'`;

export const ELEMENTS: Readonly<Record<DataElement, ElementSpec>> = {
  demographics: {
    resourceTypes: ['Patient'],
    match: 'true',
    keep: ['resourceType', 'id', 'birthDate', 'gender'],
  },
  diagnosis: {
    resourceTypes: ['Condition'],
    match: `code.coding.where(system='${ICD10}' and (code='G12.0' or code='G12.1')).exists()`,
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
  'respiratory-support': {
    resourceTypes: ['Condition', 'Observation'],
    match:
      `code.coding.where(system='${ICD10}' and (code='Z99.11' or code='Z93.0')).exists()` +
      ` or code.coding.where(system='${LAB_SYSTEM}' and code='respiratory-support-hours-per-day').exists()`,
  },
  'motor-function': {
    resourceTypes: ['Observation'],
    match: `code.coding.where(system='${LAB_SYSTEM}' and code='complete-limb-paralysis').exists()`,
  },
  'prior-gene-therapy': {
    resourceTypes: ['MedicationAdministration', 'Procedure'],
    match:
      `(medication as CodeableConcept).coding.where(code='J3399').exists()` +
      ` or code.coding.where(code='J3399').exists()`,
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
  prescriber: {
    resourceTypes: ['PractitionerRole'],
    match: 'specialty.exists()',
    keep: ['resourceType', 'id', 'specialty', 'practitioner', 'organization'],
  },
  claim: {
    resourceTypes: ['Claim'],
    match: `use = 'preauthorization'`,
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
