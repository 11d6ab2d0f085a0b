// An envelope this process's keystore signed is known authentic by its id: the fold checks the
// id against the content and skips the Ed25519 check. Anything else (another signer, a copy
// that borrows the id, a resolver naming another key) takes the full check.
import assert from 'node:assert/strict';
import type * as NodeCrypto from 'node:crypto';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { test } from 'node:test';
import { checkEnvelope, signEnvelope, type Envelope } from '../../core/board/envelope.js';
import { clearVerifiedCache } from '../../core/board/verified-cache.js';
import { didKeyFromPublicKey, didKeyResolver } from '../../core/crypto/did-key.js';
import { Keystore } from '../../core/crypto/keystore.js';
import type { KeyResolver } from '../../core/crypto/signing.js';
import { seededRandom } from '../../core/common/random.js';
import { testSigner } from '../support/keys.js';

const require = createRequire(import.meta.url);
const nodeCrypto = require('node:crypto') as typeof NodeCrypto;

/** How many Ed25519 verifications `fn` ran (node:crypto's verify, counted). */
function verifies(fn: () => void): number {
  const original = nodeCrypto.verify;
  let n = 0;
  nodeCrypto.verify = ((...a: Parameters<typeof original>) => (n++, original(...a))) as typeof original;
  syncBuiltinESMExports();
  try {
    fn();
  } finally {
    nodeCrypto.verify = original;
    syncBuiltinESMExports();
  }
  return n;
}

function keystoreSigner(label: string) {
  const ks = Keystore.empty();
  const info = ks.generate(label, 'ed25519', seededRandom(label));
  return ks.signer(label, didKeyFromPublicKey(info.publicKey).keyId);
}

const body = (seq: number) => ({ case: 'case-1', kind: 'Heartbeat' as const, seq, prev: null, at: 1_000 + seq, header: { n: seq }, sections: [] });
/** A fresh parsed copy, as a store hands it to a replica: no object identity with what was signed. */
const copy = (e: Envelope): Envelope => JSON.parse(JSON.stringify(e)) as Envelope;

test("an envelope the keystore signed here folds with its id checked and no Ed25519 verification; another signer's is verified", () => {
  clearVerifiedCache();
  const own = signEnvelope(keystoreSigner('lab/signing'), body(1));
  assert.equal(
    verifies(() => assert.deepEqual(checkEnvelope(copy(own), didKeyResolver), { ok: true })),
    0,
  );
  const other = signEnvelope(testSigner('stranger'), body(1));
  assert.equal(
    verifies(() => assert.deepEqual(checkEnvelope(copy(other), didKeyResolver), { ok: true })),
    1,
  );
});

test('a copy borrowing a signed-here id, with other content or another signature, is refused by its id', () => {
  clearVerifiedCache();
  const own = signEnvelope(keystoreSigner('lab/signing-2'), body(2));
  const moved = { ...copy(own), header: { n: 99 } };
  const resigned = { ...copy(own), sig: (own.sig[0] === 'A' ? 'B' : 'A') + own.sig.slice(1) };
  for (const forged of [moved, resigned]) {
    const result = checkEnvelope(forged, didKeyResolver);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.code, 'E_ID');
  }
  // The real one still folds.
  assert.deepEqual(checkEnvelope(copy(own), didKeyResolver), { ok: true });
});

test("when the author's key resolves to another key than the one that signed, the signature is checked, and fails", () => {
  clearVerifiedCache();
  const signer = keystoreSigner('lab/signing-3');
  const own = signEnvelope(signer, body(3));
  const elsewhere = testSigner('rotated');
  const rotated: KeyResolver = { resolveVerificationKey: (id) => (id === signer.keyId ? elsewhere.publicKey : didKeyResolver.resolveVerificationKey(id)) };
  let result: ReturnType<typeof checkEnvelope> | undefined;
  assert.equal(
    verifies(() => (result = checkEnvelope(copy(own), rotated))),
    1,
  );
  assert.deepEqual(result, { ok: false, code: 'E_SIGNATURE', reason: 'signature does not verify' });
});
