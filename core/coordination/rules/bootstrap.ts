import type { Verdict } from '../../board/fold.js';
import type { CaseState } from '../case-state.js';
import type { AgentCard, TaskAvailable } from '../messages.js';
import { mayConvene, roleMay } from '../roles.js';
import { credentialOf, credentialRefused, no, ok, type RuleContext } from './context.js';

/** An agent publishes its own card; the latest card wins. */
export function agentCard(ctx: RuleContext<AgentCard & { presentation?: unknown }>): Verdict {
  const { presentation: _vp, ...card } = ctx.header;
  if (card.did !== ctx.author) return no('E_SELF', 'an agent card must be signed by the agent it describes');
  if (ctx.config.requireCredentials) {
    const cred = credentialOf(ctx);
    if (!cred?.ok) return credentialRefused('card', cred);
    if (cred.role !== card.role) return no('E_CREDENTIAL', `card claims role ${card.role} but its credential confers ${cred.role}`);
    if (cred.organization !== card.provider.did || cred.organizationKind !== card.provider.kind) {
      return no('E_CREDENTIAL', 'card names another organization than its accreditation');
    }
  }
  const unfit = card.skills.find((s) => !roleMay(ctx.config.capabilities, card.role, s.id));
  if (unfit) return no('E_ROLE', `card lists skill ${unfit.id}, which role ${card.role} may not exercise`);
  ctx.state.cards.set(ctx.author, { card, ref: ctx.ref });
  return ok;
}

export function taskAvailable(ctx: RuleContext<TaskAvailable>): Verdict {
  const id = ctx.entry.envelope.case!;
  if (ctx.case) return no('E_CASE_EXISTS', 'case already exists');
  const c: CaseState = {
    id,
    status: 'open',
    requester: ctx.author,
    task: ctx.header,
    opened: ctx.ref,
    round: 0,
    updates: [],
    history: [],
    invitees: [],
    members: new Map(),
    proposals: new Map(),
    planSigners: [],
    subtasks: new Map(),
    gaps: new Map(),
    doneVotes: [],
    access: { requests: new Map(), grants: new Map() },
    invitations: [],
    everInvited: [],
    votes: new Map(),
    waits: new Map(),
    deadlocks: [],
    lapses: [],
    spent: new Set(),
  };
  ctx.state.cases.set(id, c);
  return ok;
}

/**
 * Anyone with a card may convene a case (calling the meeting, not chairing it): the first
 * Invitation fixes the convener and the founders invited from the directory of cards.
 */
export function invitation(ctx: RuleContext<{ invitees: string[] }>): Verdict {
  const c = ctx.case!;
  if (c.status === 'convening') return reinvite(ctx);
  if (c.status !== 'open') return no('E_PHASE', `cannot convene a case that is ${c.status}`);
  const card = ctx.state.cards.get(ctx.author);
  if (!card) return no('E_NO_CARD', 'the convener has no agent card on the board');
  const unknown = ctx.header.invitees.find((d) => !ctx.state.cards.has(d));
  if (unknown) return no('E_NO_CARD', 'an invitee has no agent card on the board');
  if (ctx.header.invitees.includes(ctx.author)) return no('E_SELF', 'a convener does not invite itself');
  if (ctx.config.rotateConvener && !mayConvene(ctx.state, c, ctx.author, ctx.entry.at, ctx.config.convenerTimeoutMs)) {
    return no('E_TOO_EARLY', "not this agent's turn to convene the case");
  }
  c.convener = ctx.author;
  c.invitation = ctx.ref;
  c.invitations.push(ctx.ref.id);
  c.invitees = [...ctx.header.invitees];
  c.everInvited = [...ctx.header.invitees];
  c.members.set(ctx.author, { did: ctx.author, org: card.card.provider.did, role: card.card.role, via: 'convener', since: ctx.ref });
  c.status = 'convening';
  return ok;
}

/**
 * The convener replaces invitees who did not accept within the window (crashed or gone):
 * the new invitation keeps those who accepted and names the rest afresh. If the convener is
 * gone too, any member may do it after a second window.
 */
function reinvite(ctx: RuleContext<{ invitees: string[] }>): Verdict {
  const c = ctx.case!;
  // The convener re-invites after one window; any member after two (the convener may be gone).
  const windows = ctx.author === c.convener ? 1 : c.members.has(ctx.author) ? 2 : 0;
  if (windows === 0) return no('E_NOT_PERMITTED', 'only the convener or a member re-invites');
  if (ctx.entry.at < c.invitation!.at + windows * ctx.config.acceptWindowMs) return no('E_TOO_EARLY', 'the accept window of the last invitation is still open');
  if (ctx.header.invitees.some((d) => !ctx.state.cards.has(d))) return no('E_NO_CARD', 'an invitee has no agent card on the board');
  if (ctx.header.invitees.includes(ctx.author)) return no('E_SELF', 'a convener does not invite itself');
  const accepted = c.invitees.filter((d) => c.members.has(d));
  c.invitees = [...new Set([...accepted, ...ctx.header.invitees])];
  c.everInvited = [...new Set([...c.everInvited, ...ctx.header.invitees])];
  c.invitation = ctx.ref;
  c.invitations.push(ctx.ref.id);
  startPlanningIfAllIn(c, ctx);
  return ok;
}

function startPlanningIfAllIn(c: CaseState, ctx: RuleContext): void {
  if (c.invitees.every((d) => c.members.has(d))) {
    c.status = 'planning';
    c.planningSince = ctx.ref;
  }
}

export function accept(ctx: RuleContext<{ invitation: string }>): Verdict {
  const c = ctx.case!;
  if (c.status !== 'convening') return no('E_PHASE', `cannot accept while the case is ${c.status}`);
  if (!c.invitations.includes(ctx.header.invitation)) return no('E_UNKNOWN_REF', "accepts an invitation that is not this case's");
  if (c.members.has(ctx.author)) return no('E_ALREADY', 'already a member');
  const card = ctx.state.cards.get(ctx.author)!;
  c.members.set(ctx.author, { did: ctx.author, org: card.card.provider.did, role: card.card.role, via: 'invitation', since: ctx.ref });
  startPlanningIfAllIn(c, ctx);
  return ok;
}
