import type { FoldRecord } from '../../core/board/fold.js';
import type { StoredEntry } from '../../core/board/store.js';
import { authorDid } from '../../core/board/envelope.js';
import { isKind } from '../../core/board/kinds.js';
import type { CoalitionState } from '../../core/coordination/case-state.js';
import { KIND_DEFS } from '../../core/coordination/kinds/registry.js';
import type { Phase } from '../../core/coordination/kinds/define.js';
import { roundsOpenedTrace } from '../../core/coordination/rules/belief-update.js';

export type { Phase } from '../../core/coordination/kinds/define.js';

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
  code?: FoldRecord['code'];
  reason?: string;
}

/**
 * One trace line per case entry, from the cleartext of the log only (headers hold no PHI),
 * named by the agents' cards.
 */
export function traceLine(record: FoldRecord, entry: StoredEntry, state: CoalitionState): TraceLine | undefined {
  if (!record.case) return undefined;
  const c = state.cases.get(record.case);
  const access = record.kind === 'AccessRequest' || record.kind === 'KeyGrant';
  const author = authorDid(record.author);
  const name = (did: string): string => state.cards.get(did)?.card.name ?? did.slice(0, 16);
  const org = (did: string): string => state.cards.get(did)?.card.provider.organization ?? '?';
  const label = isKind(record.kind)
    ? KIND_DEFS[record.kind].label(entry.envelope.header, {
        case: c,
        record: { id: record.id, status: record.status, ...(record.subtask ? { subtask: record.subtask } : {}) },
        name,
      })
    : undefined;
  if (!label || (!label.phase && !access)) return undefined;
  const { phase } = label;
  // The entry whose fold opened the belief rounds (the last proposal, or the closing vote) says so.
  const opened = record.status === 'accepted' ? roundsOpenedTrace(c, record.id) : undefined;
  const text = opened ? `${label.text}; ${opened}` : label.text;
  return {
    phase,
    index: record.index,
    actor: `${org(author)} / ${name(author)}`,
    kind: record.kind,
    text,
    status: record.status,
    ...(record.code ? { code: record.code } : {}),
    ...(record.reason ? { reason: record.reason } : {}),
  };
}

export function formatTraceLine(t: TraceLine, color: boolean): string {
  const dim = (s: string): string => (color ? `\x1b[2m${s}\x1b[0m` : s);
  const bold = (s: string): string => (color ? `\x1b[1m${s}\x1b[0m` : s);
  const red = (s: string): string => (color ? `\x1b[31m${s}\x1b[0m` : s);
  const tag = t.phase ? bold(t.phase) : dim('··');
  const head = `${tag} ${dim(`#${String(t.index).padStart(3)}`)} ${t.actor.padEnd(42)} ${t.kind === 'AccessRequest' || t.kind === 'KeyGrant' ? dim(t.text) : t.text}`;
  return t.status === 'rejected' ? `${head} ${red(`[rejected: ${t.reason}]`)}` : head;
}
