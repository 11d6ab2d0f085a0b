import type * as NodeCrypto from 'node:crypto';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newContentKey } from '../../core/crypto/aead.js';
import { unwrapContentKey, wrapContentKey, x25519Unwrapper } from '../../core/crypto/hpke.js';
import type { KeyWrapContext } from '../../core/crypto/hpke.js';
import { newX25519PrivateKey, x25519PublicKey } from '../../core/crypto/x25519.js';
import { isMurmurError } from '../../core/common/errors.js';
import { seededRandom } from '../../core/common/random.js';

const require = createRequire(import.meta.url);
const context: KeyWrapContext = { case: 'case-1', subtask: 'st-1', section: 'detail', readerKeyId: 'did:peer:2.a#key-1' };
const isUnwrapFailure = (e: unknown) => isMurmurError(e, 'E_CRYPTO') && /did not open/.test((e as Error).message);

test('a content key wrapped for a reader unwraps with its private key and context', async () => {
  const random = seededRandom('hpke-1');
  const priv = newX25519PrivateKey(random);
  const key = newContentKey(random);
  const wrapped = await wrapContentKey(key, x25519PublicKey(priv), context);
  assert.deepEqual(await unwrapContentKey(priv, wrapped, context), key);
});

test('another reader cannot unwrap', async () => {
  const random = seededRandom('hpke-2');
  const priv = newX25519PrivateKey(random);
  const other = newX25519PrivateKey(random);
  const wrapped = await wrapContentKey(newContentKey(random), x25519PublicKey(priv), context);
  await assert.rejects(unwrapContentKey(other, wrapped, context), isUnwrapFailure);
});

test('a wrapped key moved to another section, subtask or reader key id does not unwrap', async () => {
  const random = seededRandom('hpke-3');
  const priv = newX25519PrivateKey(random);
  const wrapped = await wrapContentKey(newContentKey(random), x25519PublicKey(priv), context);
  for (const moved of [
    { ...context, section: 'summary' },
    { ...context, subtask: 'st-2' },
    { ...context, case: 'case-2' },
    { ...context, readerKeyId: 'did:peer:2.b#key-1' },
  ]) {
    await assert.rejects(unwrapContentKey(priv, wrapped, moved), isUnwrapFailure);
  }
});

test('wrapping rejects a malformed reader key', async () => {
  await assert.rejects(wrapContentKey(newContentKey(seededRandom('k')), new Uint8Array(31), context), (e: unknown) => isMurmurError(e, 'E_CRYPTO'));
});

test("a keystore's unwrapper imports its private key once, and still refuses what is not for it", async () => {
  const random = seededRandom('hpke-4');
  const priv = newX25519PrivateKey(random);
  const keys = [newContentKey(random), newContentKey(random), newContentKey(random)];
  const wrapped = await Promise.all(keys.map((k) => wrapContentKey(k, x25519PublicKey(priv), context)));
  // Counted where the suite imports a private key: node:crypto's createPrivateKey.
  const nodeCrypto = require('node:crypto') as typeof NodeCrypto;
  const original = nodeCrypto.createPrivateKey;
  let privateImports = 0;
  nodeCrypto.createPrivateKey = (...args: Parameters<typeof original>) => {
    privateImports++;
    return original(...args);
  };
  syncBuiltinESMExports();
  try {
    const unwrap = x25519Unwrapper(priv);
    for (const [i, w] of wrapped.entries()) assert.deepEqual(await unwrap(w, context), keys[i]);
    await assert.rejects(unwrap(wrapped[0]!, { ...context, section: 'summary' }), isUnwrapFailure);
    // Importing per unwrap (the PKCS#8 parse) cost about as much as the open itself.
    assert.equal(privateImports, 1);
  } finally {
    nodeCrypto.createPrivateKey = original;
    syncBuiltinESMExports();
  }
});
