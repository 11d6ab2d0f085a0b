import { systemClock, type Clock } from './clock.js';
import { errorMessage, MurmurError } from './errors.js';

/**
 * The few concurrency mechanisms the code needs, written once: a serial queue, a keyed lock, a
 * timeout and a retry with capped exponential backoff. Time comes from an injected Clock, so each runs under
 * the simulator's clock and in tests without real waiting. (cockatiel has the same policies,
 * but its timers are the process's own and cannot be injected.)
 */

/**
 * Runs tasks one at a time, in arrival order. A task's failure is its caller's alone: the
 * next task runs all the same (a queue chained with `.then` alone stops for good at the
 * first rejection, and every later task's promise rejects unheard).
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => T | Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves when everything queued so far has finished (failed tasks included). */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}

/**
 * Runs each task after every earlier task that holds any of its keys has finished; tasks with
 * no key in common run at once. Keys are taken when `run` is called, in one synchronous step,
 * so two callers can never both find a key free; a failed task releases its keys all the same.
 */
export class KeyedLock {
  private readonly held = new Map<string, Promise<void>>();

  async run<T>(keys: readonly string[], task: () => Promise<T>): Promise<T> {
    const earlier = [...new Set(keys.map((k) => this.held.get(k)).filter((p): p is Promise<void> => p !== undefined))];
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    // A later caller waits for this task only: it starts after the earlier ones have ended.
    for (const k of keys) this.held.set(k, mine);
    try {
      await Promise.all(earlier);
      return await task();
    } finally {
      release();
      for (const k of keys) if (this.held.get(k) === mine) this.held.delete(k);
    }
  }

  /** How many keys are held now (a test's view that nothing is left behind). */
  get size(): number {
    return this.held.size;
  }
}

/**
 * `p`, or an E_TIMEOUT naming `what` after `ms` of the clock's time. The work itself is not
 * cancelled (a promise cannot be); its late result or failure is dropped, never unhandled.
 */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string, clock: Pick<Clock, 'sleep'> = systemClock): Promise<T> {
  let settled = false;
  return Promise.race([
    p.finally(() => (settled = true)),
    clock.sleep(ms).then(() => {
      if (!settled) throw new MurmurError('E_TIMEOUT', `${what}: no answer within ${ms} ms`, { ms });
      return p;
    }),
  ]);
}

export interface RetryOptions {
  /** Gives up after this many attempts (default: unbounded, see `forMs`). */
  attempts?: number;
  /** Gives up once the next wait would end past this much time since the first attempt. */
  forMs?: number;
  /** The first wait; doubled after each failure up to `maxMs`. */
  baseMs?: number;
  maxMs?: number;
  /** The waits before attempt 2, 3, … instead (the last repeats), for a schedule a protocol names. */
  delaysMs?: readonly number[];
  /** Whether a failure is worth another attempt (default: all). A refused request is not. */
  retryable?: (e: unknown) => boolean;
  /** Told of each failure that will be retried, with the attempt that failed and the wait before the next. */
  onRetry?: (e: unknown, attempt: number, waitMs: number) => void;
  /** The error thrown on giving up after retryable failures. */
  giveUp?: (e: unknown, attempts: number) => Error;
  /** Stops retrying (the last failure is thrown). */
  stopped?: () => boolean;
  clock?: Clock;
}

/**
 * Runs `fn` until it succeeds, waiting with capped exponential backoff between failures. A
 * failure not worth retrying is thrown as it is; on giving up, `giveUp`'s error (by default an
 * E_TIMEOUT naming `what`, the attempts and the last cause; a MurmurError is thrown as is).
 */
export async function retry<T>(what: string, fn: (attempt: number) => Promise<T>, o: RetryOptions = {}): Promise<T> {
  const clock = o.clock ?? systemClock;
  const started = clock.now();
  let wait = o.delaysMs?.[0] ?? o.baseMs ?? 50;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (o.retryable && !o.retryable(e)) throw e;
      const out =
        (o.attempts !== undefined && attempt >= o.attempts) || (o.forMs !== undefined && clock.now() + wait - started > o.forMs) || o.stopped?.() === true;
      if (out) {
        if (o.giveUp) throw o.giveUp(e, attempt);
        if (e instanceof MurmurError) throw e;
        throw new MurmurError('E_TIMEOUT', `${what} failed ${attempt} time(s): ${errorMessage(e).slice(0, 200)}`, { attempts: attempt });
      }
      o.onRetry?.(e, attempt, wait);
      await clock.sleep(wait);
      wait = o.delaysMs ? o.delaysMs[Math.min(attempt, o.delaysMs.length - 1)]! : Math.min(o.maxMs ?? 1_000, wait * 2);
    }
  }
}
