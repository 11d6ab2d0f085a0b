import type { Verdict } from '../../board/fold.js';
import type { CaseState, LeaseLapse, Subtask } from '../case-state.js';
import { findCycles, isCycleOf, yielder, type WaitsFor } from '../failures/waits-for.js';
import { adjustReputation, no, ok, reputationOf, type RuleContext } from './context.js';
import { leaseActive } from './execution.js';

/**
 * Why a claim may be revoked at board time `at`, if it may: its lease lapsed (crash, squatting
 * without heartbeats), it was held past the cap (squatting with heartbeats), or it reported
 * completion and never delivered (progress fabrication).
 */
export function revocationCause(s: Subtask, at: number, cfg: { maxHoldMs: number; deliveryGraceMs: number }): LeaseLapse['cause'] | undefined {
  if (s.claimant === undefined || s.artifact) return undefined;
  if (!leaseActive(s, at)) return 'lapsed';
  if (s.claim && at > s.claim.at + cfg.maxHoldMs) return 'held-too-long';
  if (s.checkpoint && s.checkpoint.progress >= 1 && at > s.checkpoint.at + cfg.deliveryGraceMs) return 'undelivered';
  return undefined;
}

/** Any member may post that a claim lapsed; the fold checks it by board time and revokes it. */
export function leaseExpired(ctx: RuleContext<{ claimant: string }>): Verdict {
  const c = ctx.case!;
  const id = ctx.entry.envelope.subtask;
  const s = id ? c.subtasks.get(id) : undefined;
  if (!s) return no('E_UNKNOWN_REF', 'no such subtask in the committed plan');
  if (s.claimant !== ctx.header.claimant) return no('E_LEASE', 'the subtask is not claimed by that agent');
  const cause = revocationCause(s, ctx.entry.at, ctx.config);
  if (!cause) return no('E_LEASE', 'the lease is still valid');
  c.lapses.push({ subtask: s.id, claimant: s.claimant, cause, ref: ctx.ref });
  s.revoked = [...(s.revoked ?? []), s.claimant];
  s.freed = ctx.ref;
  adjustReputation(ctx, s.claimant, -ctx.config.leasePenalty);
  c.waits.delete(s.claimant);
  delete s.claimant;
  delete s.claim;
  delete s.leaseUntil;
  delete s.leaseMs;
  delete s.checkpoint;
  return ok;
}

/** The waits-for graph of a case: a waiting member → the active claimants of what it waits on. */
export function waitsForGraph(c: CaseState, at: number): Map<string, Set<string>> {
  const g = new Map<string, Set<string>>();
  for (const [agent, w] of c.waits) {
    for (const id of w.on) {
      const s = c.subtasks.get(id);
      // Waiting on one's own claim is sequencing, not a deadlock: the agent does that first.
      if (!s || s.artifact || s.claimant === undefined || s.claimant === agent || !leaseActive(s, at)) continue;
      (g.get(agent) ?? g.set(agent, new Set()).get(agent)!).add(s.claimant);
    }
  }
  return g;
}

export function deadlocks(c: CaseState, at: number): string[][] {
  return findCycles(waitsForGraph(c, at) as WaitsFor);
}

/** A claimant says which subtasks it waits on (edges of the waits-for graph). */
export function wait(ctx: RuleContext<{ on: string[] }>): Verdict {
  const c = ctx.case!;
  const holds = [...c.subtasks.values()].some((s) => s.claimant === ctx.author && leaseActive(s, ctx.entry.at));
  if (!holds) return no('E_NOT_PERMITTED', 'only an agent holding a claim waits');
  if (ctx.header.on.some((id) => !c.subtasks.has(id))) return no('E_UNKNOWN_REF', 'waits on a subtask outside the plan');
  c.waits.set(ctx.author, { on: [...ctx.header.on], ref: ctx.ref });
  return ok;
}

/**
 * Breaks a deadlock: the cycle must be in the waits-for graph now, and the agent who yields
 * must be its lowest-reputation member. The yielder drops the dependency edges from its
 * subtasks to the next agent's in the cycle (it proceeds without that input) and its wait.
 */
export function deadlockResolved(ctx: RuleContext<{ cycle: string[]; yielded: string }>): Verdict {
  const c = ctx.case!;
  const graph = waitsForGraph(c, ctx.entry.at);
  if (!isCycleOf(graph, ctx.header.cycle)) return no('E_UNKNOWN_REF', 'no such cycle in the waits-for graph');
  const expected = yielder(ctx.header.cycle, (d) => reputationOf(ctx.state, ctx.config, d));
  if (expected !== ctx.header.yielded) return no('E_MISSTATED', 'the yielder must be the lowest-reputation agent in the cycle');
  const i = ctx.header.cycle.indexOf(expected);
  const next = ctx.header.cycle[(i + 1) % ctx.header.cycle.length]!;
  const waitedOn = new Set(c.waits.get(expected)?.on ?? []);
  for (const s of c.subtasks.values()) {
    if (s.claimant !== expected || s.artifact) continue;
    s.deps = s.deps.filter((d) => !(waitedOn.has(d) && c.subtasks.get(d)?.claimant === next));
  }
  c.waits.delete(expected);
  c.deadlocks.push({ cycle: [...ctx.header.cycle], yielded: expected, ref: ctx.ref });
  return ok;
}
