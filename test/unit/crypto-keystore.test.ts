import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { Keystore } from '../../core/crypto/keystore.js';
import { newContentKey } from '../../core/crypto/aead.js';
import { wrapContentKey } from '../../core/crypto/hpke.js';
import { ed25519Verify } from '../../core/crypto/signing.js';
import { isMurmurError } from '../../core/common/errors.js';
import { seededRandom } from '../../core/common/random.js';
import { utf8 } from '../../core/common/encoding.js';

const cheap = { N: 2 ** 10, r: 8, p: 1 };
const ctx = { case: 'c', subtask: 's', section: 'detail', readerKeyId: 'did:peer:2.x#key-1' };

test('the keystore hands out signers and unwrappers, and survives seal/open', async () => {
  const random = seededRandom('ks-1');
  const ks = Keystore.empty();
  const sig = ks.generate('agent-1/signing', 'ed25519', random);
  const agr = ks.generate('agent-1/agreement', 'x25519', random);
  const master = ks.generate('org/master', 'secp256k1', random);
  assert.equal(master.publicKey.length, 65);
  const signer = ks.signer('agent-1/signing', 'did:example:a#k');
  const msg = utf8('envelope bytes');
  assert.ok(ed25519Verify(sig.publicKey, msg, signer.sign(msg)));

  const key = newContentKey(random);
  const wrapped = await wrapContentKey(key, agr.publicKey, ctx);
  assert.deepEqual(await ks.unwrapper('agent-1/agreement')(wrapped, ctx), key);

  const blob = JSON.parse(JSON.stringify(await ks.seal('correct horse battery', random, cheap)));
  const reopened = await Keystore.open(blob, 'correct horse battery');
  assert.deepEqual(reopened.list(), ks.list());
  assert.deepEqual(await reopened.unwrapper('agent-1/agreement')(wrapped, ctx), key);
  assert.ok(ed25519Verify(sig.publicKey, msg, reopened.signer('agent-1/signing', 'k').sign(msg)));
});

test('a wrong passphrase or an altered blob does not open the keystore', async () => {
  const random = seededRandom('ks-2');
  const ks = Keystore.empty();
  ks.generate('a', 'ed25519', random);
  const blob = await ks.seal('passphrase-one', random, cheap);
  await assert.rejects(Keystore.open(blob, 'passphrase-two'), (e: unknown) => isMurmurError(e, 'E_CRYPTO') && /wrong passphrase/.test((e as Error).message));
  const lowered = { ...blob, kdf: { ...blob.kdf, N: 2 ** 11 } };
  await assert.rejects(Keystore.open(lowered, 'passphrase-one'), (e: unknown) => isMurmurError(e, 'E_CRYPTO'));
  await assert.rejects(Keystore.open({ v: 2 }, 'passphrase-one'), (e: unknown) => isMurmurError(e, 'E_SCHEMA'));
});

test('keys never show in the sealed blob, JSON or inspection', async () => {
  const random = seededRandom('ks-3');
  const ks = Keystore.empty();
  ks.generate('a', 'ed25519', random);
  const secretB64 = Buffer.from(seededRandom('ks-3').bytes(32)).toString('base64url');
  const blob = JSON.stringify(await ks.seal('passphrase-one', random, cheap));
  assert.equal(blob.includes(secretB64), false);
  assert.equal(JSON.stringify(ks), '{"labels":["a"]}');
  assert.equal(inspect(ks).includes(secretB64), false);
});

test('the keystore refuses wrong kinds, duplicate labels and unknown labels with clear codes', () => {
  const ks = Keystore.empty();
  ks.generate('a', 'ed25519', seededRandom('ks-4'));
  assert.throws(
    () => ks.generate('a', 'x25519'),
    (e: unknown) => isMurmurError(e, 'E_CONFLICT'),
  );
  assert.throws(
    () => ks.unwrapper('a'),
    (e: unknown) => isMurmurError(e, 'E_INPUT') && /not x25519/.test((e as Error).message),
  );
  assert.throws(
    () => ks.signer('missing', 'k'),
    (e: unknown) => isMurmurError(e, 'E_NOT_FOUND'),
  );
});
