import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Decision } from '../../core/agents/clinical/types.js';
import type { CaseDataRef } from '../../core/agents/ports.js';
import { ManualClock } from '../../core/common/clock.js';
import { isMurmurError } from '../../core/common/errors.js';
import { FhirClinicalData } from '../../fhir/adapters/clinical-data.js';
import { storeRequestBundle } from '../../fhir/adapters/request-intake.js';
import { PasClaimResponseBuilder } from '../../fhir/pas/claim-response.js';
import { parsePasRequest } from '../../fhir/pas/request.js';
import { startFhirServer } from '../../fhir/server/embedded-server.js';
import type { EmbeddedFhirServer } from '../../fhir/server/embedded-server.js';
import { SmartBackendAuth } from '../../fhir/smart/backend-auth.js';
import { parseSmartClients } from '../../fhir/smart/client-registry.js';
import { discoverSmartConfiguration, discoverTokenUrl } from '../../fhir/smart/discovery.js';
import { generateClientKeyPair } from '../../fhir/smart/keys.js';
import type { ClientKeyPair } from '../../fhir/smart/keys.js';
import { pasRequestBundle } from './fhir-fixture.js';

let server: EmbeddedFhirServer;
let keys: ClientKeyPair;
let ref: CaseDataRef;
const clock = new ManualClock();
const tokenRequests = { count: 0 };

const countingFetch: typeof fetch = (input, init) => {
  if (String(input).endsWith('/auth/token')) tokenRequests.count++;
  return fetch(input, init);
};

function smartAuth(scope: string): SmartBackendAuth {
  return new SmartBackendAuth({
    tokenUrl: `${server.baseUrl}/auth/token`,
    clientId: 'clinic',
    privateKey: keys.privateJwk,
    scope,
    clock,
    fetch: countingFetch,
  });
}

before(async () => {
  keys = await generateClientKeyPair();
  server = await startFhirServer({
    clock,
    smart: {
      clients: parseSmartClients([{ clientId: 'clinic', jwks: keys.jwks, scopes: ['system/*.read', 'system/*.c'] }]),
    },
  });
  ref = await storeRequestBundle(server.baseUrl, parsePasRequest(pasRequestBundle()), { auth: smartAuth('system/*.c') });
});

after(() => server.close());

test('discovery: the well-known document names the token endpoint; metadata stays public', async () => {
  const config = await discoverSmartConfiguration(server.baseUrl);
  assert.equal(config.token_endpoint, `${server.baseUrl}/auth/token`);
  assert.deepEqual(config.capabilities, ['client-confidential-asymmetric']);
  assert.deepEqual(config.token_endpoint_auth_methods_supported, ['private_key_jwt']);
  assert.equal(await discoverTokenUrl(server.baseUrl), config.token_endpoint);
  const metadata = await fetch(`${server.baseUrl}/metadata`);
  assert.equal(metadata.status, 200);
  const security = ((await metadata.json()) as { rest: { security?: { service: { coding: { code: string }[] }[] } }[] }).rest[0]!.security;
  assert.equal(security?.service[0]!.coding[0]!.code, 'SMART-on-FHIR');
});

test('the clinical data adapter reads with a token, from one token request', async () => {
  const before = tokenRequests.count;
  const data = new FhirClinicalData({ baseUrl: server.baseUrl, auth: smartAuth('system/*.read') });
  const out = await data.fetch(ref, ['demographics', 'aav9-titer', 'prescriber', 'diagnosis']);
  assert.ok(out.some((r) => r.resourceType === 'Patient'));
  assert.ok(out.some((r) => r.resourceType === 'PractitionerRole'));
  assert.equal(tokenRequests.count - before, 1);
});

test('without a token the adapter fails with E_FHIR 401, and the server says why', async () => {
  const data = new FhirClinicalData({ baseUrl: server.baseUrl });
  await assert.rejects(data.fetch(ref, ['demographics']), (e) => isMurmurError(e, 'E_FHIR') && e.details.status === 401 && /HTTP 401/.test(e.message));
  const res = await fetch(`${server.baseUrl}/${ref.patient}`);
  assert.equal(res.status, 401);
  assert.equal(res.headers.get('www-authenticate'), 'Bearer');
});

test('a token without the needed scope is 403 forbidden', async () => {
  const token = await smartAuth('system/*.c').token();
  const res = await fetch(`${server.baseUrl}/${ref.patient}`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 403);
  const outcome = (await res.json()) as { issue: { code: string }[] };
  assert.equal(outcome.issue[0]!.code, 'forbidden');
  // A transaction needs what its entries need: create rights on each type.
  const tx = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [{ resource: { resourceType: 'Basic', code: { text: 'x' } }, request: { method: 'PUT', url: 'Basic/x' } }],
  };
  const put = await fetch(server.baseUrl, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/fhir+json' },
    body: JSON.stringify(tx),
  });
  assert.equal(put.status, 403);
});

test('an expired token is 401 `expired`; the adapter renews and retries by itself', async () => {
  const auth = smartAuth('system/*.read');
  const builder = new PasClaimResponseBuilder({ baseUrl: server.baseUrl, auth });
  const token = await auth.token();
  clock.advance(301_000);
  const res = await fetch(`${server.baseUrl}/${ref.claim}`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 401);
  assert.equal(((await res.json()) as { issue: { code: string }[] }).issue[0]!.code, 'expired');

  // Revoked early (the client still thinks its new token is good): a 401, one forced renewal, success.
  const before = tokenRequests.count;
  await auth.token();
  server.smart!.revokeClient('clinic');
  const decision: Decision = { outcome: 'approved', policy: { id: 'p', version: '1' }, criteria: [], reasons: [], missing: [], caveats: [] };
  const out = await builder.claimResponse({ ref, decision, authorizationNumber: 'PA-1', decidedAt: clock.now() });
  assert.equal(out.resourceType, 'ClaimResponse');
  assert.equal(tokenRequests.count - before, 2);
});
