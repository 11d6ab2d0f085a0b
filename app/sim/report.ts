import type { BoardFold } from '../../core/board/fold.js';
import type { StoredEntry } from '../../core/board/store.js';
import type { CoalitionState } from '../../core/coordination/case-state.js';
import { DEFAULT_NETWORK, type NetworkConfig } from './network.js';
import type { Attack } from './population.js';

/**
 * What a simulation run is asked (options) and what it reports, for both modes: the
 * decentralized coalition (run.ts) and its central-orchestrator baseline (central.ts).
 */
export interface SimOptions {
  cases: number;
  agents: number;
  seed: string | number;
  mode: 'decentralized' | 'central';
  /** Fraction of organizations (nodes) that crash once during the run (then restart). */
  crashRate: number;
  /** How long a crashed node stays down. */
  downMs: number;
  /** Central mode: the orchestrator itself crashes too. */
  crashOrchestrator: boolean;
  adversaries: Attack[];
  network: NetworkConfig;
  /** Nodes cut off from the board for a while. */
  partitions: number;
  arrivalMs: number;
  /** Sim time after the last arrival by which every case must have ended. */
  deadlineMs: number;
  /** Called as cases end (progress for long runs). */
  progress?: (ended: number, total: number) => void;
  /** Called with the auditor's fold at the end (tests and debugging). */
  inspect?: (fold: BoardFold<CoalitionState>, entries: ReadonlyMap<number, StoredEntry>) => void;
}

export const DEFAULT_SIM: SimOptions = {
  cases: 10,
  agents: 20,
  seed: 1,
  mode: 'decentralized',
  crashRate: 0,
  downMs: 120_000,
  crashOrchestrator: false,
  adversaries: [],
  network: DEFAULT_NETWORK,
  partitions: 0,
  arrivalMs: 5_000,
  deadlineMs: 20 * 60_000,
};

export interface CaseReport {
  case: string;
  ended: boolean;
  status: string;
  outcome: 'approved' | 'denied' | 'pended' | null;
  expected: 'approved' | 'denied' | 'pended';
  caveat: boolean | null;
  latencyMs: number | null;
  /** Time some agent was working on the case (union of work intervals). */
  workMs: number;
  /** Latency not covered by any agent's work: convening, planning, claiming, negotiating, closing. */
  coordinationMs: number | null;
  overhead: number | null;
  envelopes: number;
  members: number;
  /** For a case that did not end: where each subtask stood. */
  stuck?: string[];
}

export interface SimReport {
  options: Omit<SimOptions, 'progress' | 'inspect'>;
  mode: 'decentralized' | 'central';
  cases: CaseReport[];
  summary: {
    completed: number;
    completionRate: number;
    meanLatencyMs: number | null;
    p95LatencyMs: number | null;
    casesPerMinute: number;
    meanOverhead: number | null;
    simTimeMs: number;
    events: number;
    envelopes: number;
    rejected: number;
    crashes: number;
  };
  invariants: Record<string, { ok: boolean; detail?: string }>;
  attacks: Record<string, { detected: boolean; contained: boolean; detail: string }>;
  /** Why the fold rejected envelopes (kind: reason → count): lost races, attacks, stale moves. */
  rejectReasons?: Record<string, number>;
  authority: { maxShare: number; gini: number };
  specialization?: {
    skill: string;
    topShareFirstHalf: number;
    topShareSecondHalf: number;
    deliverQualityFirstHalf: number;
    deliverQualitySecondHalf: number;
  }[];
  decisions: Record<string, string | null>;
}

/** Total length of the union of the intervals: the time some agent was working. */
export function unionMs(intervals: { start: number; end: number }[]): number {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  let total = 0;
  let cur: { start: number; end: number } | undefined;
  for (const iv of sorted) {
    if (!cur || iv.start > cur.end) {
      if (cur) total += cur.end - cur.start;
      cur = { ...iv };
    } else cur.end = Math.max(cur.end, iv.end);
  }
  if (cur) total += cur.end - cur.start;
  return total;
}

function percentile(xs: number[], p: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}

export function report(
  o: SimOptions,
  cases: CaseReport[],
  run: { simTimeMs: number; events: number; envelopes: number; rejected: number; crashes: number },
  invariants: SimReport['invariants'],
  attacks: SimReport['attacks'],
  authority: SimReport['authority'],
  specialization?: SimReport['specialization'],
  rejectReasons?: Record<string, number>,
): SimReport {
  const done = cases.filter((c) => c.ended);
  const lat = done.map((c) => c.latencyMs!);
  const ov = done.map((c) => c.overhead!).filter((x) => x !== null);
  const { progress: _p, inspect: _i, ...options } = o;
  return {
    options,
    mode: o.mode,
    cases,
    summary: {
      completed: done.length,
      completionRate: cases.length ? done.length / cases.length : 1,
      meanLatencyMs: lat.length ? Math.round(lat.reduce((a, b) => a + b, 0) / lat.length) : null,
      p95LatencyMs: percentile(lat, 0.95),
      casesPerMinute: run.simTimeMs > 0 ? Math.round((done.length / (run.simTimeMs / 60_000)) * 100) / 100 : 0,
      meanOverhead: ov.length ? Math.round((ov.reduce((a, b) => a + b, 0) / ov.length) * 1000) / 1000 : null,
      ...run,
    },
    invariants,
    attacks,
    authority,
    ...(specialization ? { specialization } : {}),
    ...(rejectReasons ? { rejectReasons } : {}),
    decisions: Object.fromEntries(cases.map((c) => [c.case, c.ended ? `${c.outcome}${c.caveat ? '+caveat' : ''}` : null])),
  };
}
