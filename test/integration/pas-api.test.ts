import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import type { Bundle, CapabilityStatement, Claim, ClaimResponse, OperationOutcome, Parameters } from '@medplum/fhirtypes';
import { ManualClock } from '../../core/common/clock.js';
import { LogHub } from '../../app/node/console/logs.js';
import type { CaseView } from '../../app/node/console/protocol.js';
import { startConsoles, type Consoles } from '../../app/node/console/launch.js';
import { startEmbedded, type Embedded } from '../../app/node/embedded.js';
import { startPasEndpoint, type PasEndpoint } from '../../app/node/pas/endpoint.js';
import { syntheticRequest, syntheticUpdate } from '../../fhir/synthetic/index.js';
import { clientCredentialsToken, fhirCall, type Call } from '../support/pas-client.js';
import { signInOperator } from '../support/console-sign-in.js';

/*
 * The payer's PAS API as an EHR meets it: plain HTTP with fetch, a JWT client assertion signed
 * with jose, FHIR JSON in and out. Nothing here goes through the project's own FHIR client.
 */
const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const CLIENT = 'lakeside-ehr';
const SCOPES = 'system/Claim.cr system/Subscription.cr';

describe('payer PAS API over plain HTTP', () => {
  let dir: string;
  let env: Embedded;
  let pas: PasEndpoint;
  /** The same node behind an endpoint that answers at once (pended, queued) and notifies later. */
  let asyncPas: PasEndpoint;
  let consoles: Consoles;
  let key: CryptoKey;
  let pasClients: unknown;
  const authClock = new ManualClock(Date.now());
  const hook: { server?: Server; url: string; received: Bundle[]; waiters: (() => void)[] } = { url: '', received: [], waiters: [] };

  const boardHead = (): number => env.coalition.payer.replica.fold.lastIndex;

  // The EHR's clock agrees with the payer's (the first endpoint's is a manual clock).
  const token = (endpoint: PasEndpoint, scope = SCOPES, signWith = key): Promise<string> =>
    clientCredentialsToken(endpoint.tokenUrl, { clientId: CLIENT, key: signWith, scope, now: endpoint === pas ? authClock.now() : Date.now() });
  const call = (endpoint: PasEndpoint, path: string, body: unknown, bearer?: string, method = 'POST'): Promise<Call> =>
    fhirCall(endpoint.baseUrl, path, body, bearer, method);

  const claimResponse = (c: Call): ClaimResponse => {
    assert.equal(c.status, 200, JSON.stringify(c.body).slice(0, 300));
    const bundle = c.body as Bundle;
    assert.equal(bundle.resourceType, 'Bundle');
    return bundle.entry![0]!.resource as ClaimResponse;
  };
  /** The one Bundle a `$inquire` Parameters returns, as a Call. */
  const inquiryAnswer = (c: Call): Call => {
    assert.equal(c.status, 200, JSON.stringify(c.body).slice(0, 300));
    const p = c.body as Parameters;
    assert.equal(p.resourceType, 'Parameters');
    assert.equal(p.parameter?.length, 1, 'one request matches');
    return { ...c, body: p.parameter![0]!.resource };
  };
  const reviewAction = (cr: ClaimResponse): string | undefined =>
    cr.item?.[0]?.adjudication?.[0]?.extension?.[0]?.extension?.find((e) => e.url === 'code')?.valueCodeableConcept?.coding?.[0]?.code;
  const inquiry = (bundle: Bundle): Bundle => ({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: bundle.entry![0]!.resource as Claim }] });
  const issueOf = (c: Call): { code: string; expression?: string[] } => (c.body as OperationOutcome).issue![0] as { code: string; expression?: string[] };

  /** Resolves with the next notification the EHR's hook receives. */
  const nextNotification = (count: number): Promise<Bundle> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no notification ${count} within 60 s`)), 60_000);
      const check = (): void => {
        if (hook.received.length >= count) {
          clearTimeout(timer);
          resolve(hook.received[count - 1]!);
        } else hook.waiters.push(check);
      };
      check();
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'murmur-pas-'));
    hook.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const got = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Bundle;
        // Handshakes and heartbeats carry no event: only event notifications are counted here.
        const type = (got.entry?.[0]?.resource as Parameters | undefined)?.parameter?.find((p) => p.name === 'type')?.valueCode;
        if (type === 'event-notification') hook.received.push(got);
        res.writeHead(200).end();
        for (const w of hook.waiters.splice(0)) w();
      });
    });
    await new Promise<void>((r) => hook.server!.listen(0, '127.0.0.1', () => r()));
    hook.url = `http://127.0.0.1:${(hook.server.address() as AddressInfo).port}/notify`;
    const pair = await generateKeyPair('ES384', { extractable: true });
    key = pair.privateKey;
    const clients = (pasClients = [
      {
        clientId: CLIENT,
        jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), alg: 'ES384', kid: 'ehr-1' }] },
        scopes: ['system/Claim.cr', 'system/Subscription.cr'],
        notificationEndpoints: [hook.url],
      },
    ]);
    env = await startEmbedded({ dataDir: dir, pas: { clients, authClock } });
    pas = env.pas!;
    asyncPas = await startPasEndpoint({
      node: env.coalition.payer,
      fhirBase: env.fhirBase,
      recordsPath: join(dir, 'pas-async.db'),
      clients,
      syncWaitMs: 0,
      notifyBackoffMs: [50],
    });
    consoles = await startConsoles(env, { root, uiDir: join(root, 'app', 'ui', 'dist'), logs: new LogHub() });
  });

  after(async () => {
    await consoles?.close();
    await asyncPas?.close();
    await env?.close();
    hook.server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('describes itself: a CapabilityStatement with $submit and $inquire, and SMART discovery naming the token endpoint', async () => {
    const meta = await call(pas, 'metadata', undefined, undefined, 'GET');
    assert.equal(meta.status, 200);
    const cs = meta.body as CapabilityStatement;
    assert.deepEqual(
      cs.rest![0]!.resource!.find((r) => r.type === 'Claim')!.operation!.map((o) => o.name),
      ['submit', 'inquire'],
    );
    assert.equal(cs.rest![0]!.security!.extension![0]!.extension![0]!.valueUri, pas.tokenUrl);
    const smart = await fetch(`${pas.baseUrl}/.well-known/smart-configuration`);
    assert.equal(((await smart.json()) as { token_endpoint: string }).token_endpoint, pas.tokenUrl);
  });

  it('refuses an unauthenticated call and an expired token with 401 and an OperationOutcome; nothing reaches the board', async () => {
    const head = boardHead();
    const bare = await call(pas, 'Claim/$submit', syntheticRequest('reference'));
    assert.equal(bare.status, 401);
    assert.equal(issueOf(bare).code, 'login');
    assert.match(bare.headers.get('www-authenticate') ?? '', /^Bearer/);
    const stale = await token(pas);
    authClock.advance(301_000);
    const expired = await call(pas, 'Claim/$submit', syntheticRequest('reference'), stale);
    assert.equal(expired.status, 401);
    assert.equal(issueOf(expired).code, 'expired');
    assert.match(expired.headers.get('www-authenticate') ?? '', /invalid_token/);
    const narrow = await call(pas, 'Claim/$submit', syntheticRequest('reference'), await token(pas, 'system/Claim.r'));
    assert.equal(narrow.status, 403, 'a read-only token does not submit');
    assert.equal(boardHead(), head);
  });

  it('answers a malformed Bundle, an invalid resource and a Bundle without a preauthorization Claim with 400 naming the element; nothing reaches the board', async () => {
    const bearer = await token(pas);
    const head = boardHead();
    const notJson = await call(pas, 'Claim/$submit', '{"resourceType": "Bundle", ', bearer);
    assert.equal(notJson.status, 400);
    const notBundle = await call(pas, 'Claim/$submit', { resourceType: 'Patient' }, bearer);
    assert.equal(notBundle.status, 400);
    assert.deepEqual(issueOf(notBundle).expression, ['Bundle.resourceType']);
    const bundle = syntheticRequest('reference');
    const noClaim = { ...bundle, entry: bundle.entry!.slice(1) };
    const refused = await call(pas, 'Claim/$submit', noClaim, bearer);
    assert.equal(refused.status, 400);
    assert.equal(issueOf(refused).code, 'invalid');
    assert.deepEqual(issueOf(refused).expression, ['Bundle.entry']);
    assert.match((refused.body as OperationOutcome).issue![0]!.details!.text!, /no Claim with use = preauthorization/);
    const badDate = structuredClone(bundle);
    (badDate.entry!.find((e) => e.resource?.resourceType === 'Patient')!.resource as { birthDate: string }).birthDate = 'last spring';
    const invalid = await call(pas, 'Claim/$submit', badDate, bearer);
    assert.equal(invalid.status, 400);
    assert.match(issueOf(invalid).expression![0]!, /birthDate/);
    assert.doesNotMatch(JSON.stringify(invalid.body), /last spring/, 'the refusal does not echo the value');
    assert.equal(boardHead(), head);
  });

  it('submits the reference case and answers A1 with the authorization number and the CYP2D6 caveat; $inquire gives the same', async () => {
    const bearer = await token(pas);
    const request = syntheticRequest('reference');
    const cr = claimResponse(await call(pas, 'Claim/$submit', request, bearer));
    assert.equal(cr.outcome, 'complete');
    assert.equal(reviewAction(cr), 'A1');
    assert.match(cr.preAuthRef ?? '', /^NW-/);
    assert.ok(cr.processNote?.some((n) => /CYP2D6/.test(n.text ?? '') && /metoclopramide/.test(n.text ?? '')));
    assert.deepEqual(cr.request?.identifier, (request.entry![0]!.resource as Claim).identifier![0]);
    const again = claimResponse(inquiryAnswer(await call(pas, 'Claim/$inquire', inquiry(request), bearer)));
    assert.equal(again.preAuthRef, cr.preAuthRef);
    const head = boardHead();
    const retried = claimResponse(await call(pas, 'Claim/$submit', request, bearer));
    assert.equal(retried.preAuthRef, cr.preAuthRef, 'a retried submission answers for the same case');
    assert.ok(env.coalition.payer.replica.state.cases.size >= 1);
    assert.equal([...env.coalition.payer.replica.state.cases.values()].filter((c) => c.opened.index > head).length, 0, 'and opens no second case');
  });

  it('pends for the missing titer, notifies, takes the Claim update, resumes the same case and notifies the approval; $inquire follows each step', async () => {
    const bearer = await token(asyncPas);
    const sub = await call(
      asyncPas,
      'Subscription',
      {
        resourceType: 'Subscription',
        status: 'requested',
        reason: 'PAS decisions',
        criteria: 'http://hl7.org/fhir/us/davinci-pas/SubscriptionTopic/PASSubscriptionTopic',
        _criteria: {
          extension: [
            {
              url: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-filter-criteria',
              valueString: 'org-identifier=http://hl7.org/fhir/sid/us-npi|1999999992',
            },
          ],
        },
        channel: { type: 'rest-hook', endpoint: hook.url, payload: 'application/fhir+json' },
      },
      bearer,
    );
    assert.equal(sub.status, 201);
    assert.equal((sub.body as { status: string }).status, 'active', 'the hook took the handshake');
    const elsewhere = await call(
      asyncPas,
      'Subscription',
      {
        resourceType: 'Subscription',
        status: 'requested',
        reason: 'PAS decisions',
        criteria: 'http://hl7.org/fhir/us/davinci-pas/SubscriptionTopic/PASSubscriptionTopic',
        channel: { type: 'rest-hook', endpoint: 'http://169.254.169.254/latest/meta-data', payload: 'application/fhir+json' },
      },
      bearer,
    );
    assert.equal(elsewhere.status, 403, 'notifications go only to an endpoint the client registered');
    assert.deepEqual(issueOf(elsewhere), { ...issueOf(elsewhere), code: 'forbidden', expression: ['Subscription.channel.endpoint'] });
    const subId = (sub.body as { id: string }).id;
    const request = syntheticRequest('missing-titer');

    const queued = claimResponse(await call(asyncPas, 'Claim/$submit', request, bearer));
    assert.equal(queued.outcome, 'queued', 'no decision yet: pended, queued');
    assert.equal(reviewAction(queued), 'A4');
    const caseCount = env.coalition.payer.replica.state.cases.size;

    const first = await nextNotification(1);
    assert.equal(first.type, 'history');
    assert.equal((first.entry![0]!.resource as Parameters).parameter!.find((p) => p.name === 'type')!.valueCode, 'event-notification');
    const pended = first.entry![1]!.resource as ClaimResponse;
    assert.equal(reviewAction(pended), 'A4');
    const asked = first.entry!.find((e) => e.resource?.resourceType === 'CommunicationRequest')!.resource as {
      reasonCode: { coding: { system: string; code: string }[] }[];
    };
    assert.equal(asked.reasonCode[0]!.coding[0]!.system, 'http://loinc.org', 'the pend names the missing document by LOINC code');
    const inquired = claimResponse(inquiryAnswer(await call(asyncPas, 'Claim/$inquire', inquiry(request), bearer)));
    assert.equal(reviewAction(inquired), 'A4');
    // One for the missing titer report, one for the policy's DTR questionnaire (LOINC 102089-0).
    assert.equal(inquired.communicationRequest?.length, 2);

    const update = syntheticUpdate('missing-titer', { titerDenominator: 25 });
    const afterUpdate = claimResponse(await call(asyncPas, 'Claim/$submit', update, bearer));
    assert.equal(reviewAction(afterUpdate), 'A4');
    const final = await nextNotification(2);
    const approved = final.entry![1]!.resource as ClaimResponse;
    assert.equal(reviewAction(approved), 'A1');
    assert.equal(approved.identifier![0]!.value, pended.identifier![0]!.value, 'the same case, the same tracking number');
    assert.equal(env.coalition.payer.replica.state.cases.size, caseCount, 'the update opened no new case');
    const c = [...env.coalition.payer.replica.state.cases.values()].find((x) => x.round === 1)!;
    assert.deepEqual(
      c.history.map((h) => h.outcome?.closure),
      ['open'],
    );
    // The payer's console shows the case's earlier round and the update that resumed it.
    const payerConsole = consoles.consoles.find((x) => x.org.id === 'northwind')!.server;
    const view = (await (
      await fetch(`${payerConsole.url}api/cases/${c.id}`, { headers: { authorization: `Bearer ${payerConsole.token}` } })
    ).json()) as CaseView;
    assert.equal(view.round, 1);
    assert.deepEqual(
      view.rounds.map((r) => [r.round, r.outcome]),
      [[0, 'pended']],
    );
    assert.equal(view.rounds[0]!.resumedBy?.reasonCode, 'information-received');
    assert.ok(view.rounds[0]!.resumedBy!.index > view.rounds[0]!.dissolvedIndex!, 'resumed after the round dissolved');
    assert.equal(view.outcome, 'approved');
    for (const q of [inquiry(request), inquiry(update)])
      assert.equal(reviewAction(claimResponse(inquiryAnswer(await call(asyncPas, 'Claim/$inquire', q, bearer)))), 'A1');

    const status = await call(asyncPas, `Subscription/${subId}/$status`, undefined, bearer, 'GET');
    // The handshake is recorded as event 0; the two events follow it.
    const deliveries = (status.body as Parameters).parameter!.filter(
      (p) => p.name === 'delivery' && p.part!.find((x) => x.name === 'event-number')!.valueString !== '0',
    );
    assert.equal(deliveries.length, 2);
    assert.ok(deliveries.every((d) => d.part!.find((p) => p.name === 'outcome')!.valueCode === 'delivered'));
    assert.equal(env.coalition.payer.replica.fold.rejected().length, 0);
  });

  it("a payer operator's decision on a pended case, from the console, reaches the submitter as a notification", async () => {
    const bearer = await token(asyncPas);
    const before = hook.received.length;
    const request = syntheticRequest('liver-3x-uln');
    claimResponse(await call(asyncPas, 'Claim/$submit', request, bearer));
    const pended = (await nextNotification(before + 1)).entry![1]!.resource as ClaimResponse;
    assert.equal(reviewAction(pended), 'A4');
    const caseId = [...env.coalition.payer.replica.state.cases.values()].find(
      (c) => c.outcome?.closure === 'open' && c.round === 0 && c.adjudication === undefined,
    )!.id;
    const payerConsole = consoles.consoles.find((x) => x.org.id === 'northwind')!.server;
    const res = await fetch(`${payerConsole.url}api/cases/${caseId}/adjudication`, {
      method: 'POST',
      // A decision is an operator's: signed in by key, signed with their key.
      headers: { authorization: `Bearer ${await signInOperator(payerConsole.operators[0]!.launchUrl)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ outcome: 'approved', reasonCode: 'clinical-review', note: 'ALT trend reviewed with hepatology' }),
    });
    assert.equal(res.status, 201, 'the console posted the decision on the board');
    const decided = (await nextNotification(before + 2)).entry![1]!.resource as ClaimResponse;
    assert.equal(reviewAction(decided), 'A1');
    assert.equal(decided.outcome, 'complete');
    assert.match(decided.preAuthRef ?? '', /^NW-/);
    assert.equal(reviewAction(claimResponse(inquiryAnswer(await call(asyncPas, 'Claim/$inquire', inquiry(request), bearer)))), 'A1');
  });

  it('does not let a client inquire about, or read the subscriptions of, another client', async () => {
    const bearer = await token(pas);
    const unknown = await call(
      pas,
      'Claim/$inquire',
      { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { ...(syntheticRequest('titer-1-100').entry![0]!.resource as Claim) } }] },
      bearer,
    );
    assert.equal(unknown.status, 200, 'a query by example that matches nothing');
    assert.deepEqual((unknown.body as Parameters).parameter ?? [], [], "another client's request (or none) is not found");
    assert.equal((await call(pas, 'Subscription/does-not-exist', undefined, bearer, 'GET')).status, 404);
  });

  it('a request accepted just before a crash (in the ledger, not yet on the board) opens once: on the next start, and a retry finds it', async () => {
    const payer = env.coalition.payer;
    const recordsPath = join(dir, 'pas-crash.db');
    const first = await startPasEndpoint({ node: payer, fhirBase: env.fhirBase, recordsPath, clients: pasClients, syncWaitMs: 20_000 });
    const request = syntheticRequest('cyp2d6-normal');
    const submitCase = payer.submitCase.bind(payer);
    payer.submitCase = () => Promise.reject(new Error('the node went down'));
    const head = boardHead();
    let failed: Call;
    try {
      failed = await call(first, 'Claim/$submit', request, await token(first));
    } finally {
      payer.submitCase = submitCase;
    }
    assert.equal(failed.status, 500);
    assert.equal(boardHead(), head, 'nothing reached the board');
    const [accepted] = first.records.submissions();
    assert.ok(accepted, 'the ledger kept the accepted request');
    await first.close();

    const second = await startPasEndpoint({ node: payer, fhirBase: env.fhirBase, recordsPath, clients: pasClients, syncWaitMs: 20_000 });
    try {
      assert.ok(payer.replica.state.cases.has(accepted.caseId), 'the restarted endpoint opened the case it had accepted');
      const cr = claimResponse(await call(second, 'Claim/$submit', request, await token(second)));
      assert.equal(reviewAction(cr), 'A1');
      const opened = payer.replica.fold.records.filter((r) => r.kind === 'TaskAvailable' && r.case === accepted.caseId);
      assert.deepEqual(
        opened.map((r) => r.status),
        ['accepted'],
        'one case, opened once',
      );
      assert.equal(second.records.submissions().length, 1);
    } finally {
      await second.close();
    }
  });
});
