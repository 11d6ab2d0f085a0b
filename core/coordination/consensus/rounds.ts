/**
 * Belief rounds for one case's plan, as pure functions over numbers: the members' starting
 * beliefs from their proposals, one round of trust-weighted trimmed fusion (W-MSR, fusion.ts),
 * the spread, and the coalition's value at the end. The rule that runs them on the board is
 * rules/belief-update.ts.
 */
import { completeGraph, fuseRound, trustWeightMatrix } from './fusion.js';

export interface BeliefRoundConfig {
  /** Rounds stop once every subtask's beliefs differ by less than this (the seed's T1: 0.01). */
  epsilon: number;
  /** Rounds stop here even if ε is not reached (the plan is made from the last round). */
  maxRounds: number;
  /** Board time a round waits for its members before one who posted may close it (silent members do not stall planning). */
  roundMs: number;
  /** Trimmed fusion: each member drops this many highest and lowest others' beliefs (capped at ⌊(n − 1)/3⌋). */
  trim: number;
}

export const DEFAULT_BELIEF_ROUNDS: BeliefRoundConfig = { epsilon: 0.01, maxRounds: 20, roundMs: 30_000, trim: 1 };

/** Beliefs are kept to six decimals, so a header, the state and every replica hold the same numbers. */
export function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Per subtask id, one value per member (members in a fixed order). */
export type BeliefMatrix = Record<string, number[]>;

/** How many values trimmed fusion may drop on each side: W-MSR tolerates f liars among n ≥ 3f + 1. */
export function trimFor(n: number, trim: number): number {
  return Math.max(0, Math.min(trim, Math.floor((n - 1) / 3)));
}

/** One round: each member's belief in each subtask becomes the trimmed, trust-weighted mean of everyone's. */
export function fuseBeliefs(x: BeliefMatrix, trust: BeliefMatrix, trim: number): BeliefMatrix {
  const out: BeliefMatrix = {};
  for (const id of Object.keys(x).sort()) {
    const values = x[id]!;
    const W = trustWeightMatrix(completeGraph(values.length), trust[id]!);
    out[id] = fuseRound(W, values, trim > 0 ? 'trimmed' : 'mean', trim).map(round6);
  }
  return out;
}

/** The largest disagreement over all subtasks: max − min of the members' beliefs. */
export function beliefSpread(x: BeliefMatrix): number {
  let spread = 0;
  for (const values of Object.values(x)) spread = Math.max(spread, Math.max(...values) - Math.min(...values));
  return round6(spread);
}

/**
 * The coalition's value for a subtask at the end: the trust-weighted mean once the `trim`
 * highest and lowest beliefs are set aside (within ε of every member's when converged).
 */
export function consensusValue(values: readonly number[], trust: readonly number[], trim: number): number {
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]! || a - b);
  const kept = order.slice(trim, order.length - trim);
  const weight = kept.reduce((s, i) => s + trust[i]!, 0);
  return round6(kept.reduce((s, i) => s + trust[i]! * values[i]!, 0) / weight);
}
