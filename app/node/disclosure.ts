import type { AuditEntry } from '../../core/access/audit.js';
import { disclosureMatrix, type DisclosureMatrix } from '../../core/access/matrix.js';
import { ELEMENT_LABELS } from '../../core/agents/domain/sections.js';
import { MurmurError } from '../../core/common/errors.js';
import type { Coalition } from './coalition.js';

/**
 * The minimum-necessary matrix of a case as the whole coalition sees it: the log from one
 * node's replica (all replicas agree), and every organization's audit trail.
 */
export function coalitionMatrix(coalition: Coalition, caseId: string): DisclosureMatrix {
  const replica = coalition.payer.replica;
  const c = replica.state.cases.get(caseId);
  if (!c) throw new MurmurError('E_NOT_FOUND', `no case ${caseId} on the board`);
  const audits = new Map<string, readonly AuditEntry[]>(coalition.nodes.map((n) => [n.did, n.audit.entries()]));
  return disclosureMatrix({ case: c, cards: replica.state.cards, audits, labels: ELEMENT_LABELS, envelope: (id) => replica.entry(id)?.envelope });
}
