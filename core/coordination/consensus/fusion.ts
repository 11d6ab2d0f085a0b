/**
 * Trust-weighted belief fusion (DeGroot averaging) over a sparse weight matrix W whose rows
 * sum to 1, with Byzantine-robust variants (trimmed mean, W-MSR style; weighted median), and
 * λ2(W), the second-largest eigenvalue modulus, which bounds how fast beliefs agree.
 *
 * W is built reversible (w_ij = a_ij / d_i with a symmetric a_ij = t_i·t_j on the edges of an
 * undirected graph plus a self-loop), so with π_i ∝ d_i the π-norm of the disagreement shrinks
 * by |λ2| per round: ‖x_t − x̄‖_π ≤ |λ2|^t ‖x_0 − x̄‖_π. That gives a rigorous round bound.
 */
import type { Random } from '../../common/random.js';

export interface WeightRow {
  cols: number[];
  w: number[];
}

export interface WeightMatrix {
  n: number;
  rows: WeightRow[];
  /** Row sums of the symmetric a (degrees), from which π ∝ d. */
  degree: number[];
}

export type FusionRule = 'mean' | 'trimmed' | 'median';

export interface FusionOptions {
  epsilon: number;
  maxRounds: number;
  rule?: FusionRule;
  /** Trimmed rule: drop this many highest and lowest neighbour values. */
  trim?: number;
  /** Agents whose value never moves (e.g. adversaries injecting a belief). */
  stubborn?: ReadonlySet<number>;
}

export interface FusionResult {
  beliefs: number[];
  rounds: number;
  converged: boolean;
  /** max − min of the (non-stubborn) beliefs after each round, starting with round 0. */
  spreads: number[];
}

/** An undirected graph: a ring (connected) plus `extra` random chords per node (an expander). */
export function coalitionGraph(n: number, extra: number, random: Random): number[][] {
  const adj = Array.from({ length: n }, () => new Set<number>());
  const link = (i: number, j: number): void => {
    if (i === j) return;
    adj[i]!.add(j);
    adj[j]!.add(i);
  };
  for (let i = 0; i < n && n > 1; i++) link(i, (i + 1) % n);
  for (let i = 0; i < n; i++) for (let k = 0; k < extra; k++) link(i, random.int(n));
  return adj.map((s) => [...s].sort((a, b) => a - b));
}

/** Complete graph: every agent hears every other (a small coalition on one board). */
export function completeGraph(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => j).filter((j) => j !== i));
}

/**
 * w_ij ∝ trust_j over j ∈ N(i) ∪ {i}: each agent listens to its neighbours in proportion to
 * their trust (reputation × domain relevance), itself included.
 */
export function trustWeightMatrix(neighbors: readonly (readonly number[])[], trust: readonly number[]): WeightMatrix {
  const n = neighbors.length;
  if (trust.length !== n) throw new Error('one trust value per agent');
  if (trust.some((t) => !(t > 0))) throw new Error('trust values must be positive');
  const rows: WeightRow[] = [];
  const degree: number[] = [];
  for (let i = 0; i < n; i++) {
    const cols = [i, ...neighbors[i]!.filter((j) => j !== i)];
    const a = cols.map((j) => trust[i]! * trust[j]!);
    const d = a.reduce((x, y) => x + y, 0);
    rows.push({ cols, w: a.map((x) => x / d) });
    degree.push(d);
  }
  return { n, rows, degree };
}

export function rowSumsOk(W: WeightMatrix, tol = 1e-9): boolean {
  return W.rows.every((r) => Math.abs(r.w.reduce((x, y) => x + y, 0) - 1) <= tol && r.w.every((x) => x >= 0));
}

function weightedMedian(vals: number[], ws: number[]): number {
  const idx = vals.map((_, i) => i).sort((a, b) => vals[a]! - vals[b]! || a - b);
  const half = ws.reduce((x, y) => x + y, 0) / 2;
  let acc = 0;
  for (const i of idx) {
    acc += ws[i]!;
    if (acc >= half) return vals[i]!;
  }
  return vals[idx.at(-1)!]!;
}

/** One round: every agent replaces its belief by the fusion of its neighbourhood's. */
export function fuseRound(W: WeightMatrix, x: readonly number[], rule: FusionRule = 'mean', trim = 0, stubborn?: ReadonlySet<number>): number[] {
  const out = new Array<number>(W.n);
  for (let i = 0; i < W.n; i++) {
    if (stubborn?.has(i)) {
      out[i] = x[i]!;
      continue;
    }
    const { cols, w } = W.rows[i]!;
    if (rule === 'mean') {
      let s = 0;
      for (let k = 0; k < cols.length; k++) s += w[k]! * x[cols[k]!]!;
      out[i] = s;
      continue;
    }
    const vals = cols.map((j) => x[j]!);
    if (rule === 'median') {
      out[i] = weightedMedian(vals, w);
      continue;
    }
    // Trimmed (W-MSR): drop the `trim` largest above and smallest below one's own value.
    const own = x[i]!;
    const order = cols
      .map((_, k) => k)
      .filter((k) => cols[k] !== i)
      .sort((a, b) => vals[a]! - vals[b]! || a - b);
    const drop = new Set<number>();
    for (const k of order.slice(0, trim)) if (vals[k]! < own) drop.add(k);
    for (const k of order.slice(-trim || order.length)) if (trim > 0 && vals[k]! > own) drop.add(k);
    let s = 0;
    let tw = 0;
    for (let k = 0; k < cols.length; k++) {
      if (drop.has(k)) continue;
      s += w[k]! * vals[k]!;
      tw += w[k]!;
    }
    out[i] = s / tw;
  }
  return out;
}

function spreadOf(x: readonly number[], stubborn?: ReadonlySet<number>): number {
  let lo = Infinity;
  let hi = -Infinity;
  x.forEach((v, i) => {
    if (stubborn?.has(i)) return;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  });
  return hi - lo;
}

/** Rounds of fusion until (non-stubborn) beliefs differ by less than ε, or maxRounds. */
export function fuse(W: WeightMatrix, x0: readonly number[], o: FusionOptions): FusionResult {
  let x = [...x0];
  const spreads = [spreadOf(x, o.stubborn)];
  let rounds = 0;
  while (spreads.at(-1)! >= o.epsilon && rounds < o.maxRounds) {
    x = fuseRound(W, x, o.rule ?? 'mean', o.trim ?? 0, o.stubborn);
    rounds++;
    spreads.push(spreadOf(x, o.stubborn));
  }
  return { beliefs: x, rounds, converged: spreads.at(-1)! < o.epsilon, spreads };
}

/**
 * |λ2(W)|: the largest eigenvalue modulus after the stationary one. W is similar to the
 * symmetric S = D^{-1/2} A D^{-1/2}; power iteration on S² with the top eigenvector √d
 * deflated. Deterministic (fixed start vector).
 */
export function secondEigenvalue(W: WeightMatrix, iterations = 3000, tol = 1e-12): number {
  const n = W.n;
  if (n < 2) return 0;
  const sq = W.degree.map(Math.sqrt);
  const norm = Math.hypot(...sq);
  const top = sq.map((v) => v / norm);
  // S v = D^{1/2} W D^{-1/2} v
  const applyS = (v: number[]): number[] => {
    const u = v.map((x, j) => x / sq[j]!);
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const { cols, w } = W.rows[i]!;
      let s = 0;
      for (let k = 0; k < cols.length; k++) s += w[k]! * u[cols[k]!]!;
      out[i] = s * sq[i]!;
    }
    return out;
  };
  const deflate = (v: number[]): number[] => {
    const dot = v.reduce((s, x, i) => s + x * top[i]!, 0);
    return v.map((x, i) => x - dot * top[i]!);
  };
  let v = deflate(Array.from({ length: n }, (_, i) => Math.sin(i + 1) + 0.5 * Math.cos(3 * i + 2)));
  let lambdaSq = 0;
  for (let it = 0; it < iterations; it++) {
    const len = Math.hypot(...v);
    if (len === 0) return 0;
    v = v.map((x) => x / len);
    const next = deflate(applyS(deflate(applyS(v))));
    const est = next.reduce((s, x, i) => s + x * v[i]!, 0);
    v = next;
    if (Math.abs(est - lambdaSq) < tol) {
      lambdaSq = est;
      break;
    }
    lambdaSq = est;
  }
  return Math.sqrt(Math.max(0, lambdaSq));
}

/**
 * The most rounds the mean rule can take to bring the spread under ε, from
 * spread ≤ 2‖x_t − x̄‖_π / √π_min ≤ 2|λ2|^t ‖x_0 − x̄‖_π / √π_min.
 */
export function roundsBound(W: WeightMatrix, x0: readonly number[], epsilon: number, lambda2: number): number {
  const total = W.degree.reduce((a, b) => a + b, 0);
  const pi = W.degree.map((d) => d / total);
  const mean = x0.reduce((s, x, i) => s + pi[i]! * x, 0);
  const e0 = Math.sqrt(x0.reduce((s, x, i) => s + pi[i]! * (x - mean) ** 2, 0));
  const c = (2 * e0) / Math.sqrt(Math.min(...pi));
  if (c < epsilon) return 0;
  if (lambda2 <= 0) return 1;
  if (lambda2 >= 1) return Infinity;
  return Math.ceil(Math.log(epsilon / c) / Math.log(lambda2));
}
