import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../core/common/clock.js';
import { KeyedLock, retry, SerialQueue, withTimeout } from '../../core/common/concurrency.js';
import { MurmurError } from '../../core/common/errors.js';

test('SerialQueue: tasks run one at a time in order, and a failed task does not stop the next', async () => {
  const q = new SerialQueue();
  const log: string[] = [];
  let running = 0;
  const task =
    (name: string, fail = false) =>
    async () => {
      running++;
      assert.equal(running, 1, 'never two at once');
      await new Promise((r) => setImmediate(r));
      log.push(name);
      running--;
      if (fail) throw new Error(`${name} failed`);
      return name;
    };
  const a = q.run(task('a'));
  const b = q.run(task('b', true));
  const c = q.run(task('c'));
  assert.equal(await a, 'a');
  await assert.rejects(b, /b failed/);
  assert.equal(await c, 'c');
  await q.idle();
  assert.deepEqual(log, ['a', 'b', 'c']);
});

test('withTimeout: E_TIMEOUT after the clock passes the limit; a result in time wins', async () => {
  const clock = new ManualClock();
  const late = withTimeout(new Promise(() => undefined), 1_000, 'grant', clock);
  clock.advance(1_000);
  await assert.rejects(late, (e: unknown) => e instanceof MurmurError && e.code === 'E_TIMEOUT' && /grant/.test(e.message));
  assert.equal(await withTimeout(Promise.resolve(7), 1_000, 'x', clock), 7);
  // A failure after the timeout is dropped, never unhandled.
  let fail!: (e: Error) => void;
  const failing = withTimeout(new Promise((_, r) => (fail = r)), 10, 'y', clock);
  clock.advance(10);
  await assert.rejects(failing, /y: no answer/);
  fail(new Error('late'));
});

test('retry: waits double up to the cap, a refusal is not retried, giving up names the attempts', async () => {
  const waits: number[] = [];
  const clock = { now: () => waits.reduce((a, b) => a + b, 0), sleep: async (ms: number) => void waits.push(ms) };
  let n = 0;
  assert.equal(await retry('read', async () => (++n < 5 ? Promise.reject(new Error('down')) : 'ok'), { baseMs: 100, maxMs: 300, clock }), 'ok');
  assert.deepEqual(waits, [100, 200, 300, 300]);
  await assert.rejects(
    retry('read', async () => Promise.reject(new MurmurError('E_CONFLICT', 'taken')), { clock, retryable: (e) => !(e instanceof MurmurError) }),
    /taken/,
  );
  await assert.rejects(
    retry('read', async () => Promise.reject(new Error('down')), { attempts: 3, clock }),
    (e: unknown) => e instanceof MurmurError && e.details.attempts === 3,
  );
  let stop = false;
  await assert.rejects(retry('read', async () => ((stop = true), Promise.reject(new Error('down'))), { clock, stopped: () => stop }));
});

test('retry: a named schedule of waits is followed, its last wait repeating', async () => {
  const waits: number[] = [];
  const clock = { now: () => 0, sleep: async (ms: number) => void waits.push(ms) };
  let n = 0;
  assert.equal(await retry('post', async () => (++n < 5 ? Promise.reject(new Error('down')) : 'ok'), { delaysMs: [10, 50, 90], clock }), 'ok');
  assert.deepEqual(waits, [10, 50, 90, 90]);
});

test('KeyedLock: tasks sharing a key run one at a time in order, others at once, and a failure releases its keys', async () => {
  const lock = new KeyedLock();
  const log: string[] = [];
  const gates = new Map<string, () => void>();
  const task =
    (name: string, fail = false) =>
    () =>
      new Promise<string>((resolve, reject) => {
        log.push(`start ${name}`);
        gates.set(name, () => {
          log.push(`end ${name}`);
          if (fail) reject(new Error(name));
          else resolve(name);
        });
      });
  const a = lock.run(['t1'], task('a', true));
  const b = lock.run(['t1', 't2'], task('b'));
  const c = lock.run(['t3'], task('c'));
  const d = lock.run(['t2'], task('d'));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(log, ['start a', 'start c'], 'b waits for a (t1), d for b (t2); c shares no key');
  gates.get('c')!();
  gates.get('a')!();
  await assert.rejects(a, /a/);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(log.slice(2), ['end c', 'end a', 'start b'], "a's failure released t1");
  gates.get('b')!();
  await new Promise((r) => setImmediate(r));
  assert.ok(log.includes('start d') && log.indexOf('start d') > log.indexOf('end b'), 'd started only after b ended');
  gates.get('d')!();
  assert.deepEqual(await Promise.all([b, c, d]), ['b', 'c', 'd']);
  assert.equal(lock.size, 0, 'no key is left held');
});
