/**
 * Capability gaps are pheromones: a gap's strength halves every `halfLifeMs` since it was
 * last supported (raised or endorsed); an evaporated or rejected gap blocks nothing.
 */
export interface GapSupport {
  raisedAt: number;
  endorsedAt: readonly number[];
  endorsements: number;
  rejections: number;
  awarded: boolean;
}

export interface GapDecayConfig {
  halfLifeMs: number;
  /** Below this strength an unawarded gap has evaporated. */
  threshold: number;
}

export const DEFAULT_GAP_DECAY: GapDecayConfig = { halfLifeMs: 5 * 60_000, threshold: 0.25 };

export function gapStrength(g: GapSupport, at: number, cfg: GapDecayConfig = DEFAULT_GAP_DECAY): number {
  const last = Math.max(g.raisedAt, ...g.endorsedAt);
  return 2 ** (-Math.max(0, at - last) / cfg.halfLifeMs);
}

/** Rejected by validation: more members found it false than endorsed it (the finder counts as one). */
export function gapRejected(g: GapSupport): boolean {
  return g.rejections > g.endorsements + 1;
}

/** Whether the gap still blocks the subtasks it names. */
export function gapLive(g: GapSupport, at: number, cfg: GapDecayConfig = DEFAULT_GAP_DECAY): boolean {
  if (gapRejected(g)) return false;
  return g.awarded || gapStrength(g, at, cfg) >= cfg.threshold;
}
