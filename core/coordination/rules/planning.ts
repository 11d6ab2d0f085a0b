import type { Verdict } from '../../board/fold.js';
import type { Proposal } from '../messages.js';
import { quorumBase } from './closing.js';
import { openBeliefRounds } from './belief-update.js';
import { no, ok, type RuleContext } from './context.js';

/** Each founder proposes once; when all have, every node computes the same merged plan. */
export function proposal(ctx: RuleContext<Proposal>): Verdict {
  const c = ctx.case!;
  if (c.status !== 'planning') return no('E_PHASE', `proposals are taken while planning, and the case is ${c.status}`);
  if (c.proposals.has(ctx.author)) return no('E_ALREADY', 'a member proposes once');
  if (c.proposalsClosed) return no('E_STATE', 'the proposal round is closed');
  c.proposals.set(ctx.author, { ...ctx.header, ref: ctx.ref });
  if ([...c.members.keys()].every((m) => c.proposals.has(m))) computePlan(ctx);
  return ok;
}

/**
 * The proposals are in: every node opens the same belief rounds from them, which end in the
 * same plan (rules/belief-update.ts), at once when the proposals already agree within ε.
 */
export function computePlan(ctx: RuleContext): void {
  openBeliefRounds(ctx);
}

/** A member signs the merged plan's hash; a quorum of signatures commits it. */
export function planCommit(ctx: RuleContext<{ planHash: string }>): Verdict {
  const c = ctx.case!;
  if (!c.plan) return no('E_UNKNOWN_REF', 'no merged plan to commit yet');
  if (ctx.header.planHash !== c.plan.hash) return no('E_MISSTATED', 'signed plan hash differs from the merged plan');
  if (c.planSigners.includes(ctx.author)) return no('E_ALREADY', 'already signed');
  c.planSigners.push(ctx.author);
  // Signatures after the quorum are kept (every founder's assent is on record).
  commitIfQuorum(ctx);
  return ok;
}

/** Commits the plan once a quorum of (present) members signed its hash. */
export function commitIfQuorum(ctx: RuleContext): void {
  const c = ctx.case!;
  if (c.planCommitted || !c.plan) return;
  const base = quorumBase(ctx.state, ctx.config, c, ctx.entry.at, c.planningSince?.at, c.planSigners);
  if (c.planSigners.length >= Math.ceil(ctx.config.planQuorum * base)) {
    c.planCommitted = ctx.ref;
    c.status = 'executing';
    // Spelled out, not spread: a spread object with added fields gets a V8 hidden class (and a property store) of its own.
    for (const s of c.plan.subtasks) {
      c.subtasks.set(s.id, {
        id: s.id,
        title: s.title,
        skill: s.skill,
        deps: [...s.deps],
        confidence: s.confidence,
        outputs: s.outputs,
        origin: 'plan',
        blockedBy: [],
      });
    }
  }
}
