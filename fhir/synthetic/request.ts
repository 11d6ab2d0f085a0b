import type { Bundle, BundleEntry, Claim, Coverage, Organization, Patient, Practitioner, PractitionerRole, Resource } from '@medplum/fhirtypes';
import { CARE_TEAM_ROLE, CLAIM_INFO_CATEGORY, CLAIM_TYPE, COVERAGE_CLASS, HCPCS, NUCC, ORG_TYPE, PROCESS_PRIORITY } from './codes.js';
import { addDays, addMonths, parseIsoDate } from './dates.js';
import { clinicalRecords } from './records.js';
import { deterministicUuid } from './uuid.js';
import { caseFacts, isCaseVariant, type CaseFacts, type CaseVariant } from './variants.js';
import { MurmurError } from '../../core/common/errors.js';

/** The request date when none is given: fixed, so the committed bundles never drift. */
export const DEFAULT_AS_OF = '2026-03-02';
/** The infusion is planned this many days after the request. */
const DAYS_TO_INFUSION = 14;

export interface SyntheticRequestOptions {
  /** ISO date (YYYY-MM-DD) of the request; the planned infusion is two weeks later. */
  asOf?: string;
  /** Facts that differ from the variant's (e.g. the titer result a Claim update brings). */
  facts?: Partial<CaseFacts>;
}

/** The provider's trace-number system for prior-authorization requests (Claim.identifier). */
export const PA_TRACE_SYSTEM = 'http://lakeside-childrens.example/fhir/pa-trace-number';

/**
 * A PAS-style prior-authorization request Bundle for one synthetic case: the preauthorization
 * Claim first, then the parties it names and the patient's supporting record. Deterministic:
 * the same variant and date give the same bytes.
 */
export function syntheticRequest(variant: CaseVariant, opts: SyntheticRequestOptions = {}): Bundle {
  if (!isCaseVariant(variant)) throw new MurmurError('E_INPUT', 'variant is not a known synthetic case variant', { field: 'variant' });
  const asOf = opts.asOf ?? DEFAULT_AS_OF;
  parseIsoDate(asOf, 'asOf');
  const facts = { ...caseFacts(variant), ...opts.facts };
  const plannedDate = addDays(asOf, DAYS_TO_INFUSION);
  const uuid = (key: string) => deterministicUuid(`${variant}:${asOf}:${key}`);
  const ref = (key: string) => `urn:uuid:${uuid(key)}`;
  const weightKg = facts.ageMonths >= 24 ? 11.8 : 7.6;

  const patient: Patient = {
    resourceType: 'Patient',
    identifier: [{ system: 'http://lakeside-childrens.example/fhir/mrn', value: `MRN-${uuid('patient').slice(0, 8).toUpperCase()}` }],
    name: [{ family: 'Synthetic', given: [variantGivenName(variant)] }],
    gender: 'female',
    birthDate: addMonths(plannedDate, -facts.ageMonths),
  };
  const payer: Organization = {
    resourceType: 'Organization',
    identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1999999984' }],
    active: true,
    type: [{ coding: [{ system: ORG_TYPE, code: 'pay', display: 'Payer' }] }],
    name: 'Northwind Health Plan',
  };
  const providerOrg: Organization = {
    resourceType: 'Organization',
    identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1999999992' }],
    active: true,
    type: [{ coding: [{ system: ORG_TYPE, code: 'prov', display: 'Healthcare Provider' }] }],
    name: "Lakeside Children's Hospital",
  };
  const practitioner: Practitioner = {
    resourceType: 'Practitioner',
    identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1999999976' }],
    name: [{ family: 'Okafor', given: ['Ada'], prefix: ['Dr.'] }],
  };
  const role: PractitionerRole = {
    resourceType: 'PractitionerRole',
    active: true,
    practitioner: { reference: ref('practitioner') },
    organization: { reference: ref('org-provider') },
    specialty: [{ coding: [{ system: NUCC, ...facts.prescriberTaxonomy }], text: facts.prescriberTaxonomy.display }],
  };
  const coverage: Coverage = {
    resourceType: 'Coverage',
    status: 'active',
    subscriberId: `NW${uuid('coverage').slice(0, 9).toUpperCase()}`,
    beneficiary: { reference: ref('patient') },
    relationship: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/subscriber-relationship', code: 'child' }] },
    payor: [{ reference: ref('org-payer') }],
    class: [{ type: { coding: [{ system: COVERAGE_CLASS, code: 'plan' }] }, value: 'NW-PPO-GOLD', name: 'Northwind PPO Gold' }],
  };

  const records = clinicalRecords({
    facts,
    asOf,
    plannedDate,
    weightKg,
    patient: { reference: ref('patient') },
    requester: { reference: ref('practitioner-role') },
    ref,
  });

  const claim: Claim = {
    resourceType: 'Claim',
    identifier: [{ system: PA_TRACE_SYSTEM, value: `PA-${uuid('claim').slice(0, 8).toUpperCase()}` }],
    status: 'active',
    type: { coding: [{ system: CLAIM_TYPE, code: 'professional' }] },
    use: 'preauthorization',
    patient: { reference: ref('patient') },
    created: `${asOf}T09:00:00Z`,
    insurer: { reference: ref('org-payer'), display: 'Northwind Health Plan' },
    provider: { reference: ref('practitioner-role') },
    priority: { coding: [{ system: PROCESS_PRIORITY, code: 'normal' }] },
    careTeam: [
      {
        sequence: 1,
        provider: { reference: ref('practitioner-role') },
        role: { coding: [{ system: CARE_TEAM_ROLE, code: 'primary' }] },
        qualification: role.specialty?.[0],
      },
    ],
    diagnosis: [{ sequence: 1, diagnosisReference: { reference: ref('condition-sma') } }],
    supportingInfo: records
      .filter((r) => r.key !== 'condition-sma')
      .map((r, i) => ({
        sequence: i + 1,
        category: { coding: [{ system: CLAIM_INFO_CATEGORY, code: 'info' }] },
        valueReference: { reference: ref(r.key) },
      })),
    insurance: [{ sequence: 1, focal: true, coverage: { reference: ref('coverage') } }],
    item: [
      {
        sequence: 1,
        careTeamSequence: [1],
        diagnosisSequence: [1],
        productOrService: {
          coding: [{ system: HCPCS, code: 'J3399', display: 'Injection, onasemnogene abeparvovec-xioi, per treatment, up to 5x10^15 vector genomes' }],
          text: 'onasemnogene abeparvovec-xioi (Zolgensma), one-time IV infusion, 1.1 x 10^14 vg/kg',
        },
        servicedDate: plannedDate,
        quantity: { value: 1 },
        unitPrice: { value: 2125000, currency: 'USD' },
        net: { value: 2125000, currency: 'USD' },
      },
    ],
    total: { value: 2125000, currency: 'USD' },
  };

  const keyed: { key: string; resource: Resource }[] = [
    { key: 'claim', resource: claim },
    { key: 'patient', resource: patient },
    { key: 'coverage', resource: coverage },
    { key: 'org-payer', resource: payer },
    { key: 'org-provider', resource: providerOrg },
    { key: 'practitioner', resource: practitioner },
    { key: 'practitioner-role', resource: role },
    ...records,
  ];
  const entry: BundleEntry[] = keyed.map(({ key, resource }) => ({
    fullUrl: ref(key),
    resource: { ...resource, id: uuid(key) } as Resource,
  }));
  return {
    resourceType: 'Bundle',
    id: uuid('bundle'),
    identifier: { system: 'http://murmur.dev/fhir/synthetic-case', value: variant },
    type: 'collection',
    timestamp: `${asOf}T09:00:00Z`,
    entry,
  };
}

/** A synthetic given name per variant, obviously not a real person's. */
function variantGivenName(variant: CaseVariant): string {
  return `Case-${variant
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('')}`;
}
