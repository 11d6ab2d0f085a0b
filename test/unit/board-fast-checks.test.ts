import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BoardFold, type Reducer } from '../../core/board/fold.js';
import { canonicalTexts, checkEnvelope, bodyOf, signEnvelope, type Envelope } from '../../core/board/envelope.js';
import { clearVerifiedCache, verifiedCacheSize } from '../../core/board/verified-cache.js';
import { canonicalJson } from '../../core/common/canonical.js';
import { toBase64url } from '../../core/common/encoding.js';
import { sha256Hex } from '../../core/common/hash.js';
import { didKeyResolver } from '../../core/crypto/did-key.js';
import { memoizedResolver, type KeyResolver } from '../../core/crypto/signing.js';
import { testSigner } from '../support/keys.js';

const alice = testSigner('alice');
const mallory = testSigner('mallory');

function counting(): Reducer<{ applied: string[] }> {
  return { init: () => ({ applied: [] }), apply: (s, e) => (s.applied.push(e.envelope.id), { ok: true }) };
}

function heartbeat(signer = alice, header: Record<string, unknown> = {}): Envelope {
  return signEnvelope(signer, { case: 'case-1', kind: 'Heartbeat', seq: 1, prev: null, at: 1000, header, sections: [] });
}

/** Re-signs nothing: changes the content and recomputes the id, as a store forging an entry would. */
function forgeWithValidId(env: Envelope, header: Record<string, unknown>): Envelope {
  const body = { ...bodyOf(env), header };
  return { ...body, sig: env.sig, id: sha256Hex(canonicalJson({ ...body, sig: env.sig })) };
}

test('the one-pass canonical texts equal RFC 8785 canonicalization of the body and of body + sig', () => {
  const samples: Envelope[] = [
    heartbeat(),
    signEnvelope(alice, {
      case: 'c-2',
      subtask: 'genomic-screen',
      kind: 'Artifact',
      seq: 4,
      prev: 'a'.repeat(64),
      at: 7,
      header: { z: [1, { b: 2, a: 'é' }], a: null },
      sections: [{ name: 'result', readers: ['x'], plaintext: { n: 1.5, s: '\u2028' } }],
    }),
    signEnvelope(alice, { case: null, kind: 'AgentCard', seq: 2, prev: 'b'.repeat(64), at: 0, header: { skills: ['a'] }, sections: [] }),
  ];
  for (const env of samples) {
    const body = bodyOf(env);
    const texts = canonicalTexts(body, env.sig);
    assert.equal(texts.body, canonicalJson(body));
    assert.equal(texts.signed, canonicalJson({ ...body, sig: env.sig }));
  }
  // An undefined member is left out, as canonicalize does.
  const body = { ...bodyOf(heartbeat()), subtask: undefined };
  assert.equal(canonicalTexts(body, 'x').signed, canonicalJson({ ...body, sig: 'x' }));
});

test('after the genuine entry was verified, a forgery with a recomputed id is still refused', () => {
  clearVerifiedCache();
  const genuine = heartbeat();
  const first = new BoardFold(didKeyResolver, counting());
  assert.equal(first.apply({ index: 1, at: 1, envelope: genuine }).status, 'accepted');
  assert.ok(verifiedCacheSize() >= 1);
  // A second replica in the same process reads a forged version from the store.
  const forged = forgeWithValidId(genuine, { injected: true });
  const second = new BoardFold(didKeyResolver, counting());
  const r = second.apply({ index: 1, at: 1, envelope: forged });
  assert.equal(r.status, 'rejected');
  assert.match(r.reason!, /signature does not verify/);
  assert.deepEqual(second.state.applied, []);
});

test('a verification is remembered only for the key it was made with', () => {
  clearVerifiedCache();
  const env = heartbeat();
  assert.deepEqual(checkEnvelope(env, didKeyResolver), { ok: true });
  // A node whose registry maps the author to another key must not inherit the first verdict.
  const otherKey: KeyResolver = { resolveVerificationKey: (id) => (id === alice.keyId ? mallory.publicKey : undefined) };
  assert.deepEqual(checkEnvelope(env, otherKey), { ok: false, code: 'E_SIGNATURE', reason: 'signature does not verify' });
});

test('a replayed envelope with its signature swapped is refused even when both were verified', () => {
  clearVerifiedCache();
  const a = heartbeat(alice, { n: 1 });
  const b = heartbeat(alice, { n: 2 });
  assert.ok(checkEnvelope(a, didKeyResolver).ok && checkEnvelope(b, didKeyResolver).ok);
  const swapped = { ...a, sig: b.sig };
  const body = bodyOf(swapped);
  const withId = { ...swapped, id: sha256Hex(canonicalJson({ ...body, sig: b.sig })) };
  assert.deepEqual(checkEnvelope(withId, didKeyResolver), { ok: false, code: 'E_SIGNATURE', reason: 'signature does not verify' });
  assert.equal(checkEnvelope({ ...a, sig: toBase64url(new Uint8Array(64)) }, didKeyResolver).ok, false);
});

test('the memoized resolver answers as the resolver it wraps, forgets unknown ids, and stays bounded', () => {
  let asked = 0;
  const inner: KeyResolver = { resolveVerificationKey: (id) => (asked++, didKeyResolver.resolveVerificationKey(id)) };
  const memo = memoizedResolver(inner, 2);
  const signers = ['a', 'b', 'c'].map((n) => testSigner(n));
  assert.deepEqual(memo.resolveVerificationKey(signers[0]!.keyId), signers[0]!.publicKey);
  memo.resolveVerificationKey(signers[0]!.keyId);
  assert.equal(asked, 1);
  assert.equal(memo.resolveVerificationKey('did:key:nonsense'), undefined);
  assert.equal(memo.resolveVerificationKey('did:key:nonsense'), undefined);
  assert.equal(asked, 3); // unknown ids are asked again, never cached
  memo.resolveVerificationKey(signers[1]!.keyId);
  memo.resolveVerificationKey(signers[2]!.keyId); // evicts the oldest (a)
  const before = asked;
  assert.deepEqual(memo.resolveVerificationKey(signers[0]!.keyId), signers[0]!.publicKey);
  assert.equal(asked, before + 1);
});
