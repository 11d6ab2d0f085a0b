// A store error never wedges a node: a replica retries a failed read with backoff and shows the
// failure meanwhile; the board client retries a failed read rather than taking it for "nothing
// new". Each of these stopped a node for good before (issue 18).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryBoardStore } from '../../core/board/memory-store.js';
import type { BoardStore } from '../../core/board/store.js';
import { didKeyResolver } from '../../core/crypto/did-key.js';
import { BoardReplica } from '../../core/agents/runtime/replica.js';
import { testEnvelopes } from '../support/board-contract.js';

/** A store whose next `failures` reads fail as an unreachable one does. */
function flaky(inner: BoardStore, failures: { left: number }): BoardStore {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'read') {
        return (from: number, limit?: number) => {
          if (failures.left > 0) {
            failures.left--;
            return Promise.reject(new Error('connect ECONNREFUSED'));
          }
          return target.read(from, limit);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

const instant = { now: () => 0, sleep: async () => undefined };

test('a replica whose store fails a read retries it, shows the failure meanwhile, and folds on', async () => {
  const store = new MemoryBoardStore();
  for (const e of testEnvelopes(3)) await store.append(e);
  const failures = { left: 2 };
  const replica = new BoardReplica(flaky(store, failures), didKeyResolver);
  replica.clock = instant;
  const seen: (typeof replica.storeProblem)[] = [];
  replica.clock = { now: () => 0, sleep: async () => void seen.push(replica.storeProblem && { ...replica.storeProblem }) };
  await replica.start();
  assert.equal(replica.fold.lastIndex, 3, 'the replica folded the whole board once the store answered');
  assert.equal(seen.length, 2, 'it waited before each retry');
  assert.deepEqual(seen.at(-1), { since: 0, attempts: 2, error: 'Error' }, 'the failure was shown while it lasted');
  assert.equal(replica.storeProblem, undefined, 'and cleared once the store answered');

  // Later failures do not stop later catch-ups either.
  failures.left = 1;
  for (const e of testEnvelopes(2, 'other')) await store.append(e);
  await replica.catchUp();
  assert.equal(replica.fold.lastIndex, 5);
  await replica.stop();
});

test('a stopped replica stops retrying a store that stays down, and nothing is left unhandled', async () => {
  const store = new MemoryBoardStore();
  const failures = { left: Number.POSITIVE_INFINITY };
  const replica = new BoardReplica(flaky(store, failures), didKeyResolver);
  let waits = 0;
  replica.clock = { now: () => 0, sleep: async () => void (++waits === 5 && void replica.stop()) };
  await assert.rejects(replica.catchUp(), /ECONNREFUSED|failed/);
  assert.ok(waits >= 5);
  await replica.stop();
});

test("the console's Problems show a board store the replica is retrying past", async () => {
  const { Projection } = await import('../../app/node/console/projection.js');
  const store = new MemoryBoardStore();
  const failures = { left: Number.POSITIVE_INFINITY };
  const replica = new BoardReplica(flaky(store, failures), didKeyResolver);
  const node = { spec: { id: 'northwind', name: 'Northwind', kind: 'payer' }, did: 'did:example:n', replica } as unknown as ConstructorParameters<
    typeof Projection
  >[0];
  const p = new Projection(node, []);
  let waits = 0;
  let during: string[] = [];
  replica.clock = {
    now: () => 0,
    sleep: async () => {
      if (++waits === 3) {
        during = p.problems(0).map((x) => `${x.kind} ${x.severity}`);
        failures.left = 0;
      }
    },
  };
  await replica.catchUp();
  assert.deepEqual(during, ['store error'], 'shown while the store fails');
  assert.deepEqual(p.problems(0), [], 'gone once it answers');
  await replica.stop();
});

test("the console's Problems show a board store subscriber that threw", async () => {
  const { Projection } = await import('../../app/node/console/projection.js');
  const replica = new BoardReplica(new MemoryBoardStore(), didKeyResolver);
  const failures: { now?: { count: number; lastAt: number; error: string } } = {};
  const node = {
    spec: { id: 'northwind', name: 'Northwind', kind: 'payer' },
    did: 'did:example:n',
    replica,
    storeSubscribers: () => failures.now,
  } as unknown as ConstructorParameters<typeof Projection>[0];
  const p = new Projection(node, []);
  assert.deepEqual(p.problems(0), []);
  failures.now = { count: 2, lastAt: 5, error: 'TypeError' };
  assert.deepEqual(
    p.problems(0).map((x) => `${x.kind} ${x.severity} ${x.message}`),
    ['store error 2 board store subscriber call(s) failed, the last with TypeError; those subscribers missed the entries'],
  );
});

test('the board client retries a failed read of new entries instead of taking it for "nothing new"', async () => {
  const { startBoardService } = await import('../../app/node/board-service/server.js');
  const { RemoteBoardStore } = await import('../../core/board/remote-store.js');
  const { testSigner } = await import('../support/keys.js');
  const member = testSigner('board-member');
  const inner = new MemoryBoardStore();
  const failures = { left: 0 };
  const service = await startBoardService({
    store: flaky(inner, failures),
    members: new Map([
      [member.did, 'helix'],
      [testSigner('store').did, 'helix'],
    ]),
    keys: didKeyResolver,
  });
  const errors: string[] = [];
  const client = await RemoteBoardStore.connect({
    url: service.url,
    signer: member,
    retryForMs: 60,
    onError: (e) => errors.push(e instanceof Error ? e.name : 'unknown'),
  });
  try {
    const got: number[] = [];
    client.subscribe((e) => got.push(e.index));
    await new Promise((r) => setTimeout(r, 200)); // the event stream is open
    // The service's reads fail for longer than one call retries (60 ms), then recover.
    failures.left = 8;
    const [envelope] = testEnvelopes(1);
    await inner.append(envelope!);
    const deadline = Date.now() + 10_000;
    while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(got, [1], 'the subscriber got the entry once the service answered');
    assert.ok(errors.length > 0, 'the failures it worked past were reported');
  } finally {
    await client.close();
    await service.close();
  }
});
