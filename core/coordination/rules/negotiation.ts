import type { Verdict } from '../../board/fold.js';
import { bidScore } from '../contract-net.js';
import { gapLive } from '../stigmergy/gap-strength.js';
import { gapSupport } from './execution.js';
import type { Bid } from '../messages.js';
import { hasSkill, no, ok, reputationOf, type RuleContext } from './context.js';

/** The gap's finder manages a one-subtask contract net: it announces, then awards. */
export function announce(ctx: RuleContext<{ gap: string; windowMs: number }>): Verdict {
  const g = ctx.case!.gaps.get(ctx.header.gap);
  if (!g) return no('E_UNKNOWN_REF', 'no such gap');
  if (g.author !== ctx.author) return no('E_NOT_PERMITTED', "only the gap's finder manages its contract net");
  if (g.status !== 'open') return no('E_STATE', `gap is ${g.status}`);
  g.status = 'announced';
  g.announce = { id: ctx.ref.id, index: ctx.ref.index, at: ctx.ref.at, windowMs: ctx.header.windowMs };
  return ok;
}

/** Any agent with the skill may bid, member or not: this is how a coalition grows. */
export function bid(ctx: RuleContext<Bid>): Verdict {
  const g = ctx.case!.gaps.get(ctx.header.gap);
  if (!g) return no('E_UNKNOWN_REF', 'no such gap');
  if (g.status !== 'announced') return no('E_STATE', `gap is ${g.status}, not open for bids`);
  if (!hasSkill(ctx.state, ctx.author, g.skill)) return no('E_SKILL', `the bidder's card lacks the skill ${g.skill}`);
  if (g.bids.some((b) => b.author === ctx.author)) return no('E_ALREADY', 'one bid per agent');
  const trust = reputationOf(ctx.state, ctx.config, ctx.author) / 100;
  const score = bidScore(ctx.header, trust * 100, ctx.config.awardWeights);
  g.bids.push({
    id: ctx.ref.id,
    index: ctx.ref.index,
    at: ctx.ref.at,
    author: ctx.author,
    cost: ctx.header.cost,
    quality: ctx.header.quality,
    latency: ctx.header.latency,
    trust,
    score,
  });
  return ok;
}

/**
 * The award must go to the best-scoring bid on the board (ties to the earliest), so a
 * manager cannot favour a friend. The winner joins the coalition holding the new subtask,
 * which the blocked subtasks now depend on; the manager's role ends here.
 */
export function award(ctx: RuleContext<{ gap: string; winner: string; bid: string; score: number }>): Verdict {
  const c = ctx.case!;
  const g = c.gaps.get(ctx.header.gap);
  if (!g) return no('E_UNKNOWN_REF', 'no such gap');
  if (g.author !== ctx.author) return no('E_NOT_PERMITTED', "only the gap's finder awards");
  if (g.status !== 'announced') return no('E_STATE', `gap is ${g.status}`);
  if (g.withdrawn) return no('E_STATE', 'the gap was withdrawn by validation');
  if (!gapLive(gapSupport(g), ctx.entry.at, ctx.config.gapDecay)) return no('E_STATE', 'the gap evaporated: no member endorsed it in time');
  if (g.endorsements.length < ctx.config.gapEndorsementsToAward) return no('E_QUORUM', 'the gap lacks the endorsements an award needs');
  const chosen = g.bids.find((b) => b.id === ctx.header.bid);
  if (!chosen || chosen.author !== ctx.header.winner) return no('E_UNKNOWN_REF', 'the award names no bid of the winner');
  const best = [...g.bids].sort((a, b) => b.score - a.score || a.index - b.index)[0]!;
  if (best.id !== chosen.id) return no('E_MISSTATED', 'the award passes over a better-scoring bid');
  if (Math.abs(chosen.score - ctx.header.score) > 1e-6) return no('E_MISSTATED', 'the award states a score the board does not compute');
  g.status = 'awarded';
  g.award = { id: ctx.ref.id, index: ctx.ref.index, at: ctx.ref.at, winner: chosen.author, bid: chosen.id };
  if (!c.members.has(chosen.author)) {
    const card = ctx.state.cards.get(chosen.author)!;
    c.members.set(chosen.author, { did: chosen.author, org: card.card.provider.did, role: card.card.role, via: 'contract-net', since: ctx.ref });
  }
  c.subtasks.set(g.subtask.id, {
    id: g.subtask.id,
    title: g.subtask.title,
    skill: g.skill,
    deps: [...g.subtask.deps],
    confidence: 1,
    outputs: g.subtask.outputs,
    origin: { gap: g.id },
    claimant: chosen.author,
    claim: ctx.ref,
    leaseMs: ctx.config.awardLeaseMs,
    leaseUntil: ctx.entry.at + ctx.config.awardLeaseMs,
    blockedBy: [],
  });
  for (const b of g.subtask.blocks) {
    const s = c.subtasks.get(b)!;
    s.deps.push(g.subtask.id);
    s.blockedBy = s.blockedBy.filter((x) => x !== g.id);
  }
  return ok;
}
