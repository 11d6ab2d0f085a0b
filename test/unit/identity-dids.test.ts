import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Apollo, Castor } from '@hyperledger/identus-sdk';
import { didPeerAgreementKey, didPeerResolver, parseDidPeer2 } from '../../core/crypto/did-peer.js';
import { chainResolvers, didKeyResolver } from '../../core/crypto/did-key.js';
import { ed25519Verify } from '../../core/crypto/signing.js';
import { LOCAL_PRISM_RESOLVER_ENDPOINT, createOrganizationDid, ed25519KeyOf, resolveControllerDocument } from '../../core/identity/dids.js';
import { Wallet } from '../../core/identity/wallet.js';
import { Keystore } from '../../core/crypto/keystore.js';
import { seededRandom } from '../../core/common/random.js';
import { utf8 } from '../../core/common/encoding.js';
import { isMurmurError } from '../../core/common/errors.js';
import { identityFixture } from './identity-fixtures.js';

test('an agent gets a did:peer:2 whose signer verifies through the pure resolver', async () => {
  const { agent } = await identityFixture();
  assert.match(agent.did, /^did:peer:2\./);
  const msg = utf8('envelope');
  const sig = agent.signer.sign(msg);
  const resolver = chainResolvers(didKeyResolver, didPeerResolver);
  const key = resolver.resolveVerificationKey(agent.signer.keyId);
  assert.ok(key && ed25519Verify(key, msg, sig));
  // the agreement key is not a verification key, and unknown fragments resolve to nothing
  assert.equal(didPeerResolver.resolveVerificationKey(agent.agreementKeyId), undefined);
  assert.equal(didPeerResolver.resolveVerificationKey(`${agent.did}#key-9`), undefined);
  assert.equal(didPeerResolver.resolveVerificationKey(agent.did), undefined);
  assert.deepEqual(didPeerAgreementKey(agent.did)?.publicKey, agent.agreementPublicKey);
});

test('the pure did:peer reader agrees with Castor on key ids and keys', async () => {
  const { agent } = await identityFixture();
  const castor = new Castor(new Apollo(), [], LOCAL_PRISM_RESOLVER_ENDPOINT);
  const doc = await castor.resolveDID(agent.did);
  const fromCastor = doc.verificationMethods.map((m) => [m.id, Buffer.from(String(m.publicKeyJwk?.x), 'base64url').toString('hex')]).sort();
  const ours = parseDidPeer2(agent.did)!
    .map((k) => [k.id, Buffer.from(k.publicKey).toString('hex')])
    .sort();
  assert.deepEqual(ours, fromCastor);
});

test('an organization gets a long-form did:prism resolved offline with its issuing key', async () => {
  const { lab } = await identityFixture();
  assert.match(lab.did, /^did:prism:[0-9a-f]{64}:/);
  const doc = await resolveControllerDocument(lab.did);
  assert.ok(doc);
  assert.deepEqual(doc.assertionMethod, [lab.issuingKeyId]);
  assert.deepEqual(ed25519KeyOf(doc, lab.issuingKeyId), lab.issuer.publicKey);
  assert.equal(await resolveControllerDocument('did:web:example.com'), undefined);
});

test('a wallet seals and reopens with the same DIDs, and refuses a swapped agent DID', async () => {
  const random = seededRandom('wallet-1');
  const wallet = Wallet.empty();
  const org = await wallet.createOrganization(random);
  const a = await wallet.createAgent('policy', random);
  const b = await wallet.createAgent('form', random);
  const cheap = { N: 2 ** 10, r: 8, p: 1 };
  const sealed = JSON.parse(JSON.stringify(await wallet.seal('long passphrase', random, cheap)));
  const reopened = await Wallet.open(sealed, 'long passphrase');
  assert.equal(reopened.organization().did, org.did);
  assert.equal(reopened.agent('policy').signer.keyId, a.signer.keyId);
  const msg = utf8('x');
  assert.ok(ed25519Verify(a.signer.publicKey, msg, reopened.agent('policy').signer.sign(msg)));
  sealed.agents.policy = sealed.agents.form;
  await assert.rejects(
    Wallet.open(sealed, 'long passphrase'),
    (e: unknown) => isMurmurError(e, 'E_CRYPTO') && /agent "policy" DID does not match/.test((e as Error).message),
  );
  assert.notEqual(b.did, a.did);
});

// A secp256k1 secret whose public key's y coordinate starts with a zero byte: Castor's
// long-form did:prism resolver cannot rebuild such a key (found by drawing keys at random).
const ZERO_LEADING_Y = Buffer.from('e0bc3571fb8201e744909d21323f4be712262574af22ba364969ce55e0e1e849', 'hex');

test('an organization DID always resolves: a master key Castor cannot rebuild is drawn again', async () => {
  const fallback = seededRandom('prism-master');
  let first = true;
  const random = {
    next: () => fallback.next(),
    int: (n: number) => fallback.int(n),
    bytes: (n: number) => {
      if (first && n === 32) {
        first = false;
        return new Uint8Array(ZERO_LEADING_Y);
      }
      return fallback.bytes(n);
    },
  };
  const wallet = Wallet.empty();
  const org = await wallet.createOrganization(random);
  assert.equal(first, false, 'the zero-leading key was offered first');
  const doc = await resolveControllerDocument(org.did);
  assert.ok(doc, 'the organization DID resolves');
  assert.ok(ed25519KeyOf(doc, org.issuingKeyId));
  // Made directly from that key, the DID is refused with the reason rather than left unresolvable.
  const bad = Keystore.empty().generate('m', 'secp256k1', { ...random, bytes: () => new Uint8Array(ZERO_LEADING_Y) });
  assert.equal(bad.publicKey[33], 0);
  await assert.rejects(
    createOrganizationDid({ master: bad.publicKey, issuing: new Uint8Array(32).fill(1), authentication: new Uint8Array(32).fill(2) }),
    (e: unknown) => isMurmurError(e, 'E_INPUT') && /zero byte/.test((e as Error).message),
  );
});

test("a wallet keeps its operators' keys sealed: reopened, an operator signs with the same key; ids are checked", async () => {
  const random = seededRandom('wallet-operators');
  const wallet = Wallet.empty();
  const op = wallet.createOperator('okafor', 'Amara Okafor', random);
  assert.throws(
    () => wallet.createOperator('okafor', 'Again'),
    (e: unknown) => isMurmurError(e, 'E_CONFLICT'),
  );
  assert.throws(
    () => wallet.createOperator('Not An Id', 'X'),
    (e: unknown) => isMurmurError(e, 'E_INPUT'),
  );
  const sealed = JSON.parse(JSON.stringify(await wallet.seal('long passphrase', random, { N: 2 ** 10, r: 8, p: 1 })));
  assert.ok(!JSON.stringify(sealed).includes(Buffer.from(op.publicKey).toString('hex')), 'nothing but the sealed keystore holds key material');
  const reopened = await Wallet.open(sealed, 'long passphrase');
  const again = reopened.operator('okafor');
  assert.equal(again.name, 'Amara Okafor');
  const msg = utf8('decision');
  assert.ok(ed25519Verify(op.publicKey, msg, again.signer.sign(msg)), 'the reopened operator signs with the sealed key');
  assert.throws(
    () => reopened.operator('nobody'),
    (e: unknown) => isMurmurError(e, 'E_NOT_FOUND'),
  );
});
