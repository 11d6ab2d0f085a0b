import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import type { Bundle, Claim, ClaimResponse, CommunicationRequest } from '@medplum/fhirtypes';
import { startEmbedded, type Embedded } from '../../app/node/embedded.js';
import { pasExpected, pasShapedRequest, type PasScenario } from '../../fhir/synthetic/index.js';

/*
 * PAS-shaped requests (provider = the requesting Organization, prescriber in careTeam, https
 * fullUrls, relative references) through the payer's real API, FHIR server and coalition: the
 * gene-therapy ones decided on what the adapters link, the others answered at once.
 */
const CLIENT = 'lakeside-ehr';

describe('PAS-shaped requests over the real coalition', () => {
  let dir: string;
  let env: Embedded;
  let key: CryptoKey;

  async function bearer(): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES384', typ: 'JWT' })
      .setIssuer(CLIENT)
      .setSubject(CLIENT)
      .setAudience(env.pas!.tokenUrl)
      .setIssuedAt(now)
      .setExpirationTime(now + 240)
      .setJti(randomUUID())
      .sign(key);
    const res = await fetch(env.pas!.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'system/Claim.cr',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      }),
    });
    return ((await res.json()) as { access_token: string }).access_token;
  }

  async function post(op: 'submit' | 'inquire', body: unknown): Promise<Bundle> {
    const res = await fetch(`${env.pas!.baseUrl}/Claim/$${op}`, {
      method: 'POST',
      headers: { accept: 'application/fhir+json', 'content-type': 'application/fhir+json', authorization: `Bearer ${await bearer()}` },
      body: JSON.stringify(body),
    });
    const out = (await res.json()) as Bundle;
    assert.equal(res.status, 200, JSON.stringify(out).slice(0, 400));
    return out;
  }

  const claimResponseOf = (b: Bundle): ClaimResponse => b.entry!.find((e) => e.resource?.resourceType === 'ClaimResponse')!.resource as ClaimResponse;
  const actions = (cr: ClaimResponse): (string | undefined)[] =>
    cr.item!.map((i) => i.adjudication?.[0]?.extension?.[0]?.extension?.find((e) => e.url === 'code')?.valueCodeableConcept?.coding?.[0]?.code);
  const reasons = (cr: ClaimResponse, i: number): string[] =>
    cr.item![i]!.adjudication![0]!.extension![0]!.extension!.filter((e) => e.url === 'reasonCode').map((e) => e.valueCodeableConcept?.text ?? '');

  /** Submits, then asks with $inquire until the coalition's decision is there (the case ran). */
  async function decided(scenario: PasScenario): Promise<{ cr: ClaimResponse; bundle: Bundle; ms: number }> {
    const request = pasShapedRequest(scenario);
    const t0 = Date.now();
    let bundle = await post('submit', request);
    const ms = Date.now() - t0;
    const claim = request.entry![0]!.resource as Claim;
    for (let i = 0; i < 120 && isInReview(claimResponseOf(bundle)); i++) {
      await new Promise((r) => setTimeout(r, 500));
      bundle = await post('inquire', { resourceType: 'Bundle', type: 'collection', entry: [{ resource: claim }] });
    }
    return { cr: claimResponseOf(bundle), bundle, ms };
  }
  const isInReview = (cr: ClaimResponse): boolean => reasons(cr, 0).some((t) => /under review/.test(t));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'murmur-pas-shaped-'));
    const pair = await generateKeyPair('ES384', { extractable: true });
    key = pair.privateKey;
    const clients = [{ clientId: CLIENT, jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), alg: 'ES384', kid: 'ehr-1' }] }, scopes: ['system/Claim.cr'] }];
    env = await startEmbedded({ dataDir: dir, pas: { clients } });
  });

  after(async () => {
    await env?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a request for a service without a policy is answered within the 15 s window: pended for manual review per item, and its case ends', async () => {
    const { cr, ms } = await decided('surgery');
    assert.ok(ms < 15_000, `answered in ${ms} ms`);
    assert.deepEqual(actions(cr), ['A4']);
    assert.deepEqual(reasons(cr, 0), ['No coverage policy at Northwind Health Plan for CPT 27447: pended for manual review']);
    assert.equal(cr.outcome, 'queued');
    const cases = [...env.coalition.payer.replica.state.cases.values()].filter((c) => c.task.service.code === '27447');
    assert.equal(cases.length, 1);
    assert.equal(cases[0]!.task.policy.id, 'northwind-manual-review');
    assert.equal(cases[0]!.outcome?.closure, 'open');
    assert.deepEqual(
      [...cases[0]!.subtasks.keys()].sort(),
      ['coverage-determination', 'pas-response', 'policy-lookup'],
      'no subtask that cannot run for this service',
    );
    assert.notEqual(cases[0]!.status, 'executing');
  });

  it('an approvable gene-therapy request with an Organization provider and a child neurologist in careTeam is approved (A1), not denied', async () => {
    const { cr } = await decided('gt-approve');
    assert.deepEqual(actions(cr), ['A1'], JSON.stringify(cr.item));
    assert.match(cr.preAuthRef ?? '', /^NW-/);
  });

  it("the prescriber as the organization's one PractitionerRole (no careTeam) is found through the FHIR server: approved", async () => {
    const { cr } = await decided('gt-approve-organization-role');
    assert.deepEqual(actions(cr), ['A1'], JSON.stringify(cr.item));
  });

  it('a pend names the missing titer report and the liver finding at once, with a CommunicationRequest for the report', async () => {
    const { cr, bundle } = await decided('gt-pend-missing-titer-and-liver');
    assert.deepEqual(actions(cr), ['A4']);
    const why = reasons(cr, 0).join(' | ');
    assert.match(why, /titer/i);
    assert.match(why, /upper limit of normal/);
    const asked = bundle.entry!.filter((e) => e.resource?.resourceType === 'CommunicationRequest').map((e) => e.resource as CommunicationRequest);
    assert.ok(asked.some((c) => JSON.stringify(c).includes('11502-2')));
  });

  it('every other PAS-shaped gene-therapy request gets its expected decision per item over the real stack: no false denial', async () => {
    const X12 = { approved: 'A1', denied: 'A3', pended: 'A4' } as const;
    const rest: PasScenario[] = [
      'gt-approve-practitioner-qualification',
      'gt-approve-titer-attached',
      'gt-deny-age',
      'gt-deny-ventilator-snomed',
      'gt-deny-non-neurologist',
      'gt-pend-missing-titer',
      'gt-pend-genetic-report-pdf',
      'gt-pend-prescriber-unknown',
      'home-health',
      'office-visit',
    ];
    const got: Record<string, (string | undefined)[]> = {};
    for (const scenario of rest) got[scenario] = actions((await decided(scenario)).cr);
    assert.deepEqual(got, Object.fromEntries(rest.map((s) => [s, pasExpected(s).items.map((o) => X12[o])])));
  });

  it('a Claim with J3399 and an office visit gets one answer per item: A1 for the infusion, A4 manual review for the visit', async () => {
    const { cr } = await decided('gt-with-office-visit');
    assert.deepEqual(
      cr.item!.map((i) => i.itemSequence),
      [1, 2],
    );
    assert.deepEqual(actions(cr), ['A1', 'A4']);
    assert.equal(cr.outcome, 'partial');
    assert.deepEqual(reasons(cr, 1), ['No coverage policy at Northwind Health Plan for CPT 99214: pended for manual review']);
  });
});
