import type {
  CodeableConcept,
  Condition,
  MedicationAdministration,
  MedicationRequest,
  Observation,
  Patient,
  PractitionerRole,
  ObservationComponent,
  Reference,
} from '@medplum/fhirtypes';
import {
  CONDITION_CLINICAL,
  CYP2D6_ANSWERS,
  GENOMICS_PROFILE,
  HCPCS,
  HGNC,
  ICD10,
  LAB_SYSTEM,
  LOINC,
  OBS_CATEGORY,
  RX,
  RXNORM,
  SNOMED,
  UCUM,
} from './codes.js';
import { addDays } from './dates.js';
import type { CaseFacts } from './variants.js';

/** Where the records of one case hang: the patient, its dates, and a uuid per resource key. */
export interface RecordContext {
  facts: CaseFacts;
  /** The request date (Claim.created). */
  asOf: string;
  /** The planned infusion date (Claim.item.servicedDate). */
  plannedDate: string;
  weightKg: number;
  patient: Reference<Patient>;
  requester: Reference<PractitionerRole>;
  ref(key: string): string;
}

const loinc = (code: string, display: string): CodeableConcept => ({ coding: [{ system: LOINC, code, display }] });
const icd = (code: string, display: string): CodeableConcept => ({ coding: [{ system: ICD10, code, display }], text: display });
const labCode = (code: string, display: string): CodeableConcept => ({ coding: [{ system: LAB_SYSTEM, code, display }] });
const category = (code: 'laboratory' | 'vital-signs' | 'exam' | 'survey') => [{ coding: [{ system: OBS_CATEGORY, code }] }];
const active = { coding: [{ system: CONDITION_CLINICAL, code: 'active' }] };

const geneComponent = (hgnc: string, symbol: string): ObservationComponent => ({
  code: loinc('48018-6', 'Gene studied [ID]'),
  valueCodeableConcept: { coding: [{ system: HGNC, code: hgnc, display: symbol }] },
});

/** Everything in the patient's record that the request sends as supporting information. */
export type RecordResource = Observation | Condition | MedicationRequest | MedicationAdministration;

export interface KeyedRecord {
  key: string;
  resource: RecordResource;
}

export function clinicalRecords(ctx: RecordContext): KeyedRecord[] {
  const f = ctx.facts;
  const subject = ctx.patient;
  const labDate = addDays(ctx.asOf, -10);
  const out: KeyedRecord[] = [];
  const add = (key: string, resource: RecordResource) => out.push({ key, resource });

  add('condition-sma', {
    resourceType: 'Condition',
    clinicalStatus: active,
    verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
    code: icd('G12.0', 'Infantile spinal muscular atrophy, type I [Werdnig-Hoffman]'),
    subject,
    onsetDateTime: addDays(ctx.asOf, -120),
  });

  // A genomic variant found: one shape, with the method or interpretation and components that say which.
  const variant = (key: string, rest: Pick<Observation, 'method' | 'interpretation' | 'component'>) =>
    add(key, {
      resourceType: 'Observation',
      meta: { profile: [`${GENOMICS_PROFILE}/variant`] },
      status: 'final',
      category: category('laboratory'),
      code: loinc('69548-6', 'Genetic variant assessment'),
      subject,
      effectiveDateTime: labDate,
      valueCodeableConcept: loinc('LA9633-4', 'Present'),
      ...rest,
    });
  const copyNumber = (key: string, hgnc: string, symbol: string, copies: number) =>
    variant(key, {
      method: { text: 'MLPA copy-number analysis of exon 7' },
      component: [geneComponent(hgnc, symbol), { code: loinc('82155-3', 'Genomic structural variant copy number'), valueInteger: copies }],
    });
  copyNumber('obs-smn1-copies', 'HGNC:11117', 'SMN1', f.smn1Copies);
  copyNumber('obs-smn2-copies', 'HGNC:11118', 'SMN2', f.smn2Copies);

  if (f.smn1PointMutation) {
    variant('obs-smn1-point-mutation', {
      interpretation: [{ coding: [{ system: LOINC, code: 'LA6668-3', display: 'Pathogenic' }], text: 'Pathogenic' }],
      component: [
        geneComponent('HGNC:11117', 'SMN1'),
        { code: loinc('48004-6', 'DNA change (c.HGVS)'), valueCodeableConcept: { text: 'NM_000344.4:c.815A>G' } },
        { code: loinc('48005-3', 'Amino acid change (pHGVS)'), valueCodeableConcept: { text: 'p.Tyr272Cys' } },
        { code: loinc('53037-8', 'Genetic variation clinical significance'), valueCodeableConcept: loinc('LA6668-3', 'Pathogenic') },
      ],
    });
  }

  add('obs-cyp2d6', {
    resourceType: 'Observation',
    meta: { profile: [`${GENOMICS_PROFILE}/therapeutic-implication`] },
    status: 'final',
    category: category('laboratory'),
    code: loinc('51963-7', 'Medication assessment [Interpretation]'),
    subject,
    effectiveDateTime: labDate,
    component: [
      geneComponent('HGNC:2625', 'CYP2D6'),
      {
        code: loinc('53040-2', 'Genetic variation clinical significance Imp'),
        valueCodeableConcept: { coding: [{ system: LOINC, ...CYP2D6_ANSWERS[f.cyp2d6] }], text: CYP2D6_ANSWERS[f.cyp2d6].display },
      },
    ],
  });

  if (f.titerDenominator !== null) {
    add('obs-aav9-titer', {
      resourceType: 'Observation',
      status: 'final',
      category: category('laboratory'),
      code: { ...labCode('anti-aav9-ab-titer', 'Anti-AAV9 total binding antibody titer (ELISA)'), text: 'Anti-AAV9 antibody titer' },
      subject,
      effectiveDateTime: labDate,
      method: { text: 'ELISA' },
      valueRatio: { numerator: { value: 1 }, denominator: { value: f.titerDenominator } },
    });
  }

  const liver = (key: string, code: string, display: string, value: number, unit: string, high: number) =>
    add(key, {
      resourceType: 'Observation',
      status: 'final',
      category: category('laboratory'),
      code: loinc(code, display),
      subject,
      effectiveDateTime: labDate,
      valueQuantity: { value, unit, system: UCUM, code: unit },
      referenceRange: [{ high: { value: high, unit, system: UCUM, code: unit } }],
    });
  liver('obs-alt', '1742-6', 'Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma', round(40 * f.altTimesUln), 'U/L', 40);
  liver('obs-ast', '1920-8', 'Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma', 38, 'U/L', 60);
  liver('obs-bilirubin', '1975-2', 'Bilirubin.total [Mass/volume] in Serum or Plasma', 0.4, 'mg/dL', 1.2);

  add('obs-weight', {
    resourceType: 'Observation',
    status: 'final',
    category: category('vital-signs'),
    code: loinc('29463-7', 'Body weight'),
    subject,
    effectiveDateTime: addDays(ctx.asOf, -3),
    valueQuantity: { value: ctx.weightKg, unit: 'kg', system: UCUM, code: 'kg' },
  });

  // No advanced SMA is the absence of its evidence: nothing to send when there is none.
  if (f.ventilatorDependent) {
    add('condition-ventilator', {
      resourceType: 'Condition',
      clinicalStatus: active,
      code: {
        coding: [
          ...icd('Z99.11', 'Dependence on respirator [ventilator] status').coding!,
          { system: SNOMED, code: '444932008', display: 'Dependence on ventilator' },
        ],
      },
      subject,
      onsetDateTime: addDays(ctx.asOf, -60),
    });
    add('condition-tracheostomy', {
      resourceType: 'Condition',
      clinicalStatus: active,
      code: { coding: [...icd('Z93.0', 'Tracheostomy status').coding!, { system: SNOMED, code: '302108003', display: 'Tracheostomy present' }] },
      subject,
      onsetDateTime: addDays(ctx.asOf, -55),
    });
  }

  if (f.priorInfusion) {
    add('administration-prior-zolgensma', {
      resourceType: 'MedicationAdministration',
      status: 'completed',
      medicationCodeableConcept: {
        coding: [{ system: HCPCS, code: 'J3399', display: 'Injection, onasemnogene abeparvovec-xioi, per treatment' }],
        text: 'onasemnogene abeparvovec-xioi',
      },
      subject,
      effectiveDateTime: addDays(ctx.asOf, -90),
    });
  }

  const request = (key: string, drug: { code: string; display: string }, dosage: string, extra: Partial<MedicationRequest> = {}) =>
    add(key, {
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'plan',
      medicationCodeableConcept: { coding: [{ system: RXNORM, ...drug }], text: drug.display },
      subject,
      authoredOn: ctx.asOf,
      requester: ctx.requester,
      dosageInstruction: [{ text: dosage }],
      ...extra,
    });
  request('medreq-prednisolone', RX.prednisolone, `1 mg/kg/day orally (${ctx.weightKg} mg daily), from the day before infusion for 30 days, then taper`, {
    dosageInstruction: [
      {
        text: '1 mg/kg/day orally from the day before infusion for 30 days, then taper',
        timing: {
          repeat: { frequency: 1, period: 1, periodUnit: 'd', boundsPeriod: { start: addDays(ctx.plannedDate, -1), end: addDays(ctx.plannedDate, 29) } },
        },
        doseAndRate: [{ doseQuantity: { value: ctx.weightKg, unit: 'mg', system: UCUM, code: 'mg' } }],
      },
    ],
  });
  request('medreq-ondansetron', RX.ondansetron, '0.15 mg/kg IV before infusion for nausea');
  request('medreq-metoclopramide', RX.metoclopramide, '0.1 mg/kg orally every 8 hours as needed for vomiting', {
    dosageInstruction: [{ text: '0.1 mg/kg orally every 8 hours as needed for vomiting', asNeededBoolean: true }],
  });
  if (f.nusinersenPlanned) {
    request('medreq-nusinersen', RX.nusinersen, '12 mg intrathecally, loading doses then every 4 months', { intent: 'order' });
  }
  return out;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
