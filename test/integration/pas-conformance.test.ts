import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Bundle, CapabilityStatement, Claim, ClaimResponse, CommunicationRequest, Parameters, PractitionerRole } from '@medplum/fhirtypes';
import { startEmbedded, type Embedded } from '../../app/node/embedded.js';
import { startPasEndpoint, type PasEndpoint } from '../../app/node/pas/endpoint.js';
import {
  claimResponseOf,
  ehrClient,
  inquiryAnswer,
  inquiryBundles,
  issueOf,
  restHook,
  reviewActions,
  type EhrClient,
  type Hook,
} from '../support/pas-client.js';
import { deeplyNestedText, EHR_BASE, markItem, pasRequest, pasUpdate, unresolvedReferences } from '../support/pas-fixtures.js';

/*
 * A conformance suite of Murmur's own, making the checks the Inferno PAS server test kit
 * makes, over HTTP as an independent EHR (jose + fetch), on PAS-shaped fixtures written for
 * Murmur (test/support/pas-fixtures.ts): collection Bundles with https fullUrls and relative
 * references, provider = the requesting Organization, the prescriber in careTeam.
 */
const X12_306 = 'https://codesystem.x12.org/005010/306';
const REVIEW_ACTION = 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-reviewAction';
const ORG_NPI = 'http://hl7.org/fhir/sid/us-npi|1999999992';
const claimOf = (b: Bundle): Claim => b.entry![0]!.resource as Claim;
const inquiryOf = (b: Bundle): Bundle => ({ resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: b.entry![0]!.fullUrl!, resource: claimOf(b) }] });
let traces = 0;
const trace = (): string => `PAS-CONF-${process.pid}-${++traces}`;

/** What the Inferno kit checks of every response Bundle: shape, must-support elements, references, the review action. */
function assertPasResponse(bundle: Bundle, request: Bundle): ClaimResponse {
  assert.equal(bundle.resourceType, 'Bundle');
  assert.equal(bundle.type, 'collection');
  assert.ok(bundle.identifier?.value, 'Bundle.identifier (1..1 in the PAS response profile)');
  assert.deepEqual(bundle.identifier, request.identifier, "the submitter's transaction identifier is echoed");
  assert.ok(bundle.timestamp, 'Bundle.timestamp');
  const cr = bundle.entry![0]!.resource as ClaimResponse;
  assert.equal(cr.resourceType, 'ClaimResponse', 'the ClaimResponse comes first');
  for (const el of ['status', 'type', 'use', 'patient', 'created', 'insurer', 'requestor', 'outcome', 'identifier', 'item'] as const)
    assert.ok(cr[el] !== undefined, `ClaimResponse.${el} (must support)`);
  assert.equal(cr.use, 'preauthorization');
  assert.deepEqual(cr.request?.identifier, claimOf(request).identifier![0], 'ClaimResponse.request names the Claim by its trace number');
  for (const item of cr.item!) {
    const ext = item.adjudication?.flatMap((a) => a.extension ?? []).find((e) => e.url === REVIEW_ACTION);
    assert.ok(ext, `item ${item.itemSequence} carries the reviewAction extension`);
    assert.equal(ext.extension!.find((e) => e.url === 'code')!.valueCodeableConcept!.coding![0]!.system, X12_306, 'review action codes are X12 306');
  }
  assert.deepEqual(unresolvedReferences(bundle), [], 'every reference resolves to exactly one fullUrl');
  const patientUrl = request.entry!.find((e) => e.resource?.resourceType === 'Patient')!.fullUrl;
  assert.equal(cr.patient.reference, patientUrl, "the request's fullUrls are echoed (spec-33)");
  return cr;
}

describe("PAS 2.2.1 server conformance (Inferno PAS server checks, on Murmur's own fixtures)", () => {
  let dir: string;
  let env: Embedded;
  let pas: PasEndpoint;
  /** The same payer node answering at once (pended, queued) and notifying the decision. */
  let asyncPas: PasEndpoint;
  let ehr: EhrClient;
  let hook: Hook;
  let bearer: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'murmur-pas-conf-'));
    hook = await restHook('/pas/notify');
    ehr = await ehrClient('conformance-ehr', [new URL('/pas', hook.url).toString()]);
    env = await startEmbedded({ dataDir: dir, pas: { clients: [ehr.registration] } });
    pas = env.pas!;
    asyncPas = await startPasEndpoint({
      node: env.coalition.payer,
      fhirBase: env.fhirBase,
      recordsPath: join(dir, 'pas-async.db'),
      clients: [ehr.registration],
      syncWaitMs: 0,
      notifyBackoffMs: [50],
    });
    bearer = await ehr.token(pas.tokenUrl);
  });

  after(async () => {
    await asyncPas?.close();
    await env?.close();
    hook?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the fixtures are PAS-shaped: collection, https fullUrls, relative references that each resolve once, provider = the requesting Organization, prescriber in careTeam, unique sequences', () => {
    for (const b of [pasRequest('reference', { trace: 'shape-1', otherServices: true }), pasRequest('missing-titer', { trace: 'shape-2' })]) {
      assert.equal(b.type, 'collection');
      assert.ok(b.identifier?.value);
      assert.ok(
        b.entry!.every((e) => e.fullUrl!.startsWith(`${EHR_BASE}/`)),
        'https fullUrls',
      );
      assert.doesNotMatch(JSON.stringify(b), /"reference":"urn:/, 'references are relative');
      assert.deepEqual(unresolvedReferences(b), []);
      const claim = claimOf(b);
      assert.match(claim.provider.reference!, /^Organization\//);
      const role = b.entry!.find((e) => `PractitionerRole/${e.resource!.id}` === claim.careTeam![0]!.provider.reference)!.resource as PractitionerRole;
      assert.equal(role.specialty![0]!.coding![0]!.code, '2084N0402X', 'the prescriber, a child neurologist, is in careTeam');
      const seqs = (claim.supportingInfo ?? []).map((s) => s.sequence);
      assert.equal(new Set(seqs).size, seqs.length, 'unique supportingInfo sequences');
    }
    assert.equal(claimOf(pasRequest('reference', { trace: 'shape-3', otherServices: true })).item!.length, 3, 'several services');
  });

  it("the CapabilityStatement is the payer (server) side's: instantiates PAS Intermediary, $submit and $inquire, Subscriptions with delete", async () => {
    const cs = (await ehr.call(pas.baseUrl, 'metadata', undefined, undefined, 'GET')).body as CapabilityStatement;
    assert.deepEqual(cs.instantiates, ['http://hl7.org/fhir/us/davinci-pas/CapabilityStatement/IntermediaryCapabilities']);
    const rest = cs.rest![0]!;
    assert.equal(rest.mode, 'server');
    assert.deepEqual(
      rest.resource!.find((r) => r.type === 'Claim')!.operation!.map((o) => o.definition),
      ['http://hl7.org/fhir/us/davinci-pas/OperationDefinition/Claim-submit', 'http://hl7.org/fhir/us/davinci-pas/OperationDefinition/Claim-inquiry'],
    );
    assert.deepEqual(
      rest.resource!.find((r) => r.type === 'Subscription')!.interaction!.map((i) => i.code),
      ['create', 'read', 'delete'],
    );
  });

  it('an empty Bundle to $submit and to $inquire gets a non-2xx OperationOutcome; so do a repeated supportingInfo sequence and an extension nested thousands deep, each naming the element', async () => {
    const head = env.coalition.payer.replica.fold.lastIndex;
    for (const op of ['Claim/$submit', 'Claim/$inquire']) {
      const r = await ehr.call(pas.baseUrl, op, { resourceType: 'Bundle', type: 'collection', entry: [] }, bearer);
      assert.ok(r.status >= 400 && r.status < 500, `${op}: ${r.status}`);
      assert.equal(issueOf(r).severity, 'error');
      assert.deepEqual(issueOf(r).expression, ['Bundle.entry']);
    }
    const twice = pasRequest('reference', { trace: trace() });
    claimOf(twice).supportingInfo![1]!.sequence = claimOf(twice).supportingInfo![0]!.sequence;
    const dup = await ehr.call(pas.baseUrl, 'Claim/$submit', twice, bearer);
    assert.equal(dup.status, 400);
    assert.deepEqual(issueOf(dup).expression, ['Claim.supportingInfo[1].sequence']);
    const deep = await ehr.call(pas.baseUrl, 'Claim/$submit', deeplyNestedText(5000), bearer);
    assert.equal(deep.status, 400, 'never 500: PAS clients read 5xx as "retry"');
    assert.match(issueOf(deep).expression![0]!, /^Bundle\.entry\[0\]\.resource\.extension\[0\]\.extension/);
    assert.equal(env.coalition.payer.replica.fold.lastIndex, head, 'nothing refused reached the board');
  });

  it('approval workflow: A1 (X12 306) with the authorization number, the PAS response shape, and $inquire (a Parameters of response Bundles) answers the same', async () => {
    const request = pasRequest('reference', { trace: trace(), provider: 'practitioner-role' });
    const res = await ehr.call(pas.baseUrl, 'Claim/$submit', request, bearer);
    const cr = assertPasResponse(res.body as Bundle, request);
    assert.equal(cr.outcome, 'complete');
    assert.deepEqual(reviewActions(cr), { 1: 'A1' });
    assert.match(cr.preAuthRef ?? '', /^NW-/);
    const inquired = await ehr.call(pas.baseUrl, 'Claim/$inquire', inquiryOf(request), bearer);
    assert.equal(inquiryBundles(inquired).length, 1);
    assert.equal(claimResponseOf(inquiryAnswer(inquired)).preAuthRef, cr.preAuthRef);
    const other = structuredClone(inquiryOf(request));
    (other.entry![0]!.resource as Claim).identifier![0]!.value = 'NOT-A-TRACE-NUMBER';
    assert.deepEqual(inquiryBundles(await ehr.call(pas.baseUrl, 'Claim/$inquire', other, bearer)), [], "an inquiry matches only by the request's own keys");
  });

  it("denial workflow: A3 (X12 306) with the reason, for a child over the policy's age limit", async () => {
    const request = pasRequest('age-30-months', { trace: trace(), provider: 'practitioner-role' });
    const cr = assertPasResponse((await ehr.call(pas.baseUrl, 'Claim/$submit', request, bearer)).body as Bundle, request);
    assert.deepEqual(reviewActions(cr), { 1: 'A3' });
    assert.equal(cr.preAuthRef, undefined);
    const reasons = cr.item![0]!.adjudication![0]!.extension![0]!.extension!.filter((e) => e.url === 'reasonCode');
    assert.ok(
      reasons.some((r) => /age/i.test(r.valueCodeableConcept?.text ?? '')),
      'the denial says why',
    );
  });

  it('pended workflow: A4 queued, the pended notification (SubscriptionStatus first, full resources), then Claim updates adding, modifying and cancelling items', async () => {
    const ab = await ehr.token(asyncPas.tokenUrl);
    const sub = await ehr.call(
      asyncPas.baseUrl,
      'Subscription',
      {
        resourceType: 'Subscription',
        status: 'requested',
        reason: 'PAS pended decisions',
        criteria: 'http://hl7.org/fhir/us/davinci-pas/SubscriptionTopic/PASSubscriptionTopic',
        _criteria: {
          extension: [
            { url: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-filter-criteria', valueString: `org-identifier=${ORG_NPI}` },
          ],
        },
        channel: { type: 'rest-hook', endpoint: hook.url, payload: 'application/fhir+json' },
      },
      ab,
    );
    assert.equal(sub.status, 201);
    assert.equal((sub.body as { status: string }).status, 'active');
    assert.equal(hook.control.length, 1, 'the handshake came first');
    const seen = hook.received.length;

    const head0 = env.coalition.payer.replica.fold.lastIndex;
    const request = pasRequest('missing-titer', { trace: trace(), provider: 'practitioner-role', otherServices: false });
    const queued = assertPasResponse((await ehr.call(asyncPas.baseUrl, 'Claim/$submit', request, ab)).body as Bundle, request);
    assert.equal(queued.outcome, 'queued');
    assert.deepEqual(reviewActions(queued), { 1: 'A4' });

    const note = await hook.nth(seen + 1);
    assert.equal(note.type, 'history');
    const status = note.entry![0]!.resource as Parameters;
    assert.equal(status.resourceType, 'Parameters', 'the SubscriptionStatus comes first');
    assert.equal(status.parameter!.find((p) => p.name === 'type')!.valueCode, 'event-notification');
    const focus = status.parameter!.find((p) => p.name === 'notification-event')!.part!.find((p) => p.name === 'focus')!.valueReference!.reference;
    const pended = note.entry!.find((e) => e.fullUrl === focus)!.resource as ClaimResponse;
    assert.equal(pended.resourceType, 'ClaimResponse', 'full-resource payload: the focus is in the Bundle');
    assert.deepEqual(reviewActions(pended), { 1: 'A4' });
    const asked = note.entry!.find((e) => e.resource?.resourceType === 'CommunicationRequest')!.resource as CommunicationRequest;
    assert.equal(asked.reasonCode![0]!.coding![0]!.system, 'http://loinc.org');

    // The round that pended must have ended (scored) before an update opens the next.
    const cases = env.coalition.payer.replica.state.cases;
    const caseId = [...cases.values()].find((x) => x.opened.index > head0)!.id;
    for (let i = 0; i < 300 && !cases.get(caseId)?.reputation; i++) await new Promise((r) => setTimeout(r, 100));
    // The update: the titer now in the record, item 1 modified, an infusion service added.
    const withTiter = pasRequest('missing-titer', { trace: trace(), provider: 'practitioner-role', facts: { titerDenominator: 25 }, otherServices: true });
    const update = pasUpdate(request, withTiter, trace(), (items) => [
      markItem({ ...items[0]!, quantity: { value: 1 } }, 'changed'),
      markItem(items[1]!, 'added'),
    ]);
    const resumedAnswer = await ehr.call(asyncPas.baseUrl, 'Claim/$submit', update, ab);
    assert.deepEqual((resumedAnswer.body as Bundle).identifier, update.identifier, "the answer to the update echoes the update's transaction identifier");
    const resumed = claimResponseOf(resumedAnswer);
    assert.deepEqual(Object.keys(reviewActions(resumed)), ['1', '2'], 'one adjudication per item of the update');
    const decided = (await hook.nth(seen + 2)).entry!.find((e) => e.resource?.resourceType === 'ClaimResponse')!.resource as ClaimResponse;
    assert.equal(reviewActions(decided)[1], 'A1', 'the drug is approved once the titer is in');
    assert.equal(decided.identifier![0]!.value, pended.identifier![0]!.value, 'the same case');

    // Cancelling the added item: a CaseCancel on the board, item 2 answered C, item 1 keeps its approval.
    const cancel = pasUpdate(request, withTiter, trace(), (items) => [items[0]!, markItem(items[1]!, 'cancelled')]);
    const cancelled = claimResponseOf(await ehr.call(asyncPas.baseUrl, 'Claim/$submit', cancel, ab));
    assert.equal(reviewActions(cancelled)[1], 'A1');
    assert.equal(reviewActions(cancelled)[2], 'C');
    const board = env.coalition.payer.replica.fold.records.filter((r) => r.kind === 'CaseCancel' && r.status === 'accepted');
    assert.equal(board.length, 1);
    assert.equal(reviewActions(claimResponseOf(inquiryAnswer(await ehr.call(asyncPas.baseUrl, 'Claim/$inquire', inquiryOf(request), ab))))[2], 'C');

    const id = (sub.body as { id: string }).id;
    const gone = await fetch(`${asyncPas.baseUrl}/Subscription/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${ab}` } });
    assert.equal(gone.status, 204);
    assert.equal((await ehr.call(asyncPas.baseUrl, `Subscription/${id}`, undefined, ab, 'GET')).status, 404, 'a deleted Subscription is gone');
  });

  it('a PAS-shaped approvable request (provider = Organization, prescriber in careTeam, J3399 with two services without a policy) is never denied: J3399 A1, the others pended for review', async () => {
    const request = pasRequest('reference', { trace: trace(), otherServices: true });
    const cr = assertPasResponse((await ehr.call(pas.baseUrl, 'Claim/$submit', request, bearer)).body as Bundle, request);
    assert.deepEqual(reviewActions(cr), { 1: 'A1', 2: 'A4', 3: 'A4' });
  });

  it('a PAS-shaped request pends for the missing titer and denies for age, never for the prescriber', async () => {
    const pend = pasRequest('missing-titer', { trace: trace() });
    assert.deepEqual(reviewActions(assertPasResponse((await ehr.call(pas.baseUrl, 'Claim/$submit', pend, bearer)).body as Bundle, pend)), { 1: 'A4' });
    const deny = pasRequest('age-30-months', { trace: trace() });
    const cr = assertPasResponse((await ehr.call(pas.baseUrl, 'Claim/$submit', deny, bearer)).body as Bundle, deny);
    assert.deepEqual(reviewActions(cr), { 1: 'A3' });
    assert.doesNotMatch(JSON.stringify(cr.item), /neurologist/i);
  });
});
