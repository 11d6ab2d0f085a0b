import type { Random } from '../../common/random.js';

/**
 * Randomized exponential backoff on contention: after k lost attempts, wait
 * Uniform(0, 2^k · τ) before the next (k capped so waits stay bounded).
 */
export function backoffDelay(k: number, tauMs: number, random: Random, maxK = 8): number {
  return random.next() * 2 ** Math.min(Math.max(0, k), maxK) * tauMs;
}
