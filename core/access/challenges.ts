import type { CaseState, Subtask } from '../coordination/case-state.js';

/**
 * Board nonces that presentations are bound to. Each is derived from the log itself, so
 * the fold can recompute it, and changes whenever the thing it guards changes hands, so a
 * presentation can't be replayed for another subtask, epoch, section or key.
 */
export const CARD_DOMAIN = 'agent-directory';

export function cardChallenge(seq: number): string {
  return `agent-card:${seq}`;
}

/**
 * A claim's nonce, one per attempt: the committed plan, the subtask, and the entry that opened
 * this attempt — the claim it would succeed, else the release or revocation that freed the
 * subtask, else (in a later round of the case) the update that opened the round. A presentation
 * or nullifier spent on one attempt is never asked for again, so a freed subtask can be claimed
 * again, by the same agent too, while a replay within an attempt is still refused.
 */
export function claimChallenge(c: CaseState, s: Subtask): string {
  return `${c.planCommitted?.id ?? 'uncommitted'}:${s.id}:${s.claim?.id ?? s.freed?.id ?? c.updates.at(-1)?.id ?? 'open'}`;
}

/** An access request's nonce: the envelope and section it asks to read. */
export function accessChallenge(target: string, section: string): string {
  return `${target}:${section}`;
}

/** Where an envelope of the case sits: its subtask, or the case itself for the request. */
export interface TargetInfo {
  subtask: string;
  author: string;
  readers: readonly string[] | undefined;
}

export function targetOf(c: CaseState, target: string, section: string): TargetInfo | undefined {
  if (c.opened.id === target || c.updates.some((u) => u.id === target)) {
    return { subtask: c.id, author: c.requester, readers: section === 'request' ? c.task.requestReaders : undefined };
  }
  for (const s of c.subtasks.values()) {
    if (s.artifact?.id === target) {
      return { subtask: s.id, author: s.artifact.author, readers: s.outputs.find((o) => o.section === section)?.readers };
    }
  }
  return undefined;
}
