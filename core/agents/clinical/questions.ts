import { GENE_THERAPY_CODES, HCPCS, ICD10, LAB_SYSTEM, LOINC, NUCC } from './elements.js';
import type { DataElement, FhirResource } from './types.js';

/**
 * What a provider is asked for each data element, as data: the question, its answer type,
 * how the EHR prepopulates it from the patient's record (an SDC x-fhir-query and a FHIRPath
 * over its result) and the resource an answer becomes. The DTR questionnaire of a policy is
 * the questions of its criteria's elements (fhir/dtr); a QuestionnaireResponse's answers
 * become these resources (`answersAsRecords`), so the criteria read an answer exactly as they
 * read the same fact sent as FHIR data — one set of criteria, never a second rule set.
 */

export type AnswerType = 'boolean' | 'integer' | 'decimal' | 'date' | 'choice' | 'string';
export type AnswerValue = boolean | number | string | { system?: string; code?: string; display?: string };

export interface AnswerCoding {
  system: string;
  code: string;
  display: string;
}

export interface QuestionSpec {
  linkId: string;
  text: string;
  type: AnswerType;
  /** SDC x-fhir-query for the record the answer comes from. */
  query?: string;
  /** FHIRPath over the query's result (`%record`, a Bundle) giving the initial answer. */
  initial?: string;
  unit?: string;
  /** A choice's answers: the ValueSet shipped with the questionnaire. */
  answers?: { valueSet: string; title: string; codes: readonly AnswerCoding[] };
  /** More than one answer allowed (each becomes its own resource). */
  repeats?: boolean;
  /** Asked only when another question (same element) has this answer. */
  enableWhen?: { question: string; operator: '=' | '!='; answer: boolean | number };
  /**
   * The resource the answer becomes; none when the fact is only read from the request. `all`
   * holds the response's other answers by linkId (a lab value reads its reference range there).
   */
  extract?: (answer: AnswerValue, subject: string, all: ReadonlyMap<string, AnswerValue>) => FhirResource | undefined;
}

const gene = (hgnc: string, symbol: string) => ({
  code: { coding: [{ system: LOINC, code: '48018-6', display: 'Gene studied [ID]' }] },
  valueCodeableConcept: { coding: [{ system: 'http://www.genenames.org/geneId', code: hgnc, display: symbol }] },
});
const variantObs = (subject: string, components: unknown[]): FhirResource => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: LOINC, code: '69548-6', display: 'Genetic variant assessment' }] },
  subject: { reference: subject },
  component: components,
});
const num = (a: AnswerValue): number | undefined => (typeof a === 'number' && Number.isFinite(a) ? a : undefined);
const quantityObs =
  (code: string, display: string, unit: string) =>
  (a: AnswerValue, subject: string): FhirResource | undefined => {
    const v = num(a);
    return v === undefined
      ? undefined
      : {
          resourceType: 'Observation',
          status: 'final',
          code: { coding: [{ system: LOINC, code, display }] },
          subject: { reference: subject },
          valueQuantity: { value: v, unit },
        };
  };
const titerObs =
  (code: string, display: string) =>
  (a: AnswerValue, subject: string): FhirResource | undefined => {
    const v = num(a);
    return v === undefined || v <= 0
      ? undefined
      : {
          resourceType: 'Observation',
          status: 'final',
          code: { coding: [{ system: LAB_SYSTEM, code, display }] },
          subject: { reference: subject },
          valueRatio: { numerator: { value: 1 }, denominator: { value: v } },
        };
  };
const conditionIfYes =
  (code: string, display: string) =>
  (a: AnswerValue, subject: string): FhirResource | undefined =>
    a === true
      ? {
          resourceType: 'Condition',
          clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
          code: { coding: [{ system: ICD10, code, display }] },
          subject: { reference: subject },
        }
      : undefined;
const orderIfChosen = (a: AnswerValue, subject: string): FhirResource | undefined => {
  const text = typeof a === 'object' ? (a.display ?? a.code) : typeof a === 'string' ? a : undefined;
  return text
    ? { resourceType: 'MedicationRequest', status: 'active', intent: 'order', medicationCodeableConcept: { text }, subject: { reference: subject } }
    : undefined;
};

/**
 * A lab value with its reference range: the criterion judges the value against the upper
 * limit of normal the provider reports beside it (the lab's own range, e.g. "<= 2 x ULN").
 * Without a ULN answer the Observation has no range and the criterion asks for it.
 */
const labValueObs =
  (code: string, display: string, unit: string, ulnLink: string) =>
  (a: AnswerValue, subject: string, all: ReadonlyMap<string, AnswerValue>): FhirResource | undefined => {
    const v = num(a);
    if (v === undefined || v < 0) return undefined;
    const uln = num(all.get(ulnLink) ?? NaN);
    return {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: LOINC, code, display }] },
      subject: { reference: subject },
      valueQuantity: { value: v, unit, system: 'http://unitsofmeasure.org', code: unit },
      ...(uln !== undefined && uln > 0 ? { referenceRange: [{ high: { value: uln, unit, system: 'http://unitsofmeasure.org', code: unit } }] } : {}),
    };
  };
const codingOf = (a: AnswerValue): { system?: string; code: string; display?: string } | undefined =>
  typeof a === 'object' && a.code ? { ...(a.system ? { system: a.system } : {}), code: a.code, ...(a.display ? { display: a.display } : {}) } : undefined;

const OBS = (code: string) => `Observation?patient={{%patient.id}}&code=${code}`;
const copies = (hgnc: string) =>
  `%record.entry.resource.where(component.where(code.coding.code='48018-6').value.coding.code contains '${hgnc}').component.where(code.coding.code='82155-3').value.first()`;
const ADVANCED = 'Condition?patient={{%patient.id}}&clinical-status=active';

export const LOCAL_VALUESETS = 'http://murmur.dev/fhir/ValueSet';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

const GENE_THERAPIES: readonly AnswerCoding[] = [
  { system: HCPCS, code: 'J3399', display: 'Onasemnogene abeparvovec-xioi (Zolgensma)' },
  { system: HCPCS, code: 'J1413', display: 'Delandistrogene moxeparvovec-rokl (Elevidys)' },
  { system: HCPCS, code: 'J1411', display: 'Etranacogene dezaparvovec-drlb (Hemgenix)' },
  { system: HCPCS, code: 'J1412', display: 'Fidanacogene elaparvovec-dzkt (Beqvez)' },
];
// Every gene therapy an element counts is offered as an answer.
if (GENE_THERAPIES.map((g) => g.code).join() !== GENE_THERAPY_CODES.join()) throw new Error('gene therapy answers out of step with GENE_THERAPY_CODES');
const SMN_THERAPIES: readonly AnswerCoding[] = [
  { system: RXNORM, code: '1872251', display: 'nusinersen' },
  { system: RXNORM, code: '2381341', display: 'risdiplam' },
];

const SIGNIFICANCE: readonly AnswerCoding[] = [
  { system: LOINC, code: 'LA6668-3', display: 'Pathogenic' },
  { system: LOINC, code: 'LA26332-9', display: 'Likely pathogenic' },
  { system: LOINC, code: 'LA26333-7', display: 'Uncertain significance' },
  { system: LOINC, code: 'LA26334-5', display: 'Likely benign' },
  { system: LOINC, code: 'LA6675-8', display: 'Benign' },
];

export const QUESTIONS: Readonly<Partial<Record<DataElement, readonly QuestionSpec[]>>> = {
  demographics: [{ linkId: 'birth-date', text: 'Date of birth', type: 'date', initial: '%patient.birthDate' }],
  'smn-genotype': [
    {
      linkId: 'smn1-copies',
      text: 'SMN1 copy number (exon 7)',
      type: 'integer',
      query: OBS(`${LOINC}|69548-6`),
      initial: copies('HGNC:11117'),
      extract: (a, s) =>
        num(a) === undefined
          ? undefined
          : variantObs(s, [gene('HGNC:11117', 'SMN1'), { code: { coding: [{ system: LOINC, code: '82155-3' }] }, valueInteger: num(a) }]),
    },
    {
      linkId: 'smn1-point-mutation',
      text: 'With one SMN1 copy: is a pathogenic SMN1 point mutation reported?',
      type: 'boolean',
      enableWhen: { question: 'smn1-copies', operator: '=', answer: 1 },
      extract: (a, s) =>
        a === true
          ? variantObs(s, [
              gene('HGNC:11117', 'SMN1'),
              {
                code: { coding: [{ system: LOINC, code: '53037-8' }] },
                valueCodeableConcept: { coding: [{ system: LOINC, code: 'LA6668-3', display: 'Pathogenic' }] },
              },
            ])
          : undefined,
    },
    {
      linkId: 'smn2-copies',
      text: 'SMN2 copy number',
      type: 'integer',
      query: OBS(`${LOINC}|69548-6`),
      initial: copies('HGNC:11118'),
      extract: (a, s) =>
        num(a) === undefined
          ? undefined
          : variantObs(s, [gene('HGNC:11118', 'SMN2'), { code: { coding: [{ system: LOINC, code: '82155-3' }] }, valueInteger: num(a) }]),
    },
  ],
  'aav9-titer': [
    {
      linkId: 'aav9-titer',
      text: 'Baseline anti-AAV9 total binding antibody titer, as 1:N (enter N)',
      type: 'integer',
      query: OBS(`${LAB_SYSTEM}|anti-aav9-ab-titer`),
      initial: '%record.entry.resource.value.denominator.value.first()',
      extract: titerObs('anti-aav9-ab-titer', 'Anti-AAV9 total binding antibody titer'),
    },
  ],
  'respiratory-support': [
    {
      linkId: 'permanent-ventilation',
      text: 'Does the patient depend on permanent ventilation or have a tracheostomy?',
      type: 'boolean',
      query: ADVANCED,
      initial: `%record.entry.resource.code.coding.where(system='${ICD10}' and (code='Z99.11' or code='Z93.0')).exists()`,
      extract: conditionIfYes('Z99.11', 'Dependence on respirator [ventilator] status'),
    },
  ],
  'motor-function': [
    {
      linkId: 'complete-paralysis',
      text: 'Does the patient have complete paralysis of all limbs?',
      type: 'boolean',
      query: ADVANCED,
      initial: `%record.entry.resource.code.coding.where(system='${ICD10}' and code.startsWith('G82.5')).exists()`,
      extract: conditionIfYes('G82.50', 'Quadriplegia, unspecified'),
    },
  ],
  'prior-gene-therapy': [
    {
      linkId: 'prior-gene-therapy',
      text: 'Gene therapies the patient has received before (none: leave empty)',
      type: 'choice',
      repeats: true,
      query: 'MedicationAdministration?patient={{%patient.id}}&status=completed',
      initial: `%record.entry.resource.medication.coding.where(system='${HCPCS}')`,
      answers: { valueSet: `${LOCAL_VALUESETS}/gene-therapies`, title: 'One-time gene therapies', codes: GENE_THERAPIES },
      extract: (a, s) => {
        const c = codingOf(a);
        return c
          ? {
              resourceType: 'MedicationAdministration',
              status: 'completed',
              medicationCodeableConcept: { coding: [{ system: HCPCS, ...c }] },
              subject: { reference: s },
            }
          : undefined;
      },
    },
  ],
  'smn-therapy': [
    {
      linkId: 'other-smn-therapy',
      text: 'SMN-modifying therapies active or planned (none: leave empty)',
      type: 'choice',
      repeats: true,
      query: 'MedicationRequest?patient={{%patient.id}}&status=active',
      initial: `%record.entry.resource.medication.coding.where(system='${RXNORM}' and (code='1872251' or code='2381341'))`,
      answers: { valueSet: `${LOCAL_VALUESETS}/smn-therapies`, title: 'SMN-modifying therapies', codes: SMN_THERAPIES },
      extract: (a, s) => {
        const c = codingOf(a);
        const known = SMN_THERAPIES.find((t) => t.code === c?.code);
        return known
          ? {
              resourceType: 'MedicationRequest',
              status: 'active',
              intent: 'order',
              medicationCodeableConcept: { coding: [{ ...known }], text: known.display },
              subject: { reference: s },
            }
          : undefined;
      },
    },
  ],
  prescriber: [
    {
      linkId: 'prescriber-specialty',
      text: 'Prescriber specialty (NUCC taxonomy)',
      type: 'choice',
      query: 'PractitionerRole?practitioner={{%user.id}}',
      initial: "%record.entry.resource.code.coding.where(system='http://nucc.org/provider-taxonomy').first()",
      // The specialty of the prescriber who answers: a role of the response's author.
      extract: (a) => {
        const c = codingOf(a);
        return c ? { resourceType: 'PractitionerRole', active: true, specialty: [{ coding: [{ system: NUCC, ...c }] }] } : undefined;
      },
    },
  ],
  'liver-panel': [
    {
      linkId: 'alt',
      text: 'Baseline ALT (U/L)',
      type: 'decimal',
      unit: 'U/L',
      query: OBS(`${LOINC}|1742-6`),
      initial: '%record.entry.resource.value.value.first()',
      extract: labValueObs('1742-6', 'Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma', 'U/L', 'alt-uln'),
    },
    {
      linkId: 'alt-uln',
      text: 'ALT: upper limit of normal of the reporting lab (U/L)',
      type: 'decimal',
      unit: 'U/L',
      query: OBS(`${LOINC}|1742-6`),
      initial: '%record.entry.resource.referenceRange.high.value.first()',
    },
    {
      linkId: 'ast',
      text: 'Baseline AST (U/L)',
      type: 'decimal',
      unit: 'U/L',
      query: OBS(`${LOINC}|1920-8`),
      initial: '%record.entry.resource.value.value.first()',
      extract: labValueObs('1920-8', 'Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma', 'U/L', 'ast-uln'),
    },
    {
      linkId: 'ast-uln',
      text: 'AST: upper limit of normal of the reporting lab (U/L)',
      type: 'decimal',
      unit: 'U/L',
      query: OBS(`${LOINC}|1920-8`),
      initial: '%record.entry.resource.referenceRange.high.value.first()',
    },
    {
      linkId: 'bilirubin',
      text: 'Baseline total bilirubin (mg/dL)',
      type: 'decimal',
      unit: 'mg/dL',
      query: OBS(`${LOINC}|1975-2`),
      initial: '%record.entry.resource.value.value.first()',
      extract: labValueObs('1975-2', 'Bilirubin.total [Mass/volume] in Serum or Plasma', 'mg/dL', 'bilirubin-uln'),
    },
    {
      linkId: 'bilirubin-uln',
      text: 'total bilirubin: upper limit of normal of the reporting lab (mg/dL)',
      type: 'decimal',
      unit: 'mg/dL',
      query: OBS(`${LOINC}|1975-2`),
      initial: '%record.entry.resource.referenceRange.high.value.first()',
    },
  ],
  'dmd-genotype': [
    {
      linkId: 'dmd-variant-significance',
      text: 'Clinical significance of the DMD variant reported',
      type: 'choice',
      query: OBS(`${LOINC}|69548-6`),
      initial:
        "%record.entry.resource.where(component.where(code.coding.code='48018-6').value.coding.code contains 'HGNC:2928').component.where(code.coding.code='53037-8').value.coding.first()",
      answers: { valueSet: `${LOCAL_VALUESETS}/genetic-variant-significance`, title: 'Genetic variant clinical significance', codes: SIGNIFICANCE },
      extract: (a, s) =>
        typeof a === 'object' && a.code
          ? variantObs(s, [
              gene('HGNC:2928', 'DMD'),
              {
                code: { coding: [{ system: LOINC, code: '53037-8' }] },
                valueCodeableConcept: { coding: [{ system: a.system ?? LOINC, code: a.code, ...(a.display ? { display: a.display } : {}) }] },
              },
            ])
          : undefined,
    },
  ],
  'aavrh74-titer': [
    {
      linkId: 'aavrh74-titer',
      text: 'Anti-AAVrh74 total binding antibody titer, as 1:N (enter N)',
      type: 'integer',
      query: OBS(`${LAB_SYSTEM}|anti-aavrh74-ab-titer`),
      initial: '%record.entry.resource.value.denominator.value.first()',
      extract: titerObs('anti-aavrh74-ab-titer', 'Anti-AAVrh74 total binding antibody titer'),
    },
  ],
  'corticosteroid-therapy': [
    {
      linkId: 'corticosteroid',
      text: 'Current oral corticosteroid (deflazacort, prednisone or vamorolone), with dose',
      type: 'string',
      query: 'MedicationRequest?patient={{%patient.id}}&status=active',
      initial: "%record.entry.resource.medication.text.where($this.lower().matches('deflazacort|prednisone|vamorolone')).first()",
      extract: orderIfChosen,
    },
  ],
  'factor-ix-activity': [
    {
      linkId: 'factor-ix-activity',
      text: 'Factor IX activity (% of normal)',
      type: 'decimal',
      unit: '%',
      query: OBS(`${LOINC}|3187-2`),
      initial: '%record.entry.resource.value.value.first()',
      extract: quantityObs('3187-2', 'Coagulation factor IX activity', '%'),
    },
  ],
  'factor-ix-inhibitor': [
    {
      linkId: 'factor-ix-inhibitor',
      text: 'Factor IX inhibitor (Bethesda units)',
      type: 'decimal',
      unit: 'BU',
      query: OBS(`${LOINC}|3185-6`),
      initial: '%record.entry.resource.value.value.first()',
      extract: quantityObs('3185-6', 'Coagulation factor IX inhibitor', 'BU'),
    },
  ],
  'factor-ix-prophylaxis': [
    {
      linkId: 'factor-ix-prophylaxis',
      text: 'Is the patient on factor IX prophylaxis?',
      type: 'boolean',
      query: 'MedicationRequest?patient={{%patient.id}}&status=active',
      initial: "%record.entry.resource.medication.text.where($this.lower().contains('factor ix')).exists()",
      extract: (a, s) => (a === true ? orderIfChosen('factor IX prophylaxis (reported)', s) : undefined),
    },
  ],
};

/** A criterion's questions, in element order, each once. */
export function questionsFor(elements: readonly DataElement[]): QuestionSpec[] {
  const seen = new Set<string>();
  return elements.flatMap((e) => QUESTIONS[e] ?? []).filter((q) => (seen.has(q.linkId) ? false : (seen.add(q.linkId), true)));
}

/** Every question by linkId. */
export const QUESTION_BY_LINK: ReadonlyMap<string, QuestionSpec> = new Map(
  Object.values(QUESTIONS).flatMap((qs) => (qs ?? []).map((q) => [q.linkId, q] as const)),
);
