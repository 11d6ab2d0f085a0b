import type { StoredEntry } from '../../board/store.js';
import { roundKey, type CaseState, type CoalitionState, type GapState, type Subtask } from '../../coordination/case-state.js';
import type { AgentCard } from '../../coordination/messages.js';
import type { ReducerConfig } from '../../coordination/reducer.js';
import { reputationDeltas } from '../../coordination/reputation.js';
import { CLOSE_PROPOSALS, COMMIT_PLAN } from '../../coordination/rules/consensus.js';
import { doneQuorumMet } from '../../coordination/rules/closing.js';
import { CLOSE_BELIEF_ROUND, openRound } from '../../coordination/rules/belief-update.js';
import { DEFAULT_BELIEF_ROUNDS } from '../../coordination/consensus/rounds.js';
import { depsSatisfied, leaseActive } from '../../coordination/rules/execution.js';
import { deadlocks, revocationCause } from '../../coordination/rules/failures.js';
import { yielder } from '../../coordination/failures/waits-for.js';
import type { Draft } from './poster.js';
import { sha256Hex } from '../../common/hash.js';

/** Delay between members' turns to revoke a lapsed lease. */
export const REVOKE_STAGGER_MS = 3_000;

/**
 * The failure-handling and liveness duties every agent performs beside its work, as reactions
 * to the folded state and its own clock: heartbeats, revoking lapsed leases, declaring waits and
 * breaking deadlocks, validating gaps, closing a stalled proposal round, replacing invitees who
 * never came, and taking over the convener's closing acts when it is gone. The fold checks each
 * of them; an agent only proposes.
 */
export interface DutyContext {
  did: string;
  card: AgentCard;
  state: CoalitionState;
  config: ReducerConfig;
  /** This agent's clock (the fold re-checks against board time). */
  now: number;
  leaseMs: number;
  /** How long a claimant waits on inputs before declaring the wait (waits-for graph). */
  waitAfterMs: number;
  /** How long after its due time anyone takes over a convener's closing act. */
  takeoverMs: number;
  validateGap?: (gap: GapState, c: CaseState) => 'endorse' | 'reject' | undefined;
  reputation(did: string): number;
  once(key: string, action: () => Promise<unknown>): Promise<void> | undefined;
  post(draft: Draft): Promise<StoredEntry>;
}

export async function performDuties(d: DutyContext, c: CaseState): Promise<void> {
  if (c.status === 'dissolved') return scoreFallback(d, c);
  if (!c.members.has(d.did)) return;
  if (c.status === 'convening') await reinvite(d, c);
  if (c.status === 'planning') {
    await closeProposals(d, c);
    await closeBeliefRound(d, c);
    await recountPlan(d, c);
  }
  if (c.status === 'executing') {
    for (const s of c.subtasks.values()) {
      await beat(d, c, s);
      await revoke(d, c, s);
      await declareWait(d, c, s);
    }
    await breakDeadlocks(d, c);
    for (const g of c.gaps.values()) await judgeGap(d, c, g);
  }
  if (c.status === 'closing') await dissolveFallback(d, c);
}

function beat(d: DutyContext, c: CaseState, s: Subtask): Promise<void> | undefined {
  if (s.claimant !== d.did || s.artifact || !leaseActive(s, d.now)) return;
  if (d.now < s.leaseUntil! - d.leaseMs / 2) return;
  return d.once(`${roundKey(c)}:beat:${s.id}:${s.leaseUntil}`, () => d.post({ case: c.id, subtask: s.id, kind: 'Heartbeat', header: {}, sections: [] }));
}

/**
 * Members take turns to revoke (a per-claim lottery, `revokeStaggerMs` apart), so one
 * LeaseExpired usually suffices and a crashed first-in-line delays it only a little.
 */
function revoke(d: DutyContext, c: CaseState, s: Subtask): Promise<void> | undefined {
  if (s.claimant === undefined || s.claimant === d.did || !s.claim) return;
  if (!revocationCause(s, d.now, d.config)) return;
  const others = [...c.members.keys()].filter((m) => m !== s.claimant);
  const rank = others
    .map((m) => ({ m, h: sha256Hex(`${s.claim!.id}\u0000${m}`) }))
    .sort((a, b) => (a.h < b.h ? -1 : 1))
    .findIndex((x) => x.m === d.did);
  if (rank < 0 || !revocationCause(s, d.now - rank * REVOKE_STAGGER_MS, d.config)) return;
  return d.once(`${roundKey(c)}:revoke:${s.id}:${s.claim.id}`, () =>
    d.post({ case: c.id, subtask: s.id, kind: 'LeaseExpired', header: { claimant: s.claimant! }, sections: [] }),
  );
}

function declareWait(d: DutyContext, c: CaseState, s: Subtask): Promise<void> | undefined {
  if (s.claimant !== d.did || s.artifact || !s.claim || depsSatisfied(c, s, d.now, d.config.gapDecay)) return;
  if (d.now < s.claim.at + d.waitAfterMs) return;
  const on = s.deps.filter((x) => !c.subtasks.get(x)?.artifact).sort();
  if (on.length === 0) return;
  return d.once(`${roundKey(c)}:wait:${s.id}:${s.claim.id}:${on.join(',')}`, () => d.post({ case: c.id, kind: 'Wait', header: { on }, sections: [] }));
}

/** Members of a cycle break it; the fold accepts only the lowest-reputation agent as yielder. */
async function breakDeadlocks(d: DutyContext, c: CaseState): Promise<void> {
  for (const cycle of deadlocks(c, d.now)) {
    if (!cycle.includes(d.did)) continue;
    const yielded = yielder(cycle, d.reputation);
    await d.once(`${roundKey(c)}:deadlock:${cycle.join(',')}:${c.deadlocks.length}`, () =>
      d.post({ case: c.id, kind: 'DeadlockResolved', header: { cycle, yielded }, sections: [] }),
    );
  }
}

function judgeGap(d: DutyContext, c: CaseState, g: GapState): Promise<void> | undefined {
  if (!d.validateGap || g.author === d.did || g.status === 'awarded' || g.withdrawn) return;
  if (g.endorsements.includes(d.did) || g.rejections.includes(d.did)) return;
  const verdict = d.validateGap(g, c);
  if (!verdict) return;
  const kind = verdict === 'endorse' ? 'GapEndorse' : 'GapReject';
  return d.once(`${roundKey(c)}:judge:${g.id}`, () => d.post({ case: c.id, kind, header: { gap: g.id }, sections: [] }));
}

function closeProposals(d: DutyContext, c: CaseState): Promise<void> | undefined {
  if (c.plan || !c.planningSince || !c.proposals.has(d.did)) return;
  if (d.now < c.planningSince.at + d.config.proposalWindowMs) return;
  return d.once(`${roundKey(c)}:close-proposals`, () => d.post({ case: c.id, kind: 'Vote', header: { topic: CLOSE_PROPOSALS, choice: 'yes' }, sections: [] }));
}

/** A member that posted the open belief round closes it once its deadline passed (a silent member cannot stall planning). */
function closeBeliefRound(d: DutyContext, c: CaseState): Promise<void> | undefined {
  const r = openRound(c);
  if (!r || !r.posted.has(d.did)) return;
  const roundMs = { ...DEFAULT_BELIEF_ROUNDS, ...d.config.beliefRounds }.roundMs;
  if (d.now < r.opened.at + roundMs) return;
  // Once per window: a vote the fold found early (board time behind this clock) is tried again.
  return d.once(`${roundKey(c)}:close-round:${r.round}:${Math.floor((d.now - r.opened.at) / roundMs)}`, () =>
    d.post({ case: c.id, kind: 'Vote', header: { topic: CLOSE_BELIEF_ROUND, choice: String(r.round) }, sections: [] }),
  );
}

/** A signer of a plan stuck below quorum asks for a recount among present members. */
function recountPlan(d: DutyContext, c: CaseState): Promise<void> | undefined {
  if (!c.plan || c.planCommitted || !c.planSigners.includes(d.did) || !c.planningSince) return;
  if (d.now < c.planningSince.at + d.config.absentAfterMs) return;
  return d.once(`${roundKey(c)}:recount:${c.plan.hash}`, () =>
    d.post({ case: c.id, kind: 'Vote', header: { topic: COMMIT_PLAN, choice: c.plan!.hash }, sections: [] }),
  );
}

/** The convener (or, after a second window, any member) replaces invitees that never accepted. */
function reinvite(d: DutyContext, c: CaseState): Promise<void> | undefined {
  if (!c.invitation || d.now < c.invitation.at + (c.convener === d.did ? 1 : 2) * d.config.acceptWindowMs) return;
  const missing = c.invitees.filter((x) => !c.members.has(x));
  if (missing.length === 0) return;
  const everInvited = new Set([...c.everInvited, ...c.invitees, d.did, ...(c.convener ? [c.convener] : [])]);
  // Prefer agents seen on the board lately (alive), then reputation.
  const recent = (did: string): number => ((d.state.lastSeen.get(did) ?? -Infinity) >= d.now - d.config.absentAfterMs ? 1 : 0);
  const needs = new Set(c.task.needs);
  const replacements = new Set<string>();
  for (const gone of missing) {
    const skills =
      d.state.cards
        .get(gone)
        ?.card.skills.map((s) => s.id)
        .filter((s) => needs.has(s)) ?? [];
    const pick = [...d.state.cards.values()]
      .filter((r) => !everInvited.has(r.card.did) && !replacements.has(r.card.did) && r.card.skills.some((s) => skills.includes(s.id)))
      .sort((a, b) => recent(b.card.did) - recent(a.card.did) || d.reputation(b.card.did) - d.reputation(a.card.did) || (a.card.did < b.card.did ? -1 : 1))[0];
    if (pick) replacements.add(pick.card.did);
  }
  if (replacements.size === 0) return;
  return d.once(`${roundKey(c)}:reinvite:${c.invitation.id}`, () =>
    d.post({ case: c.id, kind: 'Invitation', header: { invitees: [...replacements].sort() }, sections: [] }),
  );
}

function dissolveFallback(d: DutyContext, c: CaseState): Promise<void> | undefined {
  if (c.convener === d.did) return;
  if (!doneQuorumMet(d.state, d.config, c, d.now)) return;
  if (d.now < (c.closingSince?.at ?? 0) + d.takeoverMs) return;
  return d.once(`${roundKey(c)}:dissolve-fallback:${c.doneVotes.length}`, () =>
    d.post({ case: c.id, kind: 'Dissolved', header: { votes: c.doneVotes.length, members: c.members.size }, sections: [] }),
  );
}

function scoreFallback(d: DutyContext, c: CaseState): Promise<void> | undefined {
  if (c.reputation || c.convener === d.did || !c.members.has(d.did) || !c.dissolved) return;
  if (d.now < c.dissolved.at + d.takeoverMs) return;
  return d.once(`${roundKey(c)}:score-fallback`, () => {
    const { deltas, values } = reputationDeltas(c);
    return d.post({ case: c.id, kind: 'ReputationUpdate', header: { method: 'shapley', deltas, values }, sections: [] });
  });
}
