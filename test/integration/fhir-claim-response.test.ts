import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Bundle, ClaimResponse, Extension, Resource } from '@medplum/fhirtypes';
import type { Decision } from '../../core/agents/clinical/types.js';
import type { CaseDataRef } from '../../core/agents/ports.js';
import { isMurmurError } from '../../core/common/errors.js';
import { storeRequestBundle } from '../../fhir/adapters/request-intake.js';
import { PasClaimResponseBuilder, authorizationPeriod, claimResponseBundle } from '../../fhir/pas/claim-response.js';
import { PAS_REVIEW_ACTION, X12_306_ACTION_CODE, X12_4_REASON_CODE } from '../../fhir/pas/codes.js';
import { parsePasRequest } from '../../fhir/pas/request.js';
import { startFhirServer } from '../../fhir/server/embedded-server.js';
import type { EmbeddedFhirServer } from '../../fhir/server/embedded-server.js';
import { validationIssues } from '../../fhir/server/validation.js';
import { pasRequestBundle } from '../unit/fhir-fixture.js';

let server: EmbeddedFhirServer;
let ref: CaseDataRef;
let builder: PasClaimResponseBuilder;
const decidedAt = Date.UTC(2026, 7, 31, 14, 30); // 31 Aug 2026: the period end clamps to 28 Feb

before(async () => {
  server = await startFhirServer({});
  builder = new PasClaimResponseBuilder({ baseUrl: server.baseUrl });
  ref = await storeRequestBundle(server.baseUrl, parsePasRequest(pasRequestBundle()));
});
after(() => server.close());

const policy = { id: 'northwind-zolgensma', version: '2026-01' };
const criterion = (id: string, status: 'met' | 'not-met' | 'missing' | 'review', extra: object = {}) => ({
  id,
  title: id === 'aav9' ? 'Anti-AAV9 antibody titer ≤ 1:50' : 'Baseline liver function',
  status,
  reason: status === 'met' ? 'Criterion met.' : id === 'aav9' ? 'The baseline titer is above 1:50.' : 'No baseline liver panel on file.',
  evaluatedBy: 'payer' as const,
  ...extra,
});

const approved: Decision = {
  outcome: 'approved',
  policy,
  criteria: [criterion('aav9', 'met'), criterion('liver', 'met')],
  reasons: [],
  missing: [],
  caveats: [{ code: 'pgx-cyp2d6-pm', text: 'CYP2D6 poor metabolizer: avoid codeine and tramadol', drugs: ['codeine', 'tramadol'] }],
};
const denied: Decision = {
  outcome: 'denied',
  policy,
  criteria: [criterion('aav9', 'not-met', { x12Reason: '0A' }), criterion('liver', 'met')],
  reasons: ['Anti-AAV9 antibody titer above 1:50'],
  missing: [],
  caveats: [],
};
const pended: Decision = {
  outcome: 'pended',
  policy,
  criteria: [criterion('aav9', 'met'), criterion('liver', 'missing')],
  reasons: ['Baseline liver function missing'],
  missing: [
    {
      code: { system: 'http://loinc.org', code: '24325-3', display: 'Hepatic function panel' },
      description: 'baseline hepatic function panel (ALT, AST, total bilirubin)',
    },
  ],
  caveats: [],
};

async function respond(decision: Decision): Promise<ClaimResponse> {
  const out = (await builder.claimResponse({ ref, decision, authorizationNumber: 'NW-PA-000123', decidedAt })) as unknown as ClaimResponse;
  assert.deepEqual(validationIssues(out as Resource), [], 'the ClaimResponse is valid R4');
  return out;
}

function reviewAction(cr: ClaimResponse): Extension[] {
  const ext = cr.item?.[0]?.adjudication?.[0]?.extension?.find((e) => e.url === PAS_REVIEW_ACTION);
  assert.ok(ext, 'reviewAction extension present');
  return ext.extension ?? [];
}
const sub = (parts: Extension[], url: string) => parts.filter((p) => p.url === url);

test('approval: A1, complete, preAuthRef and period, caveat in processNote', async () => {
  const cr = await respond(approved);
  assert.equal(cr.use, 'preauthorization');
  assert.equal(cr.outcome, 'complete');
  assert.equal(cr.request?.reference, ref.claim);
  assert.equal(cr.patient.reference, ref.patient);
  assert.equal(cr.created, '2026-08-31T14:30:00.000Z');
  assert.equal(cr.item?.[0]?.itemSequence, 1);
  assert.equal(cr.item?.[0]?.adjudication?.[0]?.category.coding?.[0]?.code, 'submitted');
  const parts = reviewAction(cr);
  const code = sub(parts, 'code')[0]?.valueCodeableConcept?.coding?.[0];
  assert.deepEqual([code?.system, code?.code], [X12_306_ACTION_CODE, 'A1']);
  assert.equal(sub(parts, 'number')[0]?.valueString, 'NW-PA-000123');
  assert.equal(sub(parts, 'reasonCode').length, 0);
  assert.equal(cr.preAuthRef, 'NW-PA-000123');
  assert.deepEqual(cr.preAuthPeriod, { start: '2026-08-31', end: '2027-02-28' });
  assert.match(cr.processNote?.[0]?.text ?? '', /CYP2D6 poor metabolizer.*codeine, tramadol/);
});

test('denial: A3 with the X12 reason and the failed criterion in words, no preAuthRef', async () => {
  const cr = await respond(denied);
  assert.equal(cr.outcome, 'complete');
  assert.equal(cr.preAuthRef, undefined);
  assert.equal(cr.preAuthPeriod, undefined);
  const parts = reviewAction(cr);
  assert.equal(sub(parts, 'code')[0]?.valueCodeableConcept?.coding?.[0]?.code, 'A3');
  const reasons = sub(parts, 'reasonCode');
  assert.equal(reasons.length, 1, 'only the failed criterion');
  assert.deepEqual(reasons[0]?.valueCodeableConcept?.coding?.[0], { system: X12_4_REASON_CODE, code: '0A' });
  assert.match(reasons[0]?.valueCodeableConcept?.text ?? '', /Anti-AAV9 antibody titer.*above 1:50/);
  assert.match(cr.disposition ?? '', /Not certified: 1 coverage criterion/);
});

test('pend: A4, queued, the missing document with its LOINC code in processNote', async () => {
  const cr = await respond(pended);
  assert.equal(cr.outcome, 'queued');
  assert.equal(cr.preAuthRef, undefined);
  const parts = reviewAction(cr);
  assert.equal(sub(parts, 'code')[0]?.valueCodeableConcept?.coding?.[0]?.code, 'A4');
  const reason = sub(parts, 'reasonCode')[0]?.valueCodeableConcept;
  assert.equal(reason?.coding, undefined, 'no X12 reason given, so none invented');
  assert.match(reason?.text ?? '', /liver function/);
  assert.ok(cr.processNote?.some((n) => /hepatic function panel.*LOINC 24325-3/.test(n.text ?? '')));
});

test('the $submit response Bundle is a valid collection led by the ClaimResponse', async () => {
  const cr = await respond(approved);
  let n = 0;
  const bundle: Bundle = claimResponseBundle(cr, { newUuid: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}` });
  assert.equal(bundle.type, 'collection');
  assert.equal(bundle.entry?.[0]?.resource?.resourceType, 'ClaimResponse');
  assert.equal(bundle.entry?.[0]?.fullUrl, 'urn:uuid:00000000-0000-4000-8000-000000000001');
  assert.deepEqual(validationIssues(bundle), []);
});

test('authorization period clamps to the month end and refuses bad input', async () => {
  assert.deepEqual(authorizationPeriod(Date.UTC(2026, 0, 15)), { start: '2026-01-15', end: '2026-07-15' });
  await assert.rejects(builder.claimResponse({ ref, decision: approved, authorizationNumber: ' ', decidedAt }), (e) => isMurmurError(e, 'E_INPUT'));
  await assert.rejects(builder.claimResponse({ ref: { ...ref, claim: 'Patient/1' }, decision: approved, authorizationNumber: 'x', decidedAt }), (e) =>
    isMurmurError(e, 'E_INPUT'),
  );
});
