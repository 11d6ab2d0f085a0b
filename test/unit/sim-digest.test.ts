import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foldDigest, stateDigest } from '../../app/sim/digest.js';
import { BoardFold } from '../../core/board/fold.js';
import { MemoryBoardStore } from '../../core/board/memory-store.js';
import { signEnvelope } from '../../core/board/envelope.js';
import { ManualClock } from '../../core/common/clock.js';
import { seededRandom } from '../../core/common/random.js';
import { didKeyResolver, didKeySigner } from '../../core/crypto/did-key.js';
import type { CoalitionState } from '../../core/coordination/case-state.js';
import { coalitionReducer } from '../../core/coordination/reducer.js';

test('the state digest ignores the order maps and sets were filled in, and sees any change inside them', () => {
  const a = {
    cases: new Map([
      ['c1', { members: new Set(['x', 'y']), at: 1 }],
      ['c2', { members: new Set<string>(), at: 2 }],
    ]),
  };
  const b = {
    cases: new Map([
      ['c2', { members: new Set<string>(), at: 2 }],
      ['c1', { members: new Set(['y', 'x']), at: 1 }],
    ]),
  };
  assert.equal(stateDigest(a), stateDigest(b));
  const changed = {
    cases: new Map([
      ['c1', { members: new Set(['x', 'y']), at: 1 }],
      ['c2', { members: new Set<string>(), at: 3 }],
    ]),
  };
  assert.notEqual(stateDigest(a), stateDigest(changed));
  const extra = {
    cases: new Map([
      ['c1', { members: new Set(['x', 'y', 'z']), at: 1 }],
      ['c2', { members: new Set<string>(), at: 2 }],
    ]),
  };
  assert.notEqual(stateDigest(a), stateDigest(extra));
  // A map and an object with the same entries are different states.
  assert.notEqual(stateDigest({ m: new Map([['k', 1]]) }), stateDigest({ m: { k: 1 } }));
  assert.equal(stateDigest({ a: 1, b: undefined }), stateDigest({ a: 1 }));
});

test('a value that is not plain state is refused, not hashed as {}', () => {
  class Hidden {
    secret = 1;
  }
  assert.throws(() => stateDigest({ x: new Hidden() }), /Hidden object is not state/);
  assert.throws(() => stateDigest({ f: () => 1 }), /function is not state/);
  assert.throws(() => stateDigest({ n: Number.NaN }), /no JSON form/);
});

test('two folds of the same log have one digest; a fold one entry behind has another', async () => {
  const clock = new ManualClock();
  const store = new MemoryBoardStore(clock);
  const random = seededRandom('digest');
  const signer = didKeySigner(random.bytes(32));
  const card = (seq: number, prev: string | null) =>
    signEnvelope(signer, {
      case: null,
      kind: 'AgentCard',
      header: {
        name: 'A',
        description: 'agent',
        version: '1.0.0',
        provider: { organization: 'o', did: signer.did, kind: 'sim' },
        capabilities: { streaming: false, pushNotifications: false },
        skills: [{ id: 's', name: 's', description: 's', tags: [] }],
        did: signer.did,
        role: 's',
        credentials: [],
      },
      sections: [],
      seq,
      prev,
      at: clock.now(),
    });
  const first = card(1, null);
  await store.append(first);
  clock.advance(1_000);
  await store.append(card(2, first.id));
  const fold = () => new BoardFold<CoalitionState>(didKeyResolver, coalitionReducer({}));
  const [a, b, behind] = [fold(), fold(), fold()];
  const entries = await store.read(1);
  for (const e of entries) {
    await a.apply(e);
    await b.apply(e);
  }
  await behind.apply(entries[0]!);
  assert.equal(a.lastIndex, 2);
  assert.equal(foldDigest(a), foldDigest(b));
  assert.notEqual(foldDigest(a), foldDigest(behind));
});
