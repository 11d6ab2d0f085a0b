import type {
  Bundle,
  BundleEntry,
  Claim,
  ClaimCareTeam,
  ClaimItem,
  Coverage,
  DocumentReference,
  Organization,
  Patient,
  Practitioner,
  PractitionerRole,
  Resource,
} from '@medplum/fhirtypes';
import type { Outcome } from '../../core/agents/clinical/types.js';
import { CARE_TEAM_ROLE, CLAIM_INFO_CATEGORY, CLAIM_TYPE, COVERAGE_CLASS, HCPCS, ICD10, LOINC, NUCC, ORG_TYPE, PROCESS_PRIORITY, SNOMED } from './codes.js';
import { addDays, addMonths, parseIsoDate } from './dates.js';
import { clinicalRecords, type KeyedRecord } from './records.js';
import { deterministicUuid } from './uuid.js';
import { caseFacts, type CaseFacts } from './variants.js';
import { DEFAULT_AS_OF } from './request.js';
import { MurmurError } from '../../core/common/errors.js';

/**
 * Requests in the shape EHRs send under Da Vinci PAS, unlike `syntheticRequest` (urn:uuid,
 * the provider a PractitionerRole): a collection Bundle with `https` fullUrls and relative
 * references (`Patient/<id>`), `Claim.provider` = the requesting Organization (PAS Requestor),
 * the prescriber reached through `Claim.careTeam` (or the organization's one PractitionerRole),
 * clinical facts in resources that `Claim.supportingInfo` references (some without a subject,
 * some inside attached documents). Gene-therapy requests for each outcome, and requests for
 * services this payer has no policy for. Written for Murmur; fictional people and numbers.
 */
export const pasScenarios = [
  'gt-approve',
  'gt-approve-practitioner-qualification',
  'gt-approve-organization-role',
  'gt-approve-titer-attached',
  'gt-deny-age',
  'gt-deny-ventilator-snomed',
  'gt-deny-non-neurologist',
  'gt-pend-missing-titer',
  'gt-pend-missing-titer-and-liver',
  'gt-pend-genetic-report-pdf',
  'gt-pend-prescriber-unknown',
  'home-health',
  'office-visit',
  'surgery',
  'gt-with-office-visit',
] as const;
export type PasScenario = (typeof pasScenarios)[number];

export function isPasScenario(value: string): value is PasScenario {
  return (pasScenarios as readonly string[]).includes(value);
}

export const EHR_BASE = 'https://ehr.lakeside-childrens.example/fhir';
export const PAS_TRACE_NUMBER_SYSTEM = 'https://ehr.lakeside-childrens.example/fhir/pas-trace-number';
const CPT = 'http://www.ama-assn.org/go/cpt';
/** The PAS IG writes the HCPCS system with http: an EHR may too. */
const HCPCS_HTTP = 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets';

const SERVICES = {
  zolgensma: { system: HCPCS_HTTP, code: 'J3399', display: 'Injection, onasemnogene abeparvovec-xioi, per treatment' },
  homeHealth: { system: HCPCS, code: 'G0151', display: 'Services performed by a qualified physical therapist in the home health setting, each 15 minutes' },
  officeVisit: { system: CPT, code: '99214', display: 'Office or other outpatient visit, established patient, moderate' },
  surgery: { system: CPT, code: '27447', display: 'Arthroplasty, knee, condyle and plateau; medial and lateral compartments' },
} as const;
type Service = (typeof SERVICES)[keyof typeof SERVICES];

/** How the prescriber reaches the payer in a scenario. */
type PrescriberShape = 'care-team-role-code' | 'care-team-practitioner' | 'organization-role' | 'care-team-role-no-specialty';

interface Scenario {
  services: Service[];
  facts: Partial<CaseFacts>;
  prescriber: PrescriberShape;
  taxonomy?: { code: string; display: string };
  /** Records left out, by key. */
  drop?: string[];
  /** The titer travels only inside an attached FHIR-JSON laboratory report. */
  titerAttached?: boolean;
  /** The genetic results travel only as a PDF genetic analysis report. */
  geneticPdf?: boolean;
  /** Ventilator dependence as a SNOMED CT problem-list entry, with no ICD-10-CM code. */
  ventilatorSnomed?: boolean;
  /** The gene-therapy record is sent at all (other services carry only a diagnosis). */
  geneTherapyRecord: boolean;
}

const CHILD_NEUROLOGY = { code: '2084N0402X', display: 'Neurology with Special Qualifications in Child Neurology' };
const NEUROLOGY = { code: '2084N0400X', display: 'Neurology' };

const SCENARIOS: Record<PasScenario, Scenario> = {
  'gt-approve': { services: [SERVICES.zolgensma], facts: {}, prescriber: 'care-team-role-code', geneTherapyRecord: true },
  'gt-approve-practitioner-qualification': {
    services: [SERVICES.zolgensma],
    facts: {},
    prescriber: 'care-team-practitioner',
    taxonomy: NEUROLOGY,
    geneTherapyRecord: true,
  },
  'gt-approve-organization-role': {
    services: [SERVICES.zolgensma],
    facts: { cyp2d6: 'normal-metabolizer' },
    prescriber: 'organization-role',
    geneTherapyRecord: true,
  },
  'gt-approve-titer-attached': { services: [SERVICES.zolgensma], facts: {}, prescriber: 'care-team-role-code', titerAttached: true, geneTherapyRecord: true },
  'gt-deny-age': { services: [SERVICES.zolgensma], facts: { ageMonths: 30 }, prescriber: 'care-team-role-code', geneTherapyRecord: true },
  'gt-deny-ventilator-snomed': {
    services: [SERVICES.zolgensma],
    facts: {},
    prescriber: 'care-team-role-code',
    ventilatorSnomed: true,
    geneTherapyRecord: true,
  },
  'gt-deny-non-neurologist': {
    services: [SERVICES.zolgensma],
    facts: {},
    prescriber: 'care-team-role-code',
    taxonomy: { code: '208000000X', display: 'Pediatrics' },
    geneTherapyRecord: true,
  },
  'gt-pend-missing-titer': { services: [SERVICES.zolgensma], facts: { titerDenominator: null }, prescriber: 'care-team-role-code', geneTherapyRecord: true },
  'gt-pend-missing-titer-and-liver': {
    services: [SERVICES.zolgensma],
    facts: { titerDenominator: null, altTimesUln: 3 },
    prescriber: 'care-team-role-code',
    geneTherapyRecord: true,
  },
  'gt-pend-genetic-report-pdf': { services: [SERVICES.zolgensma], facts: {}, prescriber: 'care-team-role-code', geneticPdf: true, geneTherapyRecord: true },
  'gt-pend-prescriber-unknown': { services: [SERVICES.zolgensma], facts: {}, prescriber: 'care-team-role-no-specialty', geneTherapyRecord: true },
  'home-health': {
    services: [SERVICES.homeHealth],
    facts: {},
    prescriber: 'care-team-role-code',
    taxonomy: { code: '208D00000X', display: 'General Practice' },
    geneTherapyRecord: false,
  },
  'office-visit': {
    services: [SERVICES.officeVisit],
    facts: {},
    prescriber: 'care-team-role-code',
    taxonomy: { code: '208000000X', display: 'Pediatrics' },
    geneTherapyRecord: false,
  },
  surgery: {
    services: [SERVICES.surgery],
    facts: {},
    prescriber: 'care-team-role-code',
    taxonomy: { code: '207X00000X', display: 'Orthopaedic Surgery' },
    geneTherapyRecord: false,
  },
  'gt-with-office-visit': { services: [SERVICES.zolgensma, SERVICES.officeVisit], facts: {}, prescriber: 'care-team-role-code', geneTherapyRecord: true },
};

export interface PasExpected {
  /** The case's outcome (pended while any item is). */
  outcome: Outcome;
  /** Per submitted item, in item order. */
  items: Outcome[];
  /** Policy criteria that deny or pend (empty on approval or when no policy applies). */
  criteria: string[];
  /** Documents the pend asks for, by LOINC code. */
  missing: string[];
}

const EXPECTED: Record<PasScenario, PasExpected> = {
  'gt-approve': { outcome: 'approved', items: ['approved'], criteria: [], missing: [] },
  'gt-approve-practitioner-qualification': { outcome: 'approved', items: ['approved'], criteria: [], missing: [] },
  'gt-approve-organization-role': { outcome: 'approved', items: ['approved'], criteria: [], missing: [] },
  'gt-approve-titer-attached': { outcome: 'approved', items: ['approved'], criteria: [], missing: [] },
  'gt-deny-age': { outcome: 'denied', items: ['denied'], criteria: ['age-under-24-months'], missing: [] },
  'gt-deny-ventilator-snomed': { outcome: 'denied', items: ['denied'], criteria: ['no-advanced-sma'], missing: [] },
  'gt-deny-non-neurologist': { outcome: 'denied', items: ['denied'], criteria: ['neurologist-prescriber'], missing: [] },
  'gt-pend-missing-titer': { outcome: 'pended', items: ['pended'], criteria: ['aav9-titer'], missing: ['11502-2'] },
  'gt-pend-missing-titer-and-liver': { outcome: 'pended', items: ['pended'], criteria: ['aav9-titer', 'baseline-liver-function'], missing: ['11502-2'] },
  'gt-pend-genetic-report-pdf': { outcome: 'pended', items: ['pended'], criteria: ['smn1-biallelic', 'smn2-copy-number'], missing: [] },
  'gt-pend-prescriber-unknown': { outcome: 'pended', items: ['pended'], criteria: ['neurologist-prescriber'], missing: ['11488-4'] },
  'home-health': { outcome: 'pended', items: ['pended'], criteria: [], missing: [] },
  'office-visit': { outcome: 'pended', items: ['pended'], criteria: [], missing: [] },
  surgery: { outcome: 'pended', items: ['pended'], criteria: [], missing: [] },
  'gt-with-office-visit': { outcome: 'pended', items: ['approved', 'pended'], criteria: [], missing: [] },
};

export function pasExpected(scenario: PasScenario): PasExpected {
  return EXPECTED[scenario];
}

export function pasScenarioServices(scenario: PasScenario): string[] {
  return SCENARIOS[scenario].services.map((s) => s.code);
}

const base64 = (text: string | Uint8Array): string => Buffer.from(text).toString('base64');

/** A PAS-shaped request Bundle for `scenario`; the same scenario and date give the same bytes. */
export function pasShapedRequest(scenario: PasScenario, opts: { asOf?: string } = {}): Bundle {
  if (!isPasScenario(scenario)) throw new MurmurError('E_INPUT', 'scenario is not a known PAS-shaped scenario', { field: 'scenario' });
  const s = SCENARIOS[scenario];
  const asOf = opts.asOf ?? DEFAULT_AS_OF;
  parseIsoDate(asOf, 'asOf');
  const facts: CaseFacts = { ...caseFacts('reference'), ...s.facts };
  const plannedDate = addDays(asOf, 14);
  const id = (key: string) => deterministicUuid(`pas:${scenario}:${asOf}:${key}`);
  const entries: { resource: Resource; key: string }[] = [];
  const add = <T extends Resource>(key: string, resource: T): string => {
    entries.push({ key, resource: { ...resource, id: id(key) } });
    return `${resource.resourceType}/${id(key)}`;
  };

  const patientRef = `Patient/${id('patient')}`;
  const orgRef = `Organization/${id('org-provider')}`;
  const roleRef = `PractitionerRole/${id('role')}`;
  const practitionerRef = `Practitioner/${id('practitioner')}`;
  const taxonomy = s.taxonomy ?? CHILD_NEUROLOGY;
  const nucc = { coding: [{ system: NUCC, ...taxonomy }], text: taxonomy.display };

  add<Patient>('patient', {
    resourceType: 'Patient',
    identifier: [{ system: 'https://ehr.lakeside-childrens.example/fhir/mrn', value: `MRN-${id('patient').slice(0, 8).toUpperCase()}` }],
    name: [
      {
        family: 'Synthetic',
        given: [
          'Pas',
          scenario
            .split('-')
            .map((w) => w[0]!.toUpperCase() + w.slice(1))
            .join(''),
        ],
      },
    ],
    gender: 'male',
    birthDate: addMonths(plannedDate, -facts.ageMonths),
  });
  add<Organization>('org-provider', {
    resourceType: 'Organization',
    identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1999999992' }],
    active: true,
    type: [{ coding: [{ system: ORG_TYPE, code: 'prov', display: 'Healthcare Provider' }] }],
    name: "Lakeside Children's Hospital",
  });
  add<Organization>('org-payer', {
    resourceType: 'Organization',
    identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1999999984' }],
    active: true,
    type: [{ coding: [{ system: ORG_TYPE, code: 'pay', display: 'Payer' }] }],
    name: 'Northwind Health Plan',
  });
  add<Practitioner>('practitioner', {
    resourceType: 'Practitioner',
    identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1999999976' }],
    name: [{ family: 'Okafor', given: ['Ada'] }],
    ...(s.prescriber === 'care-team-practitioner' ? { qualification: [{ code: nucc }] } : {}),
  });
  if (s.prescriber !== 'care-team-practitioner') {
    // The taxonomy in `code` for a care-team role (the PAS profile's element), in `specialty`
    // for the organization's role: EHRs use both.
    add<PractitionerRole>('role', {
      resourceType: 'PractitionerRole',
      active: true,
      practitioner: { reference: practitionerRef },
      organization: { reference: orgRef },
      ...(s.prescriber === 'care-team-role-code' ? { code: [nucc] } : s.prescriber === 'organization-role' ? { specialty: [nucc] } : {}),
    });
  }
  add<Coverage>('coverage', {
    resourceType: 'Coverage',
    status: 'active',
    subscriberId: `NW${id('coverage').slice(0, 9).toUpperCase()}`,
    beneficiary: { reference: patientRef },
    payor: [{ reference: `Organization/${id('org-payer')}` }],
    class: [{ type: { coding: [{ system: COVERAGE_CLASS, code: 'plan' }] }, value: 'NW-PPO-GOLD', name: 'Northwind PPO Gold' }],
  });

  let records: KeyedRecord[] = [];
  const supporting: { reference: string; code?: { system: string; code: string; display: string } }[] = [];
  if (s.geneTherapyRecord) {
    records = clinicalRecords({
      facts,
      asOf,
      plannedDate,
      weightKg: facts.ageMonths >= 24 ? 11.8 : 7.6,
      patient: { reference: patientRef },
      requester: { reference: roleRef },
      ref: (k) => k,
    });
    const drop = new Set([...(s.drop ?? []), ...(s.titerAttached ? ['obs-aav9-titer'] : []), ...(s.geneticPdf ? ['obs-smn1-copies', 'obs-smn2-copies'] : [])]);
    const titer = records.find((r) => r.key === 'obs-aav9-titer');
    for (const r of records) {
      if (drop.has(r.key)) continue;
      // Lab results a referral packet carries often name no subject: only the Claim links them.
      const resource =
        r.key.startsWith('obs-a') || r.key === 'obs-bilirubin'
          ? (({ subject: _s, ...rest }) => rest)(r.resource as Resource & { subject?: unknown })
          : r.resource;
      const ref = add(r.key, resource as Resource);
      if (r.key !== 'condition-sma') supporting.push({ reference: ref });
    }
    if (s.ventilatorSnomed) {
      supporting.push({
        reference: add('condition-ventilator-snomed', {
          resourceType: 'Condition',
          clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
          code: { coding: [{ system: SNOMED, code: '444932008', display: 'Dependence on ventilator' }] },
          subject: { reference: patientRef },
          onsetDateTime: addDays(asOf, -60),
        } as Resource),
      });
    }
    if (s.titerAttached && titer) {
      const report = { ...titer.resource, id: id('attached-titer'), subject: { reference: patientRef } };
      supporting.push({
        reference: add<DocumentReference>('doc-lab-report', {
          resourceType: 'DocumentReference',
          status: 'current',
          type: { coding: [{ system: LOINC, code: '11502-2', display: 'Laboratory report' }] },
          subject: { reference: patientRef },
          content: [{ attachment: { contentType: 'application/fhir+json', data: base64(JSON.stringify(report)), title: 'Anti-AAV9 antibody titer' } }],
        }),
      });
    }
    if (s.geneticPdf) {
      supporting.push({
        reference: add<DocumentReference>('doc-genetic-report', {
          resourceType: 'DocumentReference',
          status: 'current',
          type: { coding: [{ system: LOINC, code: '51969-4', display: 'Genetic analysis report' }] },
          subject: { reference: patientRef },
          content: [
            { attachment: { contentType: 'application/pdf', data: base64('%PDF-1.4\n% synthetic SMN1/SMN2 report\n%%EOF\n'), title: 'SMN1/SMN2 MLPA report' } },
          ],
        }),
      });
    }
  }

  const careTeam: ClaimCareTeam[] =
    s.prescriber === 'organization-role'
      ? []
      : [
          {
            sequence: 1,
            provider: { reference: s.prescriber === 'care-team-practitioner' ? practitionerRef : roleRef },
            role: { coding: [{ system: CARE_TEAM_ROLE, code: 'primary' }] },
          },
        ];
  const sma = records.find((r) => r.key === 'condition-sma');
  const items: ClaimItem[] = s.services.map((service, i) => ({
    sequence: i + 1,
    ...(careTeam.length ? { careTeamSequence: [1] } : {}),
    diagnosisSequence: [1],
    productOrService: { coding: [{ ...service }] },
    servicedDate: plannedDate,
    quantity: { value: 1 },
  }));
  const claim: Claim = {
    resourceType: 'Claim',
    identifier: [{ system: PAS_TRACE_NUMBER_SYSTEM, value: `PAS-${id('claim').slice(0, 10).toUpperCase()}` }],
    status: 'active',
    type: { coding: [{ system: CLAIM_TYPE, code: 'professional' }] },
    use: 'preauthorization',
    patient: { reference: patientRef },
    created: `${asOf}T09:00:00Z`,
    insurer: { reference: `Organization/${id('org-payer')}` },
    provider: { reference: orgRef },
    priority: { coding: [{ system: PROCESS_PRIORITY, code: 'normal' }] },
    ...(careTeam.length ? { careTeam } : {}),
    diagnosis: [
      sma
        ? { sequence: 1, diagnosisReference: { reference: `Condition/${id('condition-sma')}` } }
        : { sequence: 1, diagnosisCodeableConcept: { coding: [{ system: ICD10, code: 'M17.11', display: 'Unilateral primary osteoarthritis, right knee' }] } },
    ],
    ...(supporting.length
      ? {
          supportingInfo: supporting.map((x, i) => ({
            sequence: i + 1,
            category: { coding: [{ system: CLAIM_INFO_CATEGORY, code: 'info' }] },
            valueReference: { reference: x.reference },
          })),
        }
      : {}),
    insurance: [{ sequence: 1, focal: true, coverage: { reference: `Coverage/${id('coverage')}` } }],
    item: items,
  };
  entries.unshift({ key: 'claim', resource: { ...claim, id: id('claim') } });

  const entry: BundleEntry[] = entries.map(({ resource }) => ({ fullUrl: `${EHR_BASE}/${resource.resourceType}/${resource.id}`, resource }));
  return {
    resourceType: 'Bundle',
    identifier: { system: 'https://ehr.lakeside-childrens.example/fhir/submitter-transaction', value: id('bundle').slice(0, 12) },
    type: 'collection',
    timestamp: `${asOf}T09:00:00Z`,
    entry,
  };
}
