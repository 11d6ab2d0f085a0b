import { AdjudicationSchema, CaseCancelSchema, CaseUpdateSchema, DissolvedSchema, DoneVoteSchema, ReputationUpdateSchema } from '../messages.js';
import { caseCancel } from '../rules/cancellation.js';
import { adjudication, caseUpdate, doneVote, dissolved, reputationUpdate } from '../rules/closing.js';
import { defineKind } from './define.js';

/** T6: done votes, dissolution, the board's Shapley attribution. */
export const DoneVoteKind = defineKind({
  kind: 'DoneVote',
  header: DoneVoteSchema,
  mayPost: 'member',
  rule: doneVote,
  trace: { phase: 'T6', text: (_h, v) => `votes done (${v.case?.doneVotes.length ?? '?'}/${v.case?.members.size ?? '?'})` },
});

export const DissolvedKind = defineKind({
  kind: 'Dissolved',
  header: DissolvedSchema,
  mayPost: 'member',
  rule: dissolved,
  trace: { phase: 'T6', text: (h) => `dissolves the coalition (${h.votes}/${h.members} done votes)` },
});

export const ReputationUpdateKind = defineKind({
  kind: 'ReputationUpdate',
  header: ReputationUpdateSchema,
  mayPost: 'member',
  rule: reputationUpdate,
  trace: {
    phase: 'T6',
    text: (h, v) =>
      `reputation by Shapley: ${Object.entries(h.deltas)
        .map(([k, d]) => `${v.name(k)} ${d >= 0 ? '+' : ''}${d}`)
        .join(', ')}`,
  },
});

/** The requester's side after a pend: an operator's decision, new information, a cancel. */
export const AdjudicationKind = defineKind({
  kind: 'Adjudication',
  header: AdjudicationSchema,
  mayPost: 'requester-org',
  rule: adjudication,
  // What the operator decided is sealed: the trace shows the closure and the coded reason.
  trace: { phase: 'T6', text: (h) => `operator adjudicates the pended case: ${h.closure === 'final' ? 'DECIDED' : 'INFORMATION REQUESTED'} (${h.reasonCode})` },
});

export const CaseUpdateKind = defineKind({
  kind: 'CaseUpdate',
  header: CaseUpdateSchema,
  mayPost: 'requester-org',
  rule: caseUpdate,
  trace: { phase: 'T0', text: (h) => `resumes the pended case with new information: round ${h.round} (${h.reasonCode})` },
});

export const CaseCancelKind = defineKind({
  kind: 'CaseCancel',
  header: CaseCancelSchema,
  mayPost: 'requester-org',
  rule: caseCancel,
  trace: {
    phase: 'T6',
    text: (h) =>
      h.scope === 'case' ? `the requester cancels the request (${h.reasonCode})` : `the requester cancels items ${h.items.join(', ')} (${h.reasonCode})`,
  },
});
