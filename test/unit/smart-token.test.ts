import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { isMurmurError } from '../../core/common/errors.js';
import { SmartBackendAuth } from '../../fhir/smart/backend-auth.js';
import { generateClientKeyPair } from '../../fhir/smart/keys.js';
import { OAuthError } from '../../fhir/smart/oauth-error.js';
import { ALLOWED, CLIENT_ID, assertion, startTokenServer, tokenForm } from './smart-fixture.js';
import type { TokenServer } from './smart-fixture.js';

let ts: TokenServer;
before(async () => (ts = await startTokenServer()));
after(() => ts.close());

const auth = (over: Partial<ConstructorParameters<typeof SmartBackendAuth>[0]> = {}) =>
  new SmartBackendAuth({
    tokenUrl: ts.url,
    clientId: CLIENT_ID,
    privateKey: ts.keys.privateJwk,
    scope: 'system/Claim.c system/ClaimResponse.r',
    clock: ts.clock,
    ...over,
  });

/** Posts a form to the token endpoint and returns status and JSON body. */
async function post(form: URLSearchParams): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(ts.url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form.toString() });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

async function refused(form: URLSearchParams, error: string, description: RegExp): Promise<void> {
  const { status, body, headers } = await post(form);
  assert.equal(body.error, error, JSON.stringify(body));
  assert.equal(status, error === 'invalid_client' ? 401 : 400);
  assert.match(String(body.error_description), description);
  assert.equal(headers.get('cache-control'), 'no-store');
  assert.ok(!String(body.error_description).includes(form.get('client_assertion') ?? '\u0000'), 'description echoes the assertion');
}

test('a real token round trip over loopback HTTP', async () => {
  const a = auth();
  const token = await a.token();
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(a.grantedScope, 'system/Claim.c system/ClaimResponse.r');
  const ok = ts.auth.authorizer.authorize(`Bearer ${token}`, { resourceType: 'Claim', permission: 'c' });
  assert.deepEqual(ok, { ok: true, clientId: CLIENT_ID });
});

test('the answer has the OAuth shape and the default 300 s lifetime', async () => {
  const { status, body, headers } = await post(tokenForm(await assertion(ts.keys.privateJwk, { aud: ts.url, nowMs: ts.clock.now() })));
  assert.equal(status, 200);
  assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'scope', 'token_type']);
  assert.equal(body.token_type, 'bearer');
  assert.equal(body.expires_in, 300);
  assert.equal(headers.get('cache-control'), 'no-store');
});

test('an assertion signed with another key is invalid_client, and the client sees E_AUTH with that code', async () => {
  const other = await generateClientKeyPair();
  // Same kid as the registered key, so it is the signature, not the key lookup, that fails.
  const forged = { ...other.privateJwk, kid: ts.keys.kid };
  await refused(tokenForm(await assertion(forged, { aud: ts.url, nowMs: ts.clock.now() })), 'invalid_client', /signature does not verify/);
  await assert.rejects(auth({ privateKey: other.privateJwk }).token(), (e) => {
    assert.ok(isMurmurError(e, 'E_AUTH'));
    assert.equal(e.details.oauthError, 'invalid_client');
    assert.equal(e.details.status, 401);
    assert.ok(!e.message.includes(other.privateJwk.d!));
    return true;
  });
});

test('aud, iss/sub, expiry, lifetime and jti are all checked', async () => {
  const key = ts.keys.privateJwk;
  const nowMs = ts.clock.now();
  const base = { aud: ts.url, nowMs };
  await refused(tokenForm(await assertion(key, { aud: 'https://elsewhere.example/token', nowMs })), 'invalid_client', /aud is not this token endpoint/);
  await refused(tokenForm(await assertion(key, base, { sub: 'someone-else' })), 'invalid_client', /claim sub/);
  await refused(tokenForm(await assertion(key, base, { iss: 'not-registered', sub: 'not-registered' })), 'invalid_client', /not a registered client/);
  const past = Math.floor(nowMs / 1000) - 600;
  await refused(tokenForm(await assertion(key, base, { iat: past, exp: past + 60 })), 'invalid_client', /expired/);
  await refused(tokenForm(await assertion(key, base, { exp: Math.floor(nowMs / 1000) + 3600 })), 'invalid_client', /more than 300 s ahead/);
  await refused(tokenForm(await assertion(key, base, { jti: undefined })), 'invalid_client', /claim jti/);
  await refused(tokenForm(await assertion(key, base), 'system/Claim.c', { client_id: 'other' }), 'invalid_client', /client_id does not match/);
  await refused(tokenForm('not.a.jwt'), 'invalid_client', /not a JWT/);
});

test('a replayed jti is refused until the assertion expires', async () => {
  const signed = await assertion(ts.keys.privateJwk, { aud: ts.url, nowMs: ts.clock.now() }, { jti: 'once-only' });
  assert.equal((await post(tokenForm(signed))).status, 200);
  await refused(tokenForm(signed), 'invalid_client', /jti was already used/);
  // After its exp the same jti may come back in a new assertion.
  ts.clock.advance(120_000);
  const later = await assertion(ts.keys.privateJwk, { aud: ts.url, nowMs: ts.clock.now() }, { jti: 'once-only' });
  assert.equal((await post(tokenForm(later))).status, 200);
});

test('scopes: the intersection is granted; none allowed is invalid_scope', async () => {
  const sign = () => assertion(ts.keys.privateJwk, { aud: ts.url, nowMs: ts.clock.now() });
  const { body } = await post(tokenForm(await sign(), 'system/Claim.cruds system/Observation.rs system/ClaimResponse.r'));
  assert.equal(body.scope, 'system/Claim.cr system/ClaimResponse.r');
  await refused(tokenForm(await sign(), 'system/Observation.rs patient/*.read'), 'invalid_scope', /None of the requested scopes/);
  await assert.rejects(auth({ scope: 'system/Coverage.r' }).token(), (e) => isMurmurError(e, 'E_AUTH') && e.details.oauthError === 'invalid_scope');
  assert.ok(ALLOWED.includes('system/Claim.cr'));
});

test('malformed requests: grant type, assertion type, missing scope, repeated parameter', async () => {
  const signed = await assertion(ts.keys.privateJwk, { aud: ts.url, nowMs: ts.clock.now() });
  await refused(tokenForm(signed, 'system/Claim.c', { grant_type: 'authorization_code' }), 'unsupported_grant_type', /client_credentials/);
  await refused(tokenForm(signed, 'system/Claim.c', { client_assertion_type: 'x' }), 'invalid_request', /client_assertion_type/);
  await refused(tokenForm(signed, ''), 'invalid_request', /scope is required/);
  const twice = tokenForm(signed);
  twice.append('scope', 'system/Claim.r');
  await refused(twice, 'invalid_request', /scope is repeated/);
  const res = await fetch(ts.url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  assert.equal(res.status, 400);
});

test('the authorizer: missing 401, garbage 401, expired 401 `expired`, narrow scope 403', async () => {
  const a = auth({ scope: 'system/ClaimResponse.r' });
  const token = await a.token();
  const need = { resourceType: 'Claim', permission: 'c' } as const;
  const z = ts.auth.authorizer;

  const missing = z.authorize(undefined, need);
  assert.ok(!missing.ok && missing.status === 401 && missing.reason === 'missing');
  assert.equal(missing.outcome.issue[0]!.code, 'login');
  assert.equal(missing.headers['WWW-Authenticate'], 'Bearer');

  for (const header of ['Bearer nonsense', 'Basic dXNlcjpwYXNz', `Bearer ${token}x`, 'Bearer a b']) {
    const r = z.authorize(header, need);
    assert.ok(!r.ok && r.status === 401 && r.reason === 'invalid', header);
    assert.equal(r.outcome.issue[0]!.code, 'login');
    assert.match(r.headers['WWW-Authenticate']!, /^Bearer error="invalid_token"/);
  }

  const forbidden = z.authorize(`Bearer ${token}`, need);
  assert.ok(!forbidden.ok && forbidden.status === 403 && forbidden.reason === 'insufficient_scope');
  assert.equal(forbidden.outcome.issue[0]!.code, 'forbidden');
  assert.match(forbidden.headers['WWW-Authenticate']!, /insufficient_scope", scope="system\/Claim.c"/);
  assert.ok(z.authorize(`Bearer ${token}`, { resourceType: 'ClaimResponse', permission: 'r' }).ok);

  ts.clock.advance(300_000);
  const expired = z.authorize(`Bearer ${token}`, { resourceType: 'ClaimResponse', permission: 'r' });
  assert.ok(!expired.ok && expired.status === 401 && expired.reason === 'expired');
  assert.equal(expired.outcome.issue[0]!.code, 'expired');
  assert.match(expired.headers['WWW-Authenticate']!, /invalid_token.*expired/);
  for (const r of [missing, forbidden, expired]) assert.ok(!JSON.stringify(r).includes(token), 'outcome echoes the token');
});

test('the client asks once for several calls, renews shortly before expiry, and on demand', async () => {
  const a = auth();
  const before = ts.hits.count;
  const [t1, t2, t3] = await Promise.all([a.token(), a.token(), a.token()]);
  assert.equal(ts.hits.count - before, 1);
  assert.ok(t1 === t2 && t2 === t3);
  ts.clock.advance(200_000);
  assert.equal(await a.token(), t1);
  assert.equal(ts.hits.count - before, 1);
  ts.clock.advance(75_000); // 275 s: inside the 30 s renewal margin of a 300 s token
  const t4 = await a.token();
  assert.notEqual(t4, t1);
  assert.equal(ts.hits.count - before, 2);
  const t5 = await a.token({ forceRefresh: true });
  assert.notEqual(t5, t4);
  assert.equal(ts.hits.count - before, 3);
});

test('the client refuses to send an assertion over plain http to another host', () => {
  assert.throws(
    () => auth({ tokenUrl: 'http://auth.example/token' }),
    (e) => isMurmurError(e, 'E_INPUT') && e.details.path === 'tokenUrl',
  );
});

test('OAuthError statuses', () => {
  assert.equal(new OAuthError('invalid_client', 'x').status, 401);
  assert.equal(new OAuthError('invalid_scope', 'x').status, 400);
});
