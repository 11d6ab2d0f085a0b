/** Weights of a bid's score; the defaults favour cost, then quality, latency and trust. */
export interface AwardWeights {
  cost: number;
  quality: number;
  latency: number;
  trust: number;
}

export const DEFAULT_AWARD_WEIGHTS: AwardWeights = { cost: 0.4, quality: 0.25, latency: 0.2, trust: 0.15 };

/**
 * A bid's score in [0, 1]. Cost and latency count inverted (lower is better). Trust is the
 * bidder's reputation as the board knows it, never what the bidder claims of itself.
 */
export function bidScore(bid: { cost: number; quality: number; latency: number }, reputation: number, weights: AwardWeights = DEFAULT_AWARD_WEIGHTS): number {
  const score = weights.cost * (1 - bid.cost) + weights.quality * bid.quality + weights.latency * (1 - bid.latency) + weights.trust * (reputation / 100);
  return Math.round(score * 1e6) / 1e6;
}
