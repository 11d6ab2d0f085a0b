import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Bundle, Claim, ClaimResponse, Coverage, Patient } from '@medplum/fhirtypes';
import { startEmbedded, type Embedded } from '../../app/node/embedded.js';
import type { PasEndpoint } from '../../app/node/pas/endpoint.js';
import { syntheticRequest, syntheticUpdate } from '../../fhir/synthetic/index.js';
import { claimResponseOf, ehrClient, inquiryAnswer, issueOf, reviewActions, type EhrClient } from '../support/pas-client.js';

/*
 * What a request is, over HTTP as an independent EHR sends it: a trace number answers only for
 * the request that used it; an update or cancel speaks only for the same patient, member,
 * insurer and provider; a cancel is a signed board entry and answers with review action C.
 */
const claimOf = (b: Bundle): Claim => b.entry!.find((e) => e.resource?.resourceType === 'Claim')!.resource as Claim;
const resourceOf = <T>(b: Bundle, type: string): T => b.entry!.find((e) => e.resource?.resourceType === type)!.resource as T;
const inquiry = (b: Bundle): Bundle => ({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: claimOf(b) }] });

describe('PAS request identity: trace numbers, updates and cancels', () => {
  let dir: string;
  let env: Embedded;
  let pas: PasEndpoint;
  let ehr: EhrClient;
  let bearer: string;
  const head = (): number => env.coalition.payer.replica.fold.lastIndex;
  // What a request posts when accepted. The board does not go quiet when a response is sent
  // (the case's last votes and scores follow), so the check is of what was posted, not of the head.
  const intakeSince = async (index: number): Promise<string[]> =>
    (await env.store.read(index + 1)).map((e) => e.envelope.kind).filter((k) => ['TaskAvailable', 'CaseUpdate', 'CaseCancel'].includes(k));
  const submit = (b: unknown) => ehr.call(pas.baseUrl, 'Claim/$submit', b, bearer);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'murmur-pas-id-'));
    ehr = await ehrClient('identity-ehr');
    env = await startEmbedded({ dataDir: dir, pas: { clients: [ehr.registration] } });
    pas = env.pas!;
    bearer = await ehr.token(pas.tokenUrl);
  });

  after(async () => {
    await env?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a resent request (new Bundle id, identifier, timestamp) answers for its case; another request under the same trace number gets 409 naming Claim.identifier and reaches no board', async () => {
    const request = syntheticRequest('reference');
    const first = claimResponseOf(await submit(request));
    assert.equal(reviewActions(first)[1], 'A1');
    const resent = {
      ...structuredClone(request),
      id: 'resend-2',
      timestamp: '2026-03-02T10:00:00Z',
      identifier: { system: 'http://ehr.example/tx', value: 'tx-2' },
    };
    const cases = env.coalition.payer.replica.state.cases.size;
    assert.equal(claimResponseOf(await submit(resent)).preAuthRef, first.preAuthRef, 'the same request, resent, answers for its case');

    const other = syntheticRequest('titer-1-100');
    claimOf(other).identifier = claimOf(request).identifier;
    const before = head();
    const refused = await submit(other);
    assert.equal(refused.status, 409);
    assert.equal(issueOf(refused).code, 'conflict');
    assert.deepEqual(issueOf(refused).expression, ['Claim.identifier']);
    assert.match(issueOf(refused).details!.text!, /different request/);
    assert.deepEqual(await intakeSince(before), [], 'nothing of the other request reached the board');
    assert.equal(env.coalition.payer.replica.state.cases.size, cases);
    const inquired = claimResponseOf(inquiryAnswer(await ehr.call(pas.baseUrl, 'Claim/$inquire', inquiry(request), bearer)));
    assert.equal(inquired.preAuthRef, first.preAuthRef, '$inquire still answers for the first request');
  });

  it('two different requests sent at once under one new trace number: one opens a case, the other gets 409, never two cases', async () => {
    const a = syntheticRequest('reference');
    const b = syntheticRequest('titer-1-100');
    // A trace number no earlier test used (the synthetic requests of a scenario share theirs).
    claimOf(a).identifier = [{ system: claimOf(a).identifier![0]!.system, value: 'PAS-RACE-0001' }];
    claimOf(b).identifier = structuredClone(claimOf(a).identifier);
    const cases = env.coalition.payer.replica.state.cases.size;
    const answers = await Promise.all([submit(a), submit(b)]);
    assert.deepEqual(answers.map((r) => r.status).sort(), [200, 409], 'the second request under the trace number is refused, whichever is checked first');
    assert.equal(env.coalition.payer.replica.state.cases.size, cases + 1, 'one case opened for the trace number');
    const inquired = claimResponseOf(inquiryAnswer(await ehr.call(pas.baseUrl, 'Claim/$inquire', inquiry(a), bearer)));
    const accepted = claimResponseOf(answers.find((r) => r.status === 200)!);
    assert.equal(inquired.preAuthRef, accepted.preAuthRef, '$inquire answers for the request that was accepted');

    // The same request sent twice at once (a retry that overtook its first try): one case, one answer.
    const c = syntheticRequest('reference');
    claimOf(c).identifier = [{ system: claimOf(c).identifier![0]!.system, value: 'PAS-RACE-0002' }];
    const twice = await Promise.all([submit(c), submit(structuredClone(c))]);
    assert.deepEqual(
      twice.map((r) => r.status),
      [200, 200],
    );
    assert.equal(claimResponseOf(twice[0]!).preAuthRef, claimResponseOf(twice[1]!).preAuthRef, 'both answer for one case');
    assert.equal(env.coalition.payer.replica.state.cases.size, cases + 2);
  });

  it('a Claim update naming another patient, member, insurer or provider is refused with 409 naming the field; $inquire keeps the original patient', async () => {
    const request = syntheticRequest('missing-titer');
    assert.equal(reviewActions(claimResponseOf(await submit(request)))[1], 'A4');
    const stranger = resourceOf<Patient>(syntheticRequest('reference'), 'Patient');
    const cases: [string, (b: Bundle) => void][] = [
      ['Claim.patient', (b) => Object.assign(resourceOf<Patient>(b, 'Patient'), { identifier: stranger.identifier, name: stranger.name })],
      ['Claim.insurance.coverage', (b) => (resourceOf<Coverage>(b, 'Coverage').subscriberId = 'NW-SOMEONE-ELSE')],
      ['Claim.insurer', (b) => (resourceOf<{ identifier: { value: string }[] }>(b, 'Organization').identifier[0]!.value = '1000000004')],
      ['Claim.provider', (b) => (resourceOf<{ identifier: { value: string }[] }>(b, 'Practitioner').identifier[0]!.value = '1000000012')],
    ];
    for (const [path, change] of cases) {
      const update = syntheticUpdate('missing-titer', { titerDenominator: 25 });
      change(update);
      const before = head();
      const refused = await submit(update);
      assert.equal(refused.status, 409, path);
      assert.deepEqual(issueOf(refused).expression, [path]);
      assert.deepEqual(await intakeSince(before), [], `${path}: the update reached no board`);
    }
    const inquired = inquiryAnswer(await ehr.call(pas.baseUrl, 'Claim/$inquire', inquiry(request), bearer));
    const patient = (inquired.body as Bundle).entry!.find((e) => e.resource?.resourceType === 'Patient')!.resource as Patient;
    assert.deepEqual(patient.identifier, resourceOf<Patient>(request, 'Patient').identifier, "the case is still the original patient's");
    assert.equal(reviewActions(claimResponseOf(inquired))[1], 'A4');
  });

  it('a resubmission with Claim.status = cancelled withdraws the approval: a CaseCancel on the board, review action C and no authorization; repeated, it posts nothing more', async () => {
    const request = syntheticRequest('cyp2d6-normal');
    const approved = claimResponseOf(await submit(request));
    assert.equal(reviewActions(approved)[1], 'A1');
    assert.ok(approved.preAuthRef);
    const cancel = structuredClone(request);
    claimOf(cancel).status = 'cancelled';
    const answer = claimResponseOf(await submit(cancel));
    assert.deepEqual(reviewActions(answer), { 1: 'C' });
    assert.equal(answer.preAuthRef, undefined, 'a cancelled request authorizes nothing');
    assert.equal(answer.outcome, 'complete');
    const posted = env.coalition.payer.replica.fold.records.filter((r) => r.kind === 'CaseCancel');
    assert.deepEqual(
      posted.map((r) => r.status),
      ['accepted'],
    );
    const c = env.coalition.payer.replica.state.cases.get(posted[0]!.case!)!;
    assert.equal(c.cancellation?.whole, true, 'every node folds the case as cancelled');
    assert.deepEqual(reviewActions(claimResponseOf(await submit(cancel))), { 1: 'C' });
    assert.equal(env.coalition.payer.replica.fold.records.filter((r) => r.kind === 'CaseCancel').length, 1, 'a repeated cancel posts nothing more');
    const inquired: ClaimResponse = claimResponseOf(inquiryAnswer(await ehr.call(pas.baseUrl, 'Claim/$inquire', inquiry(request), bearer)));
    assert.deepEqual(reviewActions(inquired), { 1: 'C' });
  });
});
