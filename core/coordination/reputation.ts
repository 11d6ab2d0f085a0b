import type { CaseState } from './case-state.js';

/** A unit of value that exists only when every agent in `required` is in the coalition. */
export interface Contribution {
  value: number;
  required: readonly string[];
}

/** A subtask born of a capability gap caught a need the plan missed: it is worth more. */
export const GAP_SUBTASK_VALUE = 2;
export const PLANNED_SUBTASK_VALUE = 1;
/** Reputation points for delivering every claimed subtask. */
export const DELIVERY_BONUS = 1;
/** Reputation points per unit of Shapley value beyond what the plan expected of an agent. */
export const SURPLUS_WEIGHT = 4;

/** v(S) = Σ value of contributions whose required agents are all in S. */
export function coalitionValue(contributions: readonly Contribution[], members: ReadonlySet<string>): number {
  let v = 0;
  for (const c of contributions) if (c.required.every((r) => members.has(r))) v += c.value;
  return v;
}

/**
 * Exact Shapley values by enumerating subsets (2^n evaluations); use for n ≤ 12.
 * φ_i = Σ_{S ⊆ N∖{i}} |S|!(n−|S|−1)!/n! · (v(S∪{i}) − v(S)).
 */
export function shapleyExact(players: readonly string[], contributions: readonly Contribution[]): Map<string, number> {
  const n = players.length;
  const fact = [1];
  for (let i = 1; i <= n; i++) fact.push(fact[i - 1]! * i);
  const phi = new Map(players.map((p) => [p, 0]));
  for (let mask = 0; mask < 1 << n; mask++) {
    const s = new Set<string>();
    for (let j = 0; j < n; j++) if (mask & (1 << j)) s.add(players[j]!);
    const vs = coalitionValue(contributions, s);
    const weight = (fact[s.size]! * fact[n - s.size - 1]!) / fact[n]!;
    for (let i = 0; i < n; i++) {
      if (mask & (1 << i)) continue;
      s.add(players[i]!);
      phi.set(players[i]!, phi.get(players[i]!)! + weight * (coalitionValue(contributions, s) - vs));
      s.delete(players[i]!);
    }
  }
  return phi;
}

/** Monte Carlo Shapley over `samples` random permutations drawn from `next` (seeded). */
export function shapleySampled(players: readonly string[], contributions: readonly Contribution[], samples: number, next: () => number): Map<string, number> {
  const phi = new Map(players.map((p) => [p, 0]));
  const order = [...players];
  for (let k = 0; k < samples; k++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const s = new Set<string>();
    let prev = 0;
    for (const p of order) {
      s.add(p);
      const v = coalitionValue(contributions, s);
      phi.set(p, phi.get(p)! + (v - prev) / samples);
      prev = v;
    }
  }
  return phi;
}

/** What each delivered subtask contributed, and whose presence it needed. */
export function caseContributions(c: CaseState): Contribution[] {
  const out: Contribution[] = [];
  for (const s of c.subtasks.values()) {
    if (!s.artifact) continue;
    if (s.origin === 'plan') out.push({ value: PLANNED_SUBTASK_VALUE, required: [s.artifact.author] });
    else {
      const gap = c.gaps.get(s.origin.gap);
      out.push({ value: GAP_SUBTASK_VALUE, required: [...new Set([gap?.author ?? s.artifact.author, s.artifact.author])] });
    }
  }
  return out;
}

/**
 * Reputation deltas for a dissolved case: a small bonus for delivering every claim, plus
 * the Shapley value an agent added beyond what the committed plan expected of it (so the
 * gap finder and the self-recruit gain most when a gap mattered).
 */
export function reputationDeltas(c: CaseState): { deltas: Record<string, number>; values: Record<string, number> } {
  const players = [...c.members.keys()].sort();
  const contributions = caseContributions(c);
  const phi = players.length <= 12 ? shapleyExact(players, contributions) : shapleySampled(players, contributions, 2000, lcg(c.id));
  const deltas: Record<string, number> = {};
  const values: Record<string, number> = {};
  for (const p of players) {
    const claimed = [...c.subtasks.values()].filter((s) => s.claimant === p);
    const expected = claimed.filter((s) => s.origin === 'plan').length * PLANNED_SUBTASK_VALUE;
    const delivered = claimed.length > 0 && claimed.every((s) => s.artifact?.author === p);
    const value = round(phi.get(p) ?? 0);
    values[p] = value;
    deltas[p] = round((delivered ? DELIVERY_BONUS : 0) + SURPLUS_WEIGHT * (value - expected));
  }
  return { deltas, values };
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** A deterministic generator from a string, so sampled Shapley folds alike on every node. */
function lcg(seed: string): () => number {
  let h = 2166136261;
  for (const ch of seed) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return () => {
    h = (Math.imul(h, 1664525) + 1013904223) >>> 0;
    return h / 2 ** 32;
  };
}
