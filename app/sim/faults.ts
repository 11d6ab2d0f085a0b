import type { Random } from '../../core/common/random.js';

/**
 * `count` distinct items drawn uniformly from the seed (a partial Fisher–Yates shuffle), so
 * different seeds crash different nodes. Sorting with a constant comparator, as the simulator
 * once did, keeps the input order and always picked the first nodes.
 */
export function drawDistinct<T>(items: readonly T[], count: number, random: Random): T[] {
  const pool = [...items];
  const n = Math.min(Math.max(0, count), pool.length);
  for (let i = 0; i < n; i++) {
    const j = i + random.int(pool.length - i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, n);
}

export interface CrashPlan<T> {
  target: T;
  /** Simulated time the process dies (everything it held in memory is lost). */
  at: number;
  /** Simulated time it starts again from what it persisted. */
  restartAt: number;
}

/** Which nodes crash and when, from the seed: targets, crash times over the horizon and down times. */
export function crashPlan<T>(
  items: readonly T[],
  o: { count: number; from: number; horizonMs: number; downMs: number | { min: number; max: number } },
  random: Random,
): CrashPlan<T>[] {
  return drawDistinct(items, o.count, random).map((target) => {
    const at = o.from + Math.floor(random.next() * o.horizonMs);
    const down = typeof o.downMs === 'number' ? o.downMs : o.downMs.min + Math.floor(random.next() * (o.downMs.max - o.downMs.min));
    return { target, at, restartAt: at + down };
  });
}
