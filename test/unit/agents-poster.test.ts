import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryBoardStore } from '../../core/board/memory-store.js';
import { ManualClock } from '../../core/common/clock.js';
import { ChainedPoster, type Draft } from '../../core/agents/runtime/poster.js';
import { testSigner } from '../support/keys.js';

const note: Draft = { case: null, kind: 'Tick', header: {}, sections: [] };

test('a poster whose chain may already be on the board signs nothing until resumed, then continues the chain', async () => {
  const store = new MemoryBoardStore(new ManualClock());
  const signer = testSigner('poster');
  const first = new ChainedPoster(signer, store, new ManualClock());
  const a = await first.post(note);
  const b = await first.post(note);
  // A restarted incarnation: its fold is still replaying, and knows only the first envelope.
  const restarted = new ChainedPoster(signer, store, new ManualClock(), () => ({ seq: 1, id: a.envelope.id }));
  await assert.rejects(restarted.post(note), /resume it from a caught-up fold/);
  assert.equal(await store.head(), 2, 'nothing was signed or appended');
  restarted.resume(2, b.envelope.id);
  const c = await restarted.post(note);
  assert.deepEqual([c.envelope.seq, c.envelope.prev], [3, b.envelope.id]);
});

test('a resumed poster follows a later head its fold learns (a late append of its previous incarnation)', async () => {
  const store = new MemoryBoardStore(new ManualClock());
  const signer = testSigner('poster');
  const first = new ChainedPoster(signer, store, new ManualClock());
  const a = await first.post(note);
  let head = { seq: 1, id: a.envelope.id };
  const restarted = new ChainedPoster(signer, store, new ManualClock(), () => head);
  restarted.resume(1, a.envelope.id);
  const late = await first.post(note);
  head = { seq: 2, id: late.envelope.id };
  const next = await restarted.post(note);
  assert.deepEqual([next.envelope.seq, next.envelope.prev], [3, late.envelope.id]);
});
