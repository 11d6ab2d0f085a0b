import type { FoldRecord } from '../../core/board/fold.js';
import type { StoredEntry } from '../../core/board/store.js';
import { authorDid } from '../../core/board/envelope.js';
import type { CaseState, CoalitionState } from '../../core/coordination/case-state.js';
import { beliefTrace, CLOSE_BELIEF_ROUND, roundsOpenedTrace } from '../../core/coordination/rules/belief-update.js';
import { CLOSE_PROPOSALS } from '../../core/coordination/rules/consensus.js';

export type Phase = 'T0' | 'T1' | 'T2' | 'T3' | 'T4' | 'T5' | 'T6';

export const PHASE_TITLES: Record<Phase, string> = {
  T0: 'bootstrap',
  T1: 'consensual decomposition',
  T2: 'self-assignment',
  T3: 'parallel execution',
  T4: 'emergent growth',
  T5: 'downstream',
  T6: 'dissolution',
};

export interface TraceLine {
  /** Undefined for access entries, which belong to whatever phase is under way. */
  phase: Phase | undefined;
  index: number;
  actor: string;
  kind: string;
  text: string;
  status: FoldRecord['status'];
  reason?: string;
}

/** A subtask runs downstream when it came from a gap or waits on another subtask's output. */
function downstream(c: CaseState | undefined, subtask: string | undefined): boolean {
  const s = subtask ? c?.subtasks.get(subtask) : undefined;
  return !!s && (s.origin !== 'plan' || s.deps.length > 0);
}

function phaseOf(kind: string, c: CaseState | undefined, subtask: string | undefined): Phase | undefined {
  switch (kind) {
    case 'TaskAvailable':
    case 'Invitation':
    case 'Accept':
      return 'T0';
    case 'Proposal':
    case 'BeliefUpdate':
    case 'Vote':
    case 'PlanCommit':
      return 'T1';
    case 'Claim':
      return 'T2';
    case 'Gap':
      return 'T3';
    case 'Artifact':
      return downstream(c, subtask) ? 'T5' : 'T3';
    case 'Announce':
    case 'Bid':
    case 'Award':
      return 'T4';
    case 'DoneVote':
    case 'Dissolved':
    case 'ReputationUpdate':
    case 'Adjudication':
      return 'T6';
    case 'CaseUpdate':
      return 'T0';
    case 'CaseCancel':
      return 'T6';
    default:
      return undefined;
  }
}

/**
 * One trace line per case entry, from the cleartext of the log only (headers hold no PHI),
 * named by the agents' cards.
 */
export function traceLine(record: FoldRecord, entry: StoredEntry, state: CoalitionState): TraceLine | undefined {
  if (!record.case) return undefined;
  const c = state.cases.get(record.case);
  const access = record.kind === 'AccessRequest' || record.kind === 'KeyGrant';
  const phase = phaseOf(record.kind, c, record.subtask);
  if (!phase && !access) return undefined;
  const name = (did: string): string => state.cards.get(did)?.card.name ?? did.slice(0, 16);
  const org = (did: string): string => state.cards.get(did)?.card.provider.organization ?? '?';
  const author = authorDid(record.author);
  const h = entry.envelope.header as Record<string, unknown>;
  let text = '';
  switch (record.kind) {
    case 'TaskAvailable': {
      const p = h.policy as { id: string; version: string };
      text = `request for ${(h.service as { code: string }).code} under policy ${p.id} ${p.version}`;
      break;
    }
    case 'Invitation':
      text = `convenes ${(h.invitees as string[]).map(name).join(', ')} (from its cache of agent cards)`;
      break;
    case 'Accept':
      text = `accepts (${c?.members.size ?? '?'} members)`;
      break;
    case 'Proposal': {
      const subs = (h.subtasks as { id: string; confidence: number }[]).map((s) => `${s.id}@${s.confidence}`);
      text = `proposes ${subs.join(', ')}`;
      break;
    }
    case 'BeliefUpdate':
      text = beliefTrace(c, record.id, { round: Number(h.round), beliefs: h.beliefs as Record<string, number> });
      break;
    case 'Vote':
      text =
        h.topic === CLOSE_BELIEF_ROUND
          ? beliefTrace(c, record.id, { choice: String(h.choice) })
          : h.topic === CLOSE_PROPOSALS
            ? 'votes to close the proposal round'
            : `asks for a recount of plan ${String(h.choice).slice(0, 8)}`;
      break;
    case 'PlanCommit':
      text = c?.planCommitted?.id === record.id
        ? `signs plan ${String(h.planHash).slice(0, 8)}; quorum reached: ${c.plan!.subtasks.map((s) => s.id).join(' → ')}`
        : `signs plan ${String(h.planHash).slice(0, 8)}`;
      break;
    case 'Claim': {
      const s = c?.subtasks.get(record.subtask ?? '');
      const waits = s && s.deps.length ? ` (waits on ${s.deps.join(', ')})` : '';
      text = `claims ${record.subtask}${waits}`;
      break;
    }
    case 'Artifact':
      text = `posts ${record.subtask}${h.outcome ? `: ${String(h.outcome).toUpperCase()}` : ''}`;
      break;
    case 'Gap':
      text = `capability gap "${h.skill}" (${h.reasonCode}), suggests ${h.suggested ? name(String(h.suggested)) : 'nobody'}`;
      break;
    case 'Announce':
      text = `manages a contract net for ${h.gap}`;
      break;
    case 'Bid':
      text = `bids on ${h.gap}: cost ${h.cost}, quality ${h.quality}, latency ${h.latency}`;
      break;
    case 'Award':
      text = `awards ${h.gap} to ${name(String(h.winner))} (score ${Number(h.score).toFixed(3)}); coalition grows to ${c?.members.size ?? '?'}`;
      break;
    case 'DoneVote':
      text = `votes done (${c?.doneVotes.length ?? '?'}/${c?.members.size ?? '?'})`;
      break;
    case 'Dissolved':
      text = `dissolves the coalition (${h.votes}/${h.members} done votes)`;
      break;
    case 'AccessRequest': {
      const target = c ? targetName(c, String(h.target)) : '?';
      text = `asks to read ${target}/${h.section}${record.status === 'rejected' ? '' : ' (presentation verified)'}`;
      break;
    }
    case 'KeyGrant': {
      const target = c ? targetName(c, String(h.target)) : '?';
      text = `grants ${name(String(h.grantee))} the key to ${target}/${h.section}`;
      break;
    }
    case 'Adjudication':
      text = `operator adjudicates the pended case: ${String(h.outcome).toUpperCase()} (${String(h.reasonCode)})`;
      break;
    case 'CaseUpdate':
      text = `resumes the pended case with new information: round ${String(h.round)} (${String(h.reasonCode)})`;
      break;
    case 'CaseCancel':
      text = h.scope === 'case' ? `the requester cancels the request (${String(h.reasonCode)})` : `the requester cancels items ${(h.items as number[]).join(', ')} (${String(h.reasonCode)})`;
      break;
    case 'ReputationUpdate': {
      const d = h.deltas as Record<string, number>;
      text = `reputation by Shapley: ${Object.entries(d).map(([k, v]) => `${name(k)} ${v >= 0 ? '+' : ''}${v}`).join(', ')}`;
      break;
    }
  }
  // The entry whose fold opened the belief rounds (the last proposal, or the closing vote).
  const opened = record.status === 'accepted' ? roundsOpenedTrace(c, record.id) : undefined;
  if (opened) text += `; ${opened}`;
  return {
    phase,
    index: record.index,
    actor: `${org(author)} / ${name(author)}`,
    kind: record.kind,
    text,
    status: record.status,
    ...(record.reason ? { reason: record.reason } : {}),
  };
}

function targetName(c: CaseState, id: string): string {
  if (c.opened.id === id || c.updates.some((u) => u.id === id)) return 'case';
  for (const s of c.subtasks.values()) if (s.artifact?.id === id) return s.id;
  return id.slice(0, 8);
}

export function formatTraceLine(t: TraceLine, color: boolean): string {
  const dim = (s: string): string => (color ? `\x1b[2m${s}\x1b[0m` : s);
  const bold = (s: string): string => (color ? `\x1b[1m${s}\x1b[0m` : s);
  const red = (s: string): string => (color ? `\x1b[31m${s}\x1b[0m` : s);
  const tag = t.phase ? bold(t.phase) : dim('··');
  const head = `${tag} ${dim(`#${String(t.index).padStart(3)}`)} ${t.actor.padEnd(42)} ${t.kind === 'AccessRequest' || t.kind === 'KeyGrant' ? dim(t.text) : t.text}`;
  return t.status === 'rejected' ? `${head} ${red(`[rejected: ${t.reason}]`)}` : head;
}
