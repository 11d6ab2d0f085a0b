import type { Verdict } from '../../board/fold.js';
import { tally } from '../consensus/voting.js';
import { commitIfQuorum, computePlan } from './planning.js';
import { CLOSE_BELIEF_ROUND, closeBeliefRound } from './belief-update.js';
import { no, ok, reputationOf, type RuleContext } from './context.js';

/** Topic whose decision closes the proposal round with the proposals on the board. */
export const CLOSE_PROPOSALS = 'close-proposals';
/**
 * A signer asks the fold to count the plan's signatures again among present members (after
 * `absentAfterMs` of planning): the ballot's choice is the plan hash it signed.
 */
export const COMMIT_PLAN = 'commit-plan';

/**
 * Low-stakes choices by reputation-weighted vote, one ballot per member and topic. The
 * `close-proposals` topic ends a proposal round stalled by an absent member: after the
 * window, a weighted majority of members merges the proposals already on the board.
 */
export function vote(ctx: RuleContext<{ topic: string; choice: string }>): Verdict {
  const c = ctx.case!;
  if (ctx.header.topic === CLOSE_BELIEF_ROUND) return closeBeliefRound(ctx);
  const ballots = c.votes.get(ctx.header.topic) ?? [];
  if (ballots.some((b) => b.voter === ctx.author)) return no('E_ALREADY', 'one ballot per member and topic');
  if (ctx.header.topic === CLOSE_PROPOSALS) {
    if (c.status !== 'planning' || c.plan) return no('E_UNKNOWN_REF', 'no proposal round to close');
    if (ctx.entry.at < c.planningSince!.at + ctx.config.proposalWindowMs) return no('E_TOO_EARLY', 'the proposal window is still open');
    if (c.proposals.size === 0) return no('E_UNKNOWN_REF', 'no proposals to merge');
  }
  if (ctx.header.topic === COMMIT_PLAN) {
    if (!c.plan || c.planCommitted) return no('E_UNKNOWN_REF', 'no plan awaiting commitment');
    if (ctx.header.choice !== c.plan.hash || !c.planSigners.includes(ctx.author)) return no('E_NOT_PERMITTED', 'only a signer of this plan asks for its count');
  }
  ballots.push({ voter: ctx.author, choice: ctx.header.choice, ref: ctx.ref });
  if (ctx.header.topic === COMMIT_PLAN) commitIfQuorum(ctx);
  c.votes.set(ctx.header.topic, ballots);
  if (ctx.header.topic === CLOSE_PROPOSALS) {
    const weight = (d: string): number => reputationOf(ctx.state, ctx.config, d);
    const total = [...c.members.keys()].reduce((s, d) => s + weight(d), 0);
    const t = tally(
      ballots.map((b) => ({ voter: b.voter, choice: b.choice, weight: weight(b.voter) })),
      total,
    );
    if (t.decided && t.leader === 'yes') {
      c.proposalsClosed = ctx.ref;
      computePlan(ctx);
    }
  }
  return ok;
}
