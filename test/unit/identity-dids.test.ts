import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Apollo, Castor } from '@hyperledger/identus-sdk';
import { didPeerAgreementKey, didPeerResolver, parseDidPeer2 } from '../../core/crypto/did-peer.js';
import { chainResolvers, didKeyResolver } from '../../core/crypto/did-key.js';
import { ed25519Verify } from '../../core/crypto/signing.js';
import { LOCAL_PRISM_RESOLVER_ENDPOINT, ed25519KeyOf, resolveControllerDocument } from '../../core/identity/dids.js';
import { Wallet } from '../../core/identity/wallet.js';
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
  const ours = parseDidPeer2(agent.did)!.map((k) => [k.id, Buffer.from(k.publicKey).toString('hex')]).sort();
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
  await assert.rejects(Wallet.open(sealed, 'long passphrase'), (e: unknown) => isMurmurError(e, 'E_CRYPTO') && /agent "policy" DID does not match/.test((e as Error).message));
  assert.notEqual(b.did, a.did);
});
