import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BoardFold, type Reducer } from '../../core/board/fold.js';
import { signEnvelope, type Envelope } from '../../core/board/envelope.js';
import type { StoredEntry } from '../../core/board/store.js';
import { didKeyResolver } from '../../core/crypto/did-key.js';
import { testSigner } from '../support/keys.js';

const alice = testSigner('alice');
const mallory = testSigner('mallory');

/** A reducer that accepts everything and counts, so these tests see only board-level rules. */
function counting(): Reducer<{ applied: string[] }> {
  return { init: () => ({ applied: [] }), apply: (s, e) => (s.applied.push(e.envelope.id), { ok: true }) };
}

function chain(n: number, signer = alice): Envelope[] {
  const out: Envelope[] = [];
  for (let i = 0; i < n; i++) {
    out.push(signEnvelope(signer, { case: 'case-1', kind: 'Heartbeat', seq: i + 1, prev: out.at(-1)?.id ?? null, at: 1000 + i, header: {}, sections: [] }));
  }
  return out;
}

const stored = (envs: Envelope[]): StoredEntry[] => envs.map((envelope, i) => ({ index: i + 1, at: 5000 + i, envelope }));

test('a valid chain folds with every entry accepted', () => {
  const fold = new BoardFold(didKeyResolver, counting());
  for (const e of stored(chain(3))) fold.apply(e);
  assert.deepEqual(
    fold.records.map((r) => r.status),
    ['accepted', 'accepted', 'accepted'],
  );
  assert.equal(fold.state.applied.length, 3);
});

test('a forged header (content changed after signing) is rejected and changes nothing', () => {
  const [e1] = chain(1);
  const forged = { ...e1!, header: { injected: true } };
  const fold = new BoardFold(didKeyResolver, counting());
  const r = fold.apply({ index: 1, at: 1, envelope: forged });
  assert.equal(r.status, 'rejected');
  assert.match(r.reason!, /id does not match/);
  assert.equal(fold.state.applied.length, 0);
});

test("a forgery with a recomputed id but someone else's key fails the signature", () => {
  const [e1] = chain(1);
  const resigned = signEnvelope(mallory, { case: e1!.case, kind: e1!.kind, seq: 1, prev: null, at: 1, header: {}, sections: [] });
  const impersonation = { ...resigned, author: alice.keyId };
  const fold = new BoardFold(didKeyResolver, counting());
  const r = fold.apply({ index: 1, at: 1, envelope: { ...impersonation, id: impersonation.id } });
  assert.equal(r.status, 'rejected');
  assert.match(r.reason!, /id does not match|signature/);
});

test('a reordered chain is rejected at the entry that skips ahead', () => {
  const [a, b, c] = chain(3);
  const fold = new BoardFold(didKeyResolver, counting());
  const records = stored([a!, c!, b!]).map((e) => fold.apply(e));
  assert.deepEqual(
    records.map((r) => r.status),
    ['accepted', 'rejected', 'accepted'],
  );
  assert.match(records[1]!.reason!, /skips ahead/);
  assert.equal(fold.state.applied.length, 2);
});

test('a replayed envelope is a duplicate and applies once', () => {
  const [a, b] = chain(2);
  const fold = new BoardFold(didKeyResolver, counting());
  const records = stored([a!, b!, a!]).map((e) => fold.apply(e));
  assert.equal(records[2]!.status, 'duplicate');
  assert.equal(fold.state.applied.length, 2);
});

test('two envelopes with one author and seq are an equivocation, reported', () => {
  const [a] = chain(1);
  const twin = signEnvelope(alice, { case: 'case-1', kind: 'Heartbeat', seq: 1, prev: null, at: 9999, header: {}, sections: [] });
  const fold = new BoardFold(didKeyResolver, counting());
  fold.apply({ index: 1, at: 1, envelope: a! });
  const r = fold.apply({ index: 2, at: 2, envelope: twin });
  assert.equal(r.status, 'rejected');
  assert.match(r.reason!, /equivocation/);
  assert.equal(fold.equivocations.length, 1);
  assert.deepEqual(fold.equivocations[0]!.ids, [a!.id, twin.id]);
});

test('an envelope failing the schema is kept as a rejected record with the field named', () => {
  const fold = new BoardFold(didKeyResolver, counting());
  const r = fold.apply({ index: 1, at: 1, envelope: { kind: 'Nope' } as unknown as Envelope });
  assert.equal(r.status, 'rejected');
  assert.match(r.reason!, /^schema: /);
  assert.equal(fold.records.length, 1);
});

// The fold keeps 104 bits of each id beyond an author's latest 64 (chain-ids.ts): an old
// envelope replayed is still a duplicate, and a second envelope for an old seq an equivocation.
test('far behind the chain head, a replay is still a duplicate and a second envelope for the seq an equivocation', () => {
  const envs = chain(100);
  const fold = new BoardFold(didKeyResolver, counting());
  for (const e of stored(envs)) fold.apply(e);
  const replay = fold.apply({ index: 101, at: 6000, envelope: envs[2]! });
  assert.equal(replay.status, 'duplicate');
  const fork = signEnvelope(alice, { case: 'case-1', kind: 'Heartbeat', seq: 3, prev: envs[1]!.id, at: 7, header: { fork: true }, sections: [] });
  const r = fold.apply({ index: 102, at: 6001, envelope: fork });
  assert.equal(r.code, 'E_EQUIVOCATION');
  const seen = fold.equivocations.at(-1)!;
  assert.equal(seen.seq, 3);
  assert.equal(seen.ids[1], fork.id);
  assert.ok(envs[2]!.id.startsWith(seen.ids[0].replace('…', '')), 'the first envelope is named by its id prefix');
  // Within the latest 64 the first id is named whole.
  const recent = signEnvelope(alice, { case: 'case-1', kind: 'Heartbeat', seq: 90, prev: envs[88]!.id, at: 8, header: { fork: true }, sections: [] });
  fold.apply({ index: 103, at: 6002, envelope: recent });
  assert.deepEqual(fold.equivocations.at(-1)!.ids, [envs[89]!.id, recent.id]);
  assert.equal(fold.state.applied.length, 100);
});
