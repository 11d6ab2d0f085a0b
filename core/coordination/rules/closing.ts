import type { Verdict } from '../../board/fold.js';
import { fromBase64url } from '../../common/encoding.js';
import { ed25519Verify } from '../../crypto/signing.js';
import { adjudicationStatement, type Adjudication, type CaseUpdate } from '../messages.js';
import { reputationDeltas } from '../reputation.js';
import type { CaseState, CoalitionState } from '../case-state.js';
import { no, ok, reputationOf, type ReducerConfig, type RuleContext } from './context.js';

/**
 * The members a quorum counts: all of them, or, once the phase has lasted `absentAfterMs`,
 * those present (seen on the board within `absentAfterMs`, or who already voted/signed), so
 * members that crashed for good cannot hold a case in one phase forever.
 */
export function quorumBase(
  state: CoalitionState,
  config: ReducerConfig,
  c: CaseState,
  at: number,
  since: number | undefined,
  voted: readonly string[],
): number {
  if (since === undefined || at < since + config.absentAfterMs) return c.members.size;
  return [...c.members.keys()].filter((m) => voted.includes(m) || (state.lastSeen.get(m) ?? -Infinity) >= at - config.absentAfterMs).length;
}

/** ≥ doneQuorum of the (present) members voted done. */
export function doneQuorumMet(state: CoalitionState, config: ReducerConfig, c: CaseState, at: number): boolean {
  return c.doneVotes.length >= Math.ceil(config.doneQuorum * quorumBase(state, config, c, at, c.closingSince?.at, c.doneVotes));
}

export function doneVote(ctx: RuleContext): Verdict {
  const c = ctx.case!;
  // A vote that lands after the quorum dissolved the case is still an honest assent: kept.
  if (c.status !== 'closing' && c.status !== 'dissolved') return no('E_PHASE', `done votes are cast once all work is posted, and the case is ${c.status}`);
  if (c.doneVotes.includes(ctx.author)) return no('E_ALREADY', 'already voted');
  c.doneVotes.push(ctx.author);
  return ok;
}

/** A quorum of done votes dissolves the coalition; every claim is released with it. */
export function dissolved(ctx: RuleContext<{ votes: number; members: number }>): Verdict {
  const c = ctx.case!;
  if (c.status !== 'closing') return no('E_PHASE', `cannot dissolve a case that is ${c.status}`);
  if (!doneQuorumMet(ctx.state, ctx.config, c, ctx.entry.at)) return no('E_QUORUM', 'done votes below quorum');
  // Votes the convener had not yet seen may land before its Dissolved (a distributed board
  // orders concurrent posts either way): it states at least a quorum the board holds.
  if (ctx.header.votes > c.doneVotes.length || ctx.header.members !== c.members.size)
    return no('E_MISSTATED', 'dissolution states counts the board does not hold');
  c.status = 'dissolved';
  c.dissolved = ctx.ref;
  for (const s of c.subtasks.values()) delete s.leaseUntil;
  return ok;
}

/** Reputation moves only by the board's own Shapley attribution: a posted update must equal it. */
export function reputationUpdate(ctx: RuleContext<{ deltas: Record<string, number>; values: Record<string, number> }>): Verdict {
  const c = ctx.case!;
  if (c.status !== 'dissolved') return no('E_PHASE', 'reputation moves after dissolution');
  if (c.reputation) return no('E_ALREADY', 'reputation already updated for this case');
  const expected = reputationDeltas(c);
  const keys = Object.keys(expected.deltas).sort();
  const posted = Object.keys(ctx.header.deltas).sort();
  if (keys.join() !== posted.join() || keys.some((k) => Math.abs(expected.deltas[k]! - ctx.header.deltas[k]!) > 1e-6)) {
    return no('E_MISSTATED', "reputation deltas differ from the board's Shapley attribution");
  }
  c.reputation = { ...expected, ref: ctx.ref };
  for (const [did, delta] of Object.entries(expected.deltas)) {
    const value = Math.min(100, Math.max(0, reputationOf(ctx.state, ctx.config, did) + delta));
    ctx.state.reputation.set(did, value);
    ctx.state.reputationHistory.push({ did, value, case: c.id, at: ctx.entry.at });
  }
  return ok;
}

/**
 * An operator of the requesting organization decides a pended case (approve, deny, or ask for
 * more information) through one of its organization's agents. A final decision (approved or
 * denied) closes the matter; a request for information may be followed by a decision.
 */
export function adjudication(ctx: RuleContext<Adjudication>): Verdict {
  const c = ctx.case!;
  if (c.cancellation?.whole) return no('E_CANCELLED', 'the requester cancelled the request');
  if (c.outcome?.closure !== 'open') return no('E_STATE', `only a pended case is adjudicated, and this one is ${c.outcome ? 'decided' : 'undecided'}`);
  if (c.adjudication?.closure === 'final') return no('E_STATE', 'the case is already decided by the payer');
  // The decision itself is sealed, in a section of its own (readers check it against the commitment).
  const decision = ctx.entry.envelope.sections.find((s) => s.name === 'decision');
  if (!decision) return no('E_DISCLOSURE', 'an adjudication carries what was decided in a section named decision');
  if (ctx.config.requireSealed && !decision.sealed) return no('E_DISCLOSURE', 'section decision is not sealed');
  const op = ctx.header.operator;
  if (op && !ed25519Verify(fromBase64url(op.key), adjudicationStatement(c.id, { ...ctx.header, operator: op }), fromBase64url(op.sig))) {
    return no('E_OPERATOR', `the operator ${op.id}'s signature over the decision does not verify`);
  }
  c.adjudication = {
    closure: ctx.header.closure,
    commitment: ctx.header.commitment,
    reasonCode: ctx.header.reasonCode,
    author: ctx.author,
    ref: ctx.ref,
    ...(op ? { operator: { id: op.id, key: op.key } } : {}),
  };
  return ok;
}

/**
 * New information on a pended case opens its next round: only once the round has ended
 * (dissolved and scored), only while no operator has decided it for good, only from the
 * requesting organization, and only with a `request` section for the same readers as the
 * first. The round re-runs every subtask with the same members and plan; what the earlier
 * round ended with is kept in the case's history.
 */
export function caseUpdate(ctx: RuleContext<CaseUpdate>): Verdict {
  const c = ctx.case!;
  if (c.cancellation?.whole) return no('E_CANCELLED', 'the requester cancelled the request');
  if (c.outcome?.closure !== 'open') return no('E_STATE', `only a pended case takes new information, and this one is ${c.outcome ? 'decided' : 'undecided'}`);
  if (c.status !== 'dissolved' || !c.reputation) return no('E_TOO_EARLY', 'the round is still running; new information opens the next round once it has ended');
  if (c.adjudication?.closure === 'final') return no('E_STATE', 'the case was decided by the payer');
  if (ctx.header.round !== c.round + 1) return no('E_MISSTATED', `the update opens round ${ctx.header.round}, but the next round is ${c.round + 1}`);
  const request = ctx.entry.envelope.sections.find((s) => s.name === 'request');
  if (!request) return no('E_DISCLOSURE', 'a case update carries the new request in a section named request');
  if ([...request.readers].sort().join() !== [...c.task.requestReaders].sort().join())
    return no('E_DISCLOSURE', "the update's request section names other readers than the case's request");
  c.history.push({
    round: c.round,
    ...(c.outcome ? { outcome: c.outcome } : {}),
    ...(c.adjudication ? { adjudication: c.adjudication } : {}),
    ...(c.dissolved ? { dissolved: c.dissolved } : {}),
    reputation: c.reputation,
  });
  c.round = ctx.header.round;
  c.updates.push(ctx.ref);
  c.status = 'executing';
  c.doneVotes = [];
  for (const key of ['outcome', 'adjudication', 'dissolved', 'closingSince', 'reputation', 'inputsCutoff'] as const) delete c[key];
  for (const s of c.subtasks.values()) {
    for (const key of ['claimant', 'claim', 'leaseUntil', 'leaseMs', 'artifact', 'checkpoint', 'released', 'revoked', 'abandoned', 'freed'] as const)
      delete s[key];
  }
  return ok;
}
