import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../../core/common/random.js';
import { Wallet } from '../../core/identity/wallet.js';
import { trustRegistry } from '../../core/identity/trust-registry.js';
import { attestationMessage, attestRevocation, verifyRevocationAttestation, ATTESTATION_DOMAIN } from '../../core/identity/revocation-attestation.js';

async function setting() {
  const random = seededRandom(7);
  const accreditor = await Wallet.empty().createOrganization(random);
  const other = await Wallet.empty().createOrganization(random);
  const registry = trustRegistry({ accreditors: [{ did: accreditor.did, name: 'Council', accredits: ['clia-laboratory'] }], rolesByKind: {} });
  return { accreditor, other, registry, target: { list: 'urn:murmur:status:accreditor', index: 3 } };
}

test('an accreditor attests a revocation with its issuing key; the statement verifies against the registry for exactly that entry', async () => {
  const { accreditor, registry, target } = await setting();
  const a = attestRevocation(accreditor.issuer, target);
  assert.equal(a.issuer, accreditor.did);
  assert.deepEqual(await verifyRevocationAttestation(a, a.attestation, registry), { ok: true, accreditor: accreditor.did });
  // The signed bytes are domain-separated and name every field.
  assert.match(new TextDecoder().decode(attestationMessage(a)), new RegExp(`"domain":"${ATTESTATION_DOMAIN}".*"index":3.*"version":1`));
  // Another index or list: the signature does not carry over.
  const moved = await verifyRevocationAttestation({ ...a, index: 4 }, a.attestation, registry);
  assert.equal(moved.ok ? 'ok' : moved.code, 'bad-signature');
  const otherList = await verifyRevocationAttestation({ ...a, list: 'urn:murmur:status:helix' }, a.attestation, registry);
  assert.equal(otherList.ok ? 'ok' : otherList.code, 'bad-signature');
});

test('an attestation by a non-accreditor, with another DID key, or with a non-assertion key is refused with a code', async () => {
  const { accreditor, other, registry, target } = await setting();
  const byOther = attestRevocation(other.issuer, target);
  const untrusted = await verifyRevocationAttestation(byOther, byOther.attestation, registry);
  assert.equal(untrusted.ok ? 'ok' : untrusted.code, 'untrusted-accreditor');
  // The other organization's signature, named as the accreditor's statement.
  const foreign = await verifyRevocationAttestation({ ...byOther, issuer: accreditor.did }, byOther.attestation, registry);
  assert.equal(foreign.ok ? 'ok' : foreign.code, 'wrong-key');
  // The accreditor's authentication key is not the key its credentials are signed with.
  const auth = { keyId: accreditor.authenticationKeyId, publicKey: accreditor.issuer.publicKey, sign: (d: Uint8Array) => accreditor.issuer.sign(d) };
  const a = attestRevocation(auth, target);
  const notAssertion = await verifyRevocationAttestation(a, a.attestation, registry);
  assert.equal(notAssertion.ok ? 'ok' : notAssertion.code, 'wrong-key');
});
