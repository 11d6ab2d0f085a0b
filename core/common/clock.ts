/**
 * Time is injected everywhere so that a whole coalition can run under a simulated clock.
 * Board time (what the fold uses) comes from the store's stamps, never from this clock.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /**
   * Resolves after `ms` of this clock's time, or as soon as `signal` aborts (then early, without
   * an error: the caller knows why it stopped waiting). A timeout that lost its race is aborted
   * so that no timer outlives the work it guarded.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    }),
};

/** A clock that moves only when told to; sleepers wake when time passes their deadline. */
export class ManualClock implements Clock {
  private current: number;
  private sleepers: { until: number; wake: () => void }[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((wake) => {
      if (signal?.aborted) return wake();
      const sleeper = { until: this.current + Math.max(0, ms), wake };
      this.sleepers.push(sleeper);
      this.sleepers.sort((a, b) => a.until - b.until);
      signal?.addEventListener('abort', () => ((this.sleepers = this.sleepers.filter((s) => s !== sleeper)), wake()), { once: true });
    });
  }

  advance(ms: number): void {
    this.set(this.current + ms);
  }

  set(ms: number): void {
    this.current = Math.max(this.current, ms);
    while (this.sleepers.length > 0 && this.sleepers[0]!.until <= this.current) {
      this.sleepers.shift()!.wake();
    }
  }
}
