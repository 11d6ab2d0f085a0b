import type { Random } from '../../common/random.js';
import type { CoalitionState } from '../case-state.js';
import { sampleBeta, type BetaArm } from './thompson.js';

/**
 * Learned routing from the board's memory: per (agent, skill), deliveries count as successes
 * and releases or revoked claims as failures, over every case on the board. Any node computes
 * the same record; a convener samples from it (Thompson) to pick whom to invite, so agents that
 * keep delivering a skill get routed more of it and specialization emerges.
 */
export function trackRecord(state: CoalitionState): Map<string, Map<string, BetaArm>> {
  const record = new Map<string, Map<string, BetaArm>>();
  const arm = (did: string, skill: string): BetaArm => {
    const bySkill = record.get(did) ?? record.set(did, new Map()).get(did)!;
    return bySkill.get(skill) ?? bySkill.set(skill, { alpha: 1, beta: 1 }).get(skill)!;
  };
  for (const c of state.cases.values()) {
    for (const s of c.subtasks.values()) {
      if (s.artifact) arm(s.artifact.author, s.skill).alpha++;
      for (const d of [...(s.released ?? []), ...(s.revoked ?? [])]) arm(d, s.skill).beta++;
    }
  }
  return record;
}

/** Candidates ordered by a Thompson sample of their success at `skill` (ties by DID). */
export function thompsonOrder(candidates: readonly string[], skill: string, record: Map<string, Map<string, BetaArm>>, random: Random): string[] {
  return candidates
    .map((did) => {
      const a = record.get(did)?.get(skill) ?? { alpha: 1, beta: 1 };
      return { did, x: sampleBeta(a.alpha, a.beta, random) };
    })
    .sort((a, b) => b.x - a.x || (a.did < b.did ? -1 : 1))
    .map((c) => c.did);
}
