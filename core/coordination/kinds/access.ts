import type { CaseState } from '../case-state.js';
import { AccessRequestSchema, KeyGrantHeaderSchema, RevocationSchema } from '../messages.js';
import { defineKind } from './define.js';

/**
 * The access layer's kinds. Their rules need the access layer (key grants, challenges, status
 * lists), which sits above coordination, so they are defined here without one and
 * core/access/rules.ts supplies it with `withRule` (a node folding without a charter keeps
 * them as records with no effect).
 */
function targetName(c: CaseState, id: string): string {
  if (c.opened.id === id || c.updates.some((u) => u.id === id)) return 'case';
  for (const s of c.subtasks.values()) if (s.artifact?.id === id) return s.id;
  return id.slice(0, 8);
}

export const AccessRequestKind = defineKind({
  kind: 'AccessRequest',
  header: AccessRequestSchema,
  mayPost: 'member',
  trace: {
    text: (h, v) =>
      `asks to read ${v.case ? targetName(v.case, h.target) : '?'}/${h.section}${v.record.status === 'rejected' ? '' : ' (presentation verified)'}`,
  },
});

export const KeyGrantKind = defineKind({
  kind: 'KeyGrant',
  header: KeyGrantHeaderSchema,
  mayPost: 'section-author',
  trace: { text: (h, v) => `grants ${v.name(h.grantee)} the key to ${v.case ? targetName(v.case, h.target) : '?'}/${h.section}` },
});

/** Belongs to no case: an issuer revokes one of its credentials, as of the entry's index. */
export const RevocationKind = defineKind({ kind: 'Revocation', header: RevocationSchema, mayPost: 'issuer-org' });
