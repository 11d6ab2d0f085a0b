import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMurmurError } from '../../core/common/errors.js';
import { parseSmartClients } from '../../fhir/smart/client-registry.js';
import { generateClientKeyPair } from '../../fhir/smart/keys.js';
import { requiredAccess } from '../../fhir/smart/required-access.js';
import { intersectScopes, parseScope, permits } from '../../fhir/smart/scopes.js';

const scopes = (...s: string[]) => s.map((x) => parseScope(x)!);

test('v1 and v2 system scopes parse to permissions; other scopes do not', () => {
  assert.deepEqual([...parseScope('system/Claim.read')!.permissions], ['r', 's']);
  assert.deepEqual([...parseScope('system/*.write')!.permissions], ['c', 'u', 'd']);
  assert.deepEqual([...parseScope('system/Claim.cruds')!.permissions].length, 5);
  for (const bad of ['patient/Claim.read', 'system/Claim.rc', 'system/Claim.', 'system/Claim.x', 'system/Claim.rs?category=x', 'openid', 'system/claim.r']) {
    assert.equal(parseScope(bad), undefined, bad);
  }
});

test('intersection keeps what the allowed scopes cover, in the version asked', () => {
  const allowed = scopes('system/Claim.cr', 'system/ClaimResponse.r', 'system/Patient.read');
  assert.deepEqual(intersectScopes(['system/Claim.cruds'], allowed), ['system/Claim.cr']);
  assert.deepEqual(intersectScopes(['system/Claim.c', 'system/ClaimResponse.r', 'system/Observation.r'], allowed), [
    'system/Claim.c',
    'system/ClaimResponse.r',
  ]);
  assert.deepEqual(intersectScopes(['system/Patient.read', 'system/Patient.write'], allowed), ['system/Patient.read']);
  // v1 read needs r and s: Claim allows only c and r, so a v1 read of Claim is not wholly covered.
  assert.deepEqual(intersectScopes(['system/Claim.read'], allowed), []);
  assert.deepEqual(intersectScopes(['system/*.*'], scopes('system/*.read')), ['system/*.read']);
  assert.deepEqual(intersectScopes(['system/Claim.*'], scopes('system/*.*')), ['system/Claim.*']);
  assert.deepEqual(intersectScopes(['system/Claim.rs', 'garbage'], scopes('system/*.read')), ['system/Claim.rs']);
});

test('Claim/$submit needs Claim create: v2 c and v1 write both grant it, read does not', () => {
  const need = requiredAccess('POST', 'Claim/$submit');
  assert.deepEqual(need, [{ resourceType: 'Claim', permission: 'c' }]);
  assert.ok(permits(scopes('system/Claim.c'), need[0]!));
  assert.ok(permits(scopes('system/*.write'), need[0]!));
  assert.ok(!permits(scopes('system/Claim.rs'), need[0]!));
  assert.ok(!permits(scopes('system/ClaimResponse.c'), need[0]!));
});

test('REST interactions map to c/r/u/d/s, a transaction to what its entries need', () => {
  assert.deepEqual(requiredAccess('GET', 'Patient/1'), [{ resourceType: 'Patient', permission: 'r' }]);
  assert.deepEqual(requiredAccess('GET', 'Observation?subject=Patient/1'), [{ resourceType: 'Observation', permission: 's' }]);
  assert.deepEqual(requiredAccess('POST', 'Observation/_search'), [{ resourceType: 'Observation', permission: 's' }]);
  assert.deepEqual(requiredAccess('PUT', 'Patient/1'), [{ resourceType: 'Patient', permission: 'u' }]);
  assert.deepEqual(requiredAccess('DELETE', 'Patient/1'), [{ resourceType: 'Patient', permission: 'd' }]);
  const tx = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [{ request: { method: 'POST', url: 'Patient' } }, { request: { method: 'PUT', url: 'Claim/9' } }],
  };
  assert.deepEqual(requiredAccess('POST', '', tx), [
    { resourceType: 'Patient', permission: 'c' },
    { resourceType: 'Claim', permission: 'u' },
  ]);
});

test('the client registry names the bad field and refuses private keys', async () => {
  const { jwks, privateJwk } = await generateClientKeyPair();
  const ok = parseSmartClients([{ clientId: 'a', jwks, scopes: ['system/Claim.c'] }]);
  assert.equal(ok.get('a')?.clientId, 'a');
  assert.deepEqual(ok.scopesSupported(), ['system/Claim.c']);
  const cases: [unknown, string, RegExp][] = [
    [[{ clientId: 'a', jwks: { keys: [privateJwk] }, scopes: ['system/Claim.c'] }], 'clients[0].jwks.keys[0].d', /private key material/],
    [[{ clientId: 'a', jwks, scopes: ['system/Claim.c', 'patient/*.read'] }], 'clients[0].scopes[1]', /SMART system scope/],
    [
      [
        { clientId: 'a', jwks, scopes: ['system/Claim.c'] },
        { clientId: 'a', jwks, scopes: ['system/Claim.c'] },
      ],
      'clients[1].clientId',
      /registered twice/,
    ],
    [[{ clientId: 'a', jwks: { keys: [] }, scopes: ['system/Claim.c'] }], 'clients[0].jwks.keys', /at least one key/],
    [[{ clientId: 'a', jwks: { keys: [{ kty: 'EC', crv: 'P-384', x: 'AA' }] }, scopes: ['system/Claim.c'] }], 'clients[0].jwks.keys[0].y', /required/],
  ];
  for (const [value, path, message] of cases) {
    assert.throws(
      () => parseSmartClients(value),
      (e) => {
        assert.ok(isMurmurError(e, 'E_INPUT'), String(e));
        assert.equal(e.details.path, path);
        assert.match(e.message, message);
        assert.ok(!e.message.includes(privateJwk.d!), 'message leaks key material');
        return true;
      },
    );
  }
});
