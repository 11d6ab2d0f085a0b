import type { Bundle, Claim, Resource } from '@medplum/fhirtypes';
import { caseRecord, type PolicyCases } from '../../core/agents/clinical/policy-cases.js';
import { SHIPPED_CASES } from '../../core/agents/clinical/shipped-cases.js';
import type { FhirResource } from '../../core/agents/clinical/types.js';
import { MurmurError } from '../../core/common/errors.js';
import { CARE_TEAM_ROLE, CLAIM_INFO_CATEGORY, CLAIM_TYPE, COVERAGE_CLASS, ORG_TYPE, PROCESS_PRIORITY } from './codes.js';
import { EHR_BASE, PAS_TRACE_NUMBER_SYSTEM } from './pas-shape.js';
import { deterministicUuid } from './uuid.js';

/**
 * A portfolio policy's synthetic case as the PAS request an EHR sends: the case's record with
 * ids made unique per case (so cases never meet on the payer's FHIR server), the requesting
 * Organization as provider, the prescriber in careTeam, the diagnosis Condition in `diagnosis`
 * and every other clinical resource behind `supportingInfo`.
 */
export function policyCaseRequest(policyId: string, caseId: string, opts: { cases?: PolicyCases; asOf?: string } = {}): Bundle {
  const doc = opts.cases ?? SHIPPED_CASES[policyId];
  const c = doc?.cases.find((x) => x.id === caseId);
  if (!doc || !c) throw new MurmurError('E_INPUT', `no synthetic case ${caseId} for policy ${policyId}`, { field: 'case' });
  const asOf = opts.asOf ?? '2026-03-02';
  const id = (key: string) => deterministicUuid(`policy-case:${policyId}:${caseId}:${key}`);
  const record = caseRecord(doc, c);
  const ids = new Map(record.map((r) => [`${r.resourceType}/${r.id!}`, `${r.resourceType}/${id(r.id!)}`]));
  const relinked = record.map((r) => relink({ ...r, id: id(r.id!) }, ids) as FhirResource);

  const draft = relinked.find((r) => r.resourceType === 'Claim') as unknown as Claim | undefined;
  const patient = relinked.find((r) => r.resourceType === 'Patient');
  if (!draft || !patient) throw new MurmurError('E_INPUT', `case ${caseId} has no Claim or Patient`, { field: 'record' });
  const prescriber = relinked.find((r) => r.resourceType === 'PractitionerRole' || r.resourceType === 'Practitioner');
  const diagnosis = relinked.find((r) => r.resourceType === 'Condition' && r.id === id('condition-dx'));
  const supporting = relinked.filter((r) => r !== patient && r !== (draft as unknown) && r !== prescriber && r !== diagnosis);
  const patientRef = `Patient/${patient.id!}`;
  const provider: Resource = {
    resourceType: 'Organization',
    id: id('org-provider'),
    active: true,
    type: [{ coding: [{ system: ORG_TYPE, code: 'prov', display: 'Healthcare Provider' }] }],
    name: 'Lakeside Medical Center',
  };
  const payer: Resource = {
    resourceType: 'Organization',
    id: id('org-payer'),
    active: true,
    type: [{ coding: [{ system: ORG_TYPE, code: 'pay', display: 'Payer' }] }],
    name: 'Northwind Health Plan',
  };
  const coverage: Resource = {
    resourceType: 'Coverage',
    id: id('coverage'),
    status: 'active',
    beneficiary: { reference: patientRef },
    payor: [{ reference: `Organization/${payer.id!}` }],
    class: [{ type: { coding: [{ system: COVERAGE_CLASS, code: 'plan' }] }, value: 'NW-PPO-GOLD', name: 'Northwind PPO Gold' }],
  };
  const claim: Claim = {
    resourceType: 'Claim',
    id: draft.id!,
    identifier: [{ system: PAS_TRACE_NUMBER_SYSTEM, value: `PAS-${id('trace').slice(0, 10).toUpperCase()}` }],
    status: 'active',
    type: { coding: [{ system: CLAIM_TYPE, code: 'professional' }] },
    use: 'preauthorization',
    patient: { reference: patientRef },
    created: `${asOf}T09:00:00Z`,
    insurer: { reference: `Organization/${payer.id!}` },
    provider: { reference: `Organization/${provider.id!}` },
    priority: { coding: [{ system: PROCESS_PRIORITY, code: 'normal' }] },
    ...(prescriber
      ? {
          careTeam: [
            {
              sequence: 1,
              provider: { reference: `${prescriber.resourceType}/${prescriber.id!}` },
              role: { coding: [{ system: CARE_TEAM_ROLE, code: 'primary' }] },
            },
          ],
        }
      : {}),
    ...(diagnosis ? { diagnosis: [{ sequence: 1, diagnosisReference: { reference: `Condition/${diagnosis.id!}` } }] } : {}),
    ...(supporting.length
      ? {
          supportingInfo: supporting.map((r, i) => ({
            sequence: i + 1,
            category: { coding: [{ system: CLAIM_INFO_CATEGORY, code: 'info' }] },
            valueReference: { reference: `${r.resourceType}/${r.id!}` },
          })),
        }
      : {}),
    insurance: [{ sequence: 1, focal: true, coverage: { reference: `Coverage/${coverage.id!}` } }],
    item: (draft.item ?? []).map((item) => ({
      ...item,
      ...(prescriber ? { careTeamSequence: [1] } : {}),
      ...(diagnosis ? { diagnosisSequence: [1] } : {}),
      quantity: { value: 1 },
    })),
  };
  const resources = [
    claim,
    patient as unknown as Resource,
    provider,
    payer,
    coverage,
    ...(prescriber ? [prescriber as unknown as Resource] : []),
    ...(diagnosis ? [diagnosis as unknown as Resource] : []),
    ...(supporting as unknown as Resource[]),
  ];
  return {
    resourceType: 'Bundle',
    identifier: { system: 'https://ehr.lakeside.example/fhir/submitter-transaction', value: id('bundle').slice(0, 12) },
    type: 'collection',
    timestamp: `${asOf}T09:00:00Z`,
    entry: resources.map((resource) => ({ fullUrl: `${EHR_BASE}/${resource.resourceType}/${resource.id!}`, resource })),
  };
}

/** Every `reference` to a record resource, rewritten to its per-case id. */
function relink(value: unknown, ids: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => relink(v, ids));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = k === 'reference' && typeof v === 'string' ? (ids.get(v) ?? v) : relink(v, ids);
  return out;
}
