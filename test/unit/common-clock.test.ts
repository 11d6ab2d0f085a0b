// The injected clock's sleep can be cut short: the privacy layer's grant timeout runs on it, so it
// must follow simulated time and must not leave a timer behind once the grant has arrived.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, systemClock } from '../../core/common/clock.js';

test('a manual clock wakes a sleeper only when its time passes, and an aborted sleeper at once', async () => {
  const clock = new ManualClock(0);
  const woke: string[] = [];
  const stop = new AbortController();
  const a = clock.sleep(1_000).then(() => woke.push('a'));
  const b = clock.sleep(30_000, stop.signal).then(() => woke.push('b'));
  clock.advance(999);
  await Promise.resolve();
  assert.deepEqual(woke, []);
  stop.abort();
  await b;
  assert.deepEqual(woke, ['b']);
  clock.advance(1);
  await a;
  assert.deepEqual(woke, ['b', 'a']);
});

test('an aborted system sleep resolves without waiting out its timer', async () => {
  const stop = new AbortController();
  const started = performance.now();
  const slept = systemClock.sleep(60_000, stop.signal);
  stop.abort();
  await slept;
  // Resolving at all proves the timer did not hold it: a 60 s wait would fail the suite's timeout.
  assert.ok(performance.now() - started < 60_000);
  await systemClock.sleep(10, AbortSignal.abort());
});
