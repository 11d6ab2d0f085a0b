import { AcceptSchema, AgentCardEnvelopeSchema, InvitationSchema, TaskAvailableSchema } from '../messages.js';
import { accept, agentCard, invitation, taskAvailable } from '../rules/bootstrap.js';
import { defineKind } from './define.js';

/** T0: a request opens a case, a convener invites founders from the directory of cards. */
export const TaskAvailableKind = defineKind({
  kind: 'TaskAvailable',
  header: TaskAvailableSchema,
  mayPost: 'card-holder',
  rule: taskAvailable,
  trace: { phase: 'T0', text: (h) => `request for ${h.service.code} under policy ${h.policy.id} ${h.policy.version}` },
});

/** The directory of agents: belongs to no case. */
export const AgentCardKind = defineKind({ kind: 'AgentCard', header: AgentCardEnvelopeSchema, mayPost: 'agent', rule: agentCard });

export const InvitationKind = defineKind({
  kind: 'Invitation',
  header: InvitationSchema,
  mayPost: 'card-holder',
  rule: invitation,
  trace: { phase: 'T0', text: (h, v) => `convenes ${h.invitees.map(v.name).join(', ')} (from its cache of agent cards)` },
});

export const AcceptKind = defineKind({
  kind: 'Accept',
  header: AcceptSchema,
  mayPost: 'invitee',
  rule: accept,
  trace: { phase: 'T0', text: (_h, v) => `accepts (${v.case?.members.size ?? '?'} members)` },
});
