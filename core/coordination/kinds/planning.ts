import { PlanCommitSchema, ProposalSchema, VoteSchema } from '../messages.js';
import { BeliefUpdateSchema, beliefTrace, beliefUpdate, CLOSE_BELIEF_ROUND } from '../rules/belief-update.js';
import { CLOSE_PROPOSALS, vote } from '../rules/consensus.js';
import { planCommit, proposal } from '../rules/planning.js';
import { defineKind } from './define.js';

/** T1: founders propose subtasks, the proposals merge, a quorum signs the plan. */
export const ProposalKind = defineKind({
  kind: 'Proposal',
  header: ProposalSchema,
  mayPost: 'member',
  rule: proposal,
  trace: { phase: 'T1', text: (h) => `proposes ${h.subtasks.map((s) => `${s.id}@${s.confidence}`).join(', ')}` },
});

/** A member's row of a belief-fusion round (rules/belief-update.ts: checked against the fold's own fusion). */
export const BeliefUpdateKind = defineKind({
  kind: 'BeliefUpdate',
  header: BeliefUpdateSchema,
  mayPost: 'member',
  rule: beliefUpdate,
  trace: { phase: 'T1', text: (h, v) => beliefTrace(v.case, v.record.id, { round: h.round, beliefs: h.beliefs }) },
});

export const PlanCommitKind = defineKind({
  kind: 'PlanCommit',
  header: PlanCommitSchema,
  mayPost: 'member',
  rule: planCommit,
  trace: {
    phase: 'T1',
    text: (h, v) =>
      v.case?.planCommitted?.id === v.record.id && v.case.plan
        ? `signs plan ${h.planHash.slice(0, 8)}; quorum reached: ${v.case.plan.subtasks.map((s) => s.id).join(' → ')}`
        : `signs plan ${h.planHash.slice(0, 8)}`,
  },
});

export const VoteKind = defineKind({
  kind: 'Vote',
  header: VoteSchema,
  mayPost: 'member',
  rule: vote,
  trace: {
    phase: 'T1',
    text: (h, v) =>
      h.topic === CLOSE_BELIEF_ROUND
        ? beliefTrace(v.case, v.record.id, { choice: h.choice })
        : h.topic === CLOSE_PROPOSALS
          ? 'votes to close the proposal round'
          : `asks for a recount of plan ${h.choice.slice(0, 8)}`,
  },
});
