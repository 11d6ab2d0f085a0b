/**
 * The `BeliefUpdate` kind in one place: its header schema, its rule, who may post it, its trace
 * label, and the belief rounds it drives (DESIGN §6, the seed's T1).
 *
 * When the proposals are in, the fold opens rounds of trust-weighted, trimmed belief fusion
 * over the candidate subtasks. Round 0 is each member's proposal (confidence capped; for a
 * subtask it did not propose, the merged value of those who did). Each round r ≥ 1 is the
 * fusion of round r − 1, which every member computes from the same board: a member posts its
 * row as a BeliefUpdate, and the fold accepts only that row. A belief is thus never a free
 * statement after round 0 — inflating, deflating or splitting it is refused and moves nothing.
 *
 * - One BeliefUpdate per member and round: the first accepted counts; a second is refused and
 *   kept as evidence (a refused one changes nothing, so a member that lies is silent that round).
 * - A round closes when every awaited member posted, or, `roundMs` of board time after it
 *   opened, by a member who posted it (`Vote {topic: close-belief-round, choice: <round>}`);
 *   those who had not posted are awaited no more. Their beliefs still fuse (the fold computes
 *   every member's row), so liveness never changes the plan.
 * - Rounds stop when the spread is below ε or at `maxRounds`; the plan is then each
 *   candidate's trimmed consensus value against the inclusion threshold (plan.ts).
 */
import { z } from 'zod';
import type { Verdict } from '../../board/fold.js';
import type { CaseState, EntryRef, PlannedSubtask } from '../case-state.js';
import {
  beliefSpread,
  consensusValue,
  DEFAULT_BELIEF_ROUNDS,
  fuseBeliefs,
  round6,
  trimFor,
  type BeliefMatrix,
  type BeliefRoundConfig,
} from '../consensus/rounds.js';
import { finalizePlan, mergeCandidates, OUT_OF_DOMAIN_RELEVANCE, planHash } from '../plan.js';
import { no, ok, reputationOf, type RuleContext } from './context.js';

const SubtaskId = z.string().regex(/^[a-z][a-z0-9-]{0,47}$/, 'subtask ids are lower-case words joined by hyphens');
/** Round numbers are bounded (no round runs past `maxRounds`), and so is the vector. */
export const BeliefUpdateSchema = z
  .object({
    round: z.number().int().min(1).max(1000),
    beliefs: z.record(SubtaskId, z.number().min(0).max(1)).refine((b) => Object.keys(b).length <= 64, 'at most 64 subtasks'),
  })
  .strict();
export type BeliefUpdate = z.infer<typeof BeliefUpdateSchema>;

/** The Vote topic by which a member that posted a round closes it after its deadline. */
export const CLOSE_BELIEF_ROUND = 'close-belief-round';

/** The case's belief rounds, as the fold keeps them. */
export interface BeliefRounds {
  /** The members taking part (sorted DIDs): the order of every belief vector. */
  members: string[];
  /** The candidate subtasks (shapes from the merge), by id. */
  candidates: PlannedSubtask[];
  /** Per subtask, each member's weight: reputation on the board × relevance of its card's skills. */
  trust: BeliefMatrix;
  /** Values trimmed fusion drops on each side. */
  trim: number;
  /** Round 0: each member's starting beliefs. */
  initial: BeliefMatrix;
  /** The open round (or the last, once done) and its beliefs x(round). */
  round: number;
  beliefs: BeliefMatrix;
  /** Spread of x(0), x(1), …, x(round). */
  spreads: number[];
  epsilon: number;
  /** The entry that opened the rounds; and the one that opened the current round. */
  started: EntryRef;
  opened: EntryRef;
  /** Members the open round waits for. */
  awaited: string[];
  /** Who posted the open round, with their entry. */
  posted: Map<string, EntryRef>;
  closed: { round: number; posted: string[]; silent: string[]; ref: EntryRef }[];
  done?: { round: number; spread: number; converged: boolean; ref: EntryRef };
}

export function roundConfig(ctx: RuleContext): BeliefRoundConfig {
  return { ...DEFAULT_BELIEF_ROUNDS, ...ctx.config.beliefRounds };
}

/**
 * The proposals are in: the fold seeds round 0 and either plans at once (already within ε)
 * or opens round 1 with the beliefs each member must post.
 */
export function openBeliefRounds(ctx: RuleContext): void {
  const c = ctx.case!;
  const cfg = roundConfig(ctx);
  const competence = !!ctx.config.capabilities;
  const skillsOf = (did: string): string[] => ctx.state.cards.get(did)?.card.skills.map((s) => s.id) ?? [];
  const merge = competence ? { ...ctx.config.merge, competence: true, decisionSkills: ctx.config.capabilities!.decisionSkills } : ctx.config.merge;
  const candidates = mergeCandidates(
    [...c.proposals.entries()].map(([author, p]) => ({ author, proposal: p, reputation: reputationOf(ctx.state, ctx.config, author) })),
    merge,
    skillsOf,
  );
  const members = [...c.members.keys()].sort();
  const beliefs: BeliefMatrix = {};
  const trust: BeliefMatrix = {};
  for (const { subtask: s, votes } of candidates) {
    // A member's own (capped) confidence where it proposed the subtask; else the proposers' merged value.
    beliefs[s.id] = members.map((m) => round6(votes.find((v) => v.author === m)?.c ?? s.confidence));
    trust[s.id] = members.map((m) => {
      const proposed = c.proposals.get(m)?.subtasks.find((x) => x.id === s.id);
      // Without capabilities, as in the merge: full weight in the domain the proposal names.
      const relevant = skillsOf(m).includes(s.skill) || (!competence && proposed !== undefined && proposed.domain === c.proposals.get(m)!.domain);
      // Weight comes from the log (reputation), never from the member's own numbers.
      return (Math.max(1, reputationOf(ctx.state, ctx.config, m)) / 100) * (relevant ? 1 : OUT_OF_DOMAIN_RELEVANCE);
    });
  }
  const r: BeliefRounds = {
    members,
    candidates: candidates.map((x) => x.subtask),
    trust,
    trim: trimFor(members.length, cfg.trim),
    round: 0,
    initial: beliefs,
    beliefs,
    spreads: [beliefSpread(beliefs)],
    epsilon: cfg.epsilon,
    started: ctx.ref,
    opened: ctx.ref,
    awaited: members,
    posted: new Map(),
    closed: [],
  };
  c.consensus = r;
  if (r.spreads[0]! < cfg.epsilon || cfg.maxRounds === 0) finish(ctx, r);
  else nextRound(r, ctx.ref);
}

function nextRound(r: BeliefRounds, ref: EntryRef): void {
  r.round += 1;
  r.beliefs = fuseBeliefs(r.beliefs, r.trust, r.trim);
  r.spreads.push(beliefSpread(r.beliefs));
  r.opened = ref;
  r.posted = new Map();
}

/** The plan from the round's beliefs: each candidate's consensus value against the threshold. */
function finish(ctx: RuleContext, r: BeliefRounds): void {
  const c = ctx.case!;
  const spread = r.spreads.at(-1)!;
  r.done = { round: r.round, spread, converged: spread < r.epsilon, ref: ctx.ref };
  const subtasks = finalizePlan(r.candidates.map((s) => ({ ...s, confidence: consensusValue(r.beliefs[s.id]!, r.trust[s.id]!, r.trim) })));
  c.plan = { hash: planHash(subtasks), subtasks, computedAt: ctx.ref };
}

function closeRound(ctx: RuleContext, r: BeliefRounds): void {
  const posted = r.members.filter((m) => r.posted.has(m));
  r.closed.push({ round: r.round, posted, silent: r.awaited.filter((m) => !r.posted.has(m)), ref: ctx.ref });
  r.awaited = r.awaited.filter((m) => r.posted.has(m));
  if (r.spreads.at(-1)! < r.epsilon || r.round >= roundConfig(ctx).maxRounds) finish(ctx, r);
  else nextRound(r, ctx.ref);
}

/** What a member must post for the open round: its row of x(round). */
export function beliefsOf(r: BeliefRounds, did: string): Record<string, number> | undefined {
  const i = r.members.indexOf(did);
  if (i < 0) return undefined;
  return Object.fromEntries(r.candidates.map((s) => [s.id, r.beliefs[s.id]![i]!]));
}

/** The open belief round of a case, if one is running. */
export function openRound(c: CaseState): BeliefRounds | undefined {
  return c.status === 'planning' && c.consensus && !c.consensus.done ? c.consensus : undefined;
}

export function beliefUpdate(ctx: RuleContext<BeliefUpdate>): Verdict {
  const c = ctx.case!;
  const r = openRound(c);
  if (!r) return no('E_PHASE', 'no belief round is open');
  if (!r.members.includes(ctx.author)) return no('E_NOT_PERMITTED', 'only members taking part in the belief rounds post beliefs');
  if (ctx.header.round !== r.round) return no('E_PHASE', `the open belief round is ${r.round}`);
  if (r.posted.has(ctx.author)) return no('E_ALREADY', 'one belief per member and round: the first counts');
  const expected = beliefsOf(r, ctx.author)!;
  const names = Object.keys(ctx.header.beliefs).sort();
  if (names.join(',') !== Object.keys(expected).sort().join(',')) return no('E_MISSTATED', 'beliefs must name exactly the candidate subtasks');
  const cap = ctx.config.merge.maxConfidence;
  for (const id of names) {
    const v = ctx.header.beliefs[id]!;
    if (v > cap) return no('E_MISSTATED', `belief in ${id} is above the confidence cap ${cap}`);
    if (Math.abs(v - expected[id]!) > 1e-6) return no('E_MISSTATED', `belief in ${id} is not the fusion of round ${r.round - 1} (${expected[id]})`);
  }
  r.posted.set(ctx.author, ctx.ref);
  if (r.awaited.every((m) => r.posted.has(m))) closeRound(ctx, r);
  return ok;
}

/** `Vote {topic: close-belief-round}`: a member that posted the open round closes it once its deadline passed. */
export function closeBeliefRound(ctx: RuleContext<{ topic: string; choice: string }>): Verdict {
  const c = ctx.case!;
  const r = openRound(c);
  if (!r) return no('E_PHASE', 'no belief round is open');
  if (ctx.header.choice !== String(r.round)) return no('E_PHASE', `the open belief round is ${r.round}`);
  if (!r.posted.has(ctx.author)) return no('E_NOT_PERMITTED', 'only a member that posted the round closes it');
  const due = r.opened.at + roundConfig(ctx).roundMs;
  if (ctx.entry.at < due) return no('E_TOO_EARLY', 'the belief round is still open for its members');
  closeRound(ctx, r);
  return ok;
}

/** The trace's words for a BeliefUpdate (or the close vote): the round, the contested beliefs, and what its closing reached. */
export function beliefTrace(c: CaseState | undefined, id: string, header: { round?: number; beliefs?: Record<string, number>; choice?: string }): string {
  const r = c?.consensus;
  const n = header.round ?? Number(header.choice);
  const closed = r?.closed.find((x) => x.ref.id === id);
  let text = header.round !== undefined ? `fuses belief round ${n}` : `closes belief round ${n} (its deadline passed)`;
  // Only the subtasks the proposals disagreed on move; the others are the same for everyone.
  const contested = r ? r.candidates.filter((s) => Math.max(...r.initial[s.id]!) > Math.min(...r.initial[s.id]!)).map((s) => s.id) : [];
  const shown = contested.filter((s) => header.beliefs?.[s] !== undefined).map((s) => `${s} ${header.beliefs![s]!.toFixed(4)}`);
  if (shown.length > 0) text += `: ${shown.join(', ')}`;
  if (closed && r) {
    const spread = r.spreads[closed.round]!;
    text += `; round ${closed.round} closed (${closed.posted.length}/${closed.posted.length + closed.silent.length} posted), spread ${spread.toFixed(4)}`;
    if (r.done?.ref.id === id)
      text += r.done.converged ? ` < ε = ${r.epsilon}: converged` : `: ε = ${r.epsilon} not reached in ${r.round} rounds, planned from the last`;
  }
  return text;
}

/** The trace's words for the entry that opened the rounds (the last proposal, or the close-proposals vote). */
export function roundsOpenedTrace(c: CaseState | undefined, id: string): string | undefined {
  const r = c?.consensus;
  if (!r || r.started.id !== id) return undefined;
  if (r.done && r.round === 0) return `beliefs agree at round 0 (spread ${r.spreads[0]!.toFixed(4)} < ε = ${r.epsilon})`;
  return `belief rounds open: round 0 spread ${r.spreads[0]!.toFixed(4)}, ε = ${r.epsilon}, trimmed fusion (f = ${r.trim})`;
}

/** Who may post it: a member taking part in the case's belief rounds, while a round is open and it has not posted it. */
export function mayPostBelief(c: CaseState, did: string): boolean {
  const r = openRound(c);
  return !!r && r.members.includes(did) && !r.posted.has(did);
}
