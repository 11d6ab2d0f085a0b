import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { signEnvelope, type Envelope } from '../../core/board/envelope.js';
import type { BoardStore } from '../../core/board/store.js';
import { ManualClock } from '../../core/common/clock.js';
import { DEFAULT_BOARD_TIME } from '../../core/board/board-time.js';
import { testSigner } from './keys.js';

/** `n` chained Heartbeat envelopes of one test author. */
export function testEnvelopes(n: number, author = 'store', caseId = 'c-1'): Envelope[] {
  const signer = testSigner(author);
  const out: Envelope[] = [];
  for (let i = 0; i < n; i++) {
    out.push(signEnvelope(signer, { case: caseId, kind: 'Heartbeat', seq: i + 1, prev: out.at(-1)?.id ?? null, at: i, header: {}, sections: [] }));
  }
  return out;
}

/** The contract every BoardStore passes (memory, SQLite, etcd, the remote board client). */
export function boardStoreContract(name: string, make: (clock: ManualClock) => BoardStore, o: { boardTimeRule?: boolean } = {}): void {
  describe(`BoardStore contract: ${name}`, () => {
    test('appends in order with monotonic board time, idempotent by id', async () => {
      const clock = new ManualClock(1_000);
      const store = make(clock);
      const [a, b] = testEnvelopes(2);
      const ea = await store.append(a!);
      clock.set(500); // a host clock going backwards does not reorder board time
      const eb = await store.append(b!);
      const again = await store.append(a!);
      assert.deepEqual([ea.index, eb.index, again.index], [1, 2, 1]);
      assert.ok(eb.at >= ea.at);
      assert.equal(await store.head(), 2);
      assert.deepEqual(
        (await store.read(2)).map((e) => e.envelope.id),
        [b!.id],
      );
      await store.close();
    });

    const timeRule = o.boardTimeRule === false ? { skip: 'this store takes its host clock as is, or the test clock cannot reach it' } : {};
    test(
      "board time follows the one rule (board-time.ts): a writer's clock a day ahead is held to the signed times, and later stamps are not dragged with it",
      timeRule,
      async () => {
        const DAY = 86_400_000;
        const start = Date.UTC(2026, 10, 1);
        const clock = new ManualClock(start);
        const store = make(clock);
        // Three authors sign with honest clocks; the writer's clock jumps a day ahead for one append.
        const [a, b, c] = ['time-a', 'time-b', 'time-c'].map(testSigner);
        const env = (s: ReturnType<typeof testSigner>, seq: number, prev: string | null, at: number) =>
          signEnvelope(s, { case: 'c-1', kind: 'Heartbeat', seq, prev, at, header: {}, sections: [] });
        const a1 = env(a!, 1, null, start),
          b1 = env(b!, 1, null, start),
          c1 = env(c!, 1, null, start + 1_000);
        await store.append(a1);
        await store.append(b1);
        clock.set(start + DAY);
        const fast = await store.append(c1);
        assert.ok(fast.at <= start + 1_000 + DEFAULT_BOARD_TIME.maxSkewMs, `the stamp is held to the signed time (${fast.at - start} ms)`);
        // An author signing a day ahead (its own clock) is held to the others' signed times.
        const ahead = await store.append(env(a!, 2, a1.id, start + DAY));
        assert.ok(ahead.at <= start + 1_000 + DEFAULT_BOARD_TIME.maxSkewMs, `a day-ahead signature does not move board time (${ahead.at - start} ms)`);
        clock.set(start + 60_000);
        const later = await store.append(env(b!, 2, b1.id, start + 60_000));
        assert.ok(later.at >= ahead.at, 'never backwards');
        assert.ok(later.at <= start + 60_000 + DEFAULT_BOARD_TIME.maxSkewMs, `later stamps follow the honest clocks, not a day ahead (${later.at - start} ms)`);
        await store.close();
      },
    );

    test('subscribers see each new entry once, in order', async () => {
      const store = make(new ManualClock());
      const seen: number[] = [];
      const stop = store.subscribe((e) => seen.push(e.index));
      for (const e of testEnvelopes(3)) await store.append(e);
      await store.append(testEnvelopes(1)[0]!);
      stop();
      assert.deepEqual(seen, [1, 2, 3]);
      await store.close();
    });

    test('tryClaim: the first owner wins, later claimants learn who', async () => {
      const store = make(new ManualClock());
      assert.deepEqual(await store.tryClaim('c-1/s-1', 'alice'), { won: true, owner: 'alice' });
      assert.deepEqual(await store.tryClaim('c-1/s-1', 'bob'), { won: false, owner: 'alice' });
      await store.close();
    });

    test('read pages by index and limit; a malformed envelope is rejected with its field named', async () => {
      const store = make(new ManualClock());
      for (const e of testEnvelopes(5, 'pager')) await store.append(e);
      assert.deepEqual(
        (await store.read(2, 2)).map((e) => e.index),
        [2, 3],
      );
      assert.deepEqual(
        (await store.read(0, 1)).map((e) => e.index),
        [1],
      );
      assert.deepEqual(await store.read(6), []);
      await assert.rejects(store.append({ ...testEnvelopes(1, 'bad')[0]!, seq: 0 }), /envelope rejected by the store: seq/);
      assert.equal(await store.head(), 5);
      await store.close();
    });

    test("a copy with a real envelope's id but another signature is refused, and the real one is then stored, not taken for a duplicate", async () => {
      const store = make(new ManualClock());
      const [real] = testEnvelopes(1, 'borrowed-id');
      const copy = { ...real!, sig: (real!.sig[0] === 'A' ? 'B' : 'A') + real!.sig.slice(1) };
      await assert.rejects(store.append(copy), /envelope rejected by the store: id: not the SHA-256 of its canonical content/);
      await assert.rejects(store.append({ ...real!, header: { moved: true } }), /envelope rejected by the store: id/);
      const stored = await store.append(JSON.parse(JSON.stringify(real)) as Envelope);
      assert.equal(stored.envelope.sig, real!.sig);
      assert.deepEqual(
        (await store.read(1)).map((e) => e.envelope.sig),
        [real!.sig],
      );
      await store.close();
    });
  });
}
