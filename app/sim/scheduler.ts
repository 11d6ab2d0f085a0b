import type { Clock } from '../../core/common/clock.js';
import { settled } from './inflight.js';

interface SimEvent {
  at: number;
  seq: number;
  run: () => void;
  cancelled?: boolean;
}

/**
 * The simulator's event loop: simulated time, a priority queue of events ordered by
 * (time, insertion), and after each event a full drain of the microtask queue, so every
 * promise chain the event started settles before the next event. No real timer or I/O is
 * involved, so a run is a pure function of its seed.
 */
export class SimScheduler implements Clock {
  private heap: SimEvent[] = [];
  private seq = 0;
  private time: number;
  events = 0;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const cancel = this.at(this.time + Math.max(0, ms), resolve);
      signal?.addEventListener('abort', () => (cancel(), resolve()), { once: true });
    });
  }

  /** Schedules `run` at `time`; returns its cancel. */
  at(time: number, run: () => void): () => void {
    const e: SimEvent = { at: Math.max(Math.ceil(time), this.time), seq: this.seq++, run };
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(h[p]!, h[i]!)) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
    return () => void (e.cancelled = true);
  }

  after(ms: number, run: () => void): () => void {
    return this.at(this.time + ms, run);
  }

  /** Runs `run` every `ms` of simulated time until cancelled (the real node's ticker). */
  every(ms: number, run: () => void): () => void {
    let cancel = (): void => undefined;
    const tick = (): void => {
      cancel = this.after(ms, tick);
      run();
    };
    cancel = this.after(ms, tick);
    return () => cancel();
  }

  private pop(): SimEvent | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l]!, h[m]!)) m = l;
        if (r < h.length && less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }

  /** Runs events until `done()` holds or time passes `until`. */
  async run(until: number, done: () => boolean = () => false): Promise<void> {
    await drain();
    while (!done()) {
      const next = this.heap[0];
      if (!next || next.at > until) break;
      this.pop();
      if (next.cancelled) continue;
      this.time = next.at;
      this.events++;
      next.run();
      await drain();
    }
  }
}

function less(a: SimEvent, b: SimEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** Lets every pending microtask (and the ones they queue) run, and any tracked crypto finish. */
function drain(): Promise<void> {
  return settled();
}
