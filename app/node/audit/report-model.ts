import type { CaseState } from '../../../core/coordination/case-state.js';
import { authorDid } from '../../../core/board/envelope.js';
import { MurmurError } from '../../../core/common/errors.js';
import { disclosureMatrix, type DisclosureMatrix } from '../../../core/access/matrix.js';
import { ELEMENT_LABELS } from '../../../core/agents/domain/sections.js';
import { traceLine, type TraceLine } from '../trace.js';
import { auditFiles, auditsByOrg, refold } from './board-state.js';
import { verifyRun, type Finding } from './verify.js';

/** Everything a compliance reviewer's report shows; built from cleartext and audit trails only. */
export interface AuditReport {
  generatedAt: string;
  caseId: string;
  integrity: Finding[];
  summary: { status: string; outcome: string; policy: string; service: string; openedAt: string; dissolvedAt?: string };
  members: { organization: string; agent: string; role: string; via: string }[];
  subtasks: { id: string; title: string; claimant: string; deps: string[]; posted?: number }[];
  timeline: TraceLine[];
  matrix: DisclosureMatrix;
  problems: { index: number; kind: string; author: string; reason: string }[];
  trails: { organization: string; counts: Record<string, number> }[];
}

export async function buildAuditReport(dataDir: string, caseId: string, now = new Date()): Promise<AuditReport> {
  const replica = await refold(dataDir);
  const state = replica.state;
  const c: CaseState | undefined = state.cases.get(caseId);
  if (!c) throw new MurmurError('E_INPUT', `no case ${caseId} on this board; cases: ${[...state.cases.keys()].join(', ') || 'none'}`, { field: 'case' });
  const name = (did: string): string => state.cards.get(did)?.card.name ?? did.slice(0, 24);
  const orgName = (did: string): string => [...state.cards.values()].find((r) => r.card.provider.did === did)?.card.provider.organization ?? did.slice(0, 24);
  const audits = auditsByOrg(auditFiles(dataDir));
  const records = replica.fold.records.filter((r) => r.case === caseId);
  const iso = (ms: number): string => new Date(ms).toISOString();
  return {
    generatedAt: now.toISOString(),
    caseId,
    integrity: (await verifyRun(dataDir)).findings,
    summary: {
      status: c.status,
      // What the determination decided is sealed to its readers; the reviewer sees its closure.
      outcome: c.outcome ? (c.outcome.closure === 'open' ? 'pended' : 'decided (sealed to the payer)') : 'none',
      policy: `${c.task.policy.id} ${c.task.policy.version}`,
      service: c.task.service.code,
      openedAt: iso(c.opened.at),
      ...(c.dissolved ? { dissolvedAt: iso(c.dissolved.at) } : {}),
    },
    members: [...c.members.values()].map((m) => ({ organization: orgName(m.org), agent: name(m.did), role: m.role, via: m.via })),
    subtasks: [...c.subtasks.values()].map((s) => ({
      id: s.id,
      title: s.title,
      claimant: s.claimant ? name(s.claimant) : '—',
      deps: s.deps,
      ...(s.artifact ? { posted: s.artifact.index } : {}),
    })),
    timeline: records.flatMap((r) => {
      const t = traceLine(r, replica.entry(r.id)!, state);
      return t ? [t] : [];
    }),
    matrix: disclosureMatrix({ case: c, cards: state.cards, audits, labels: ELEMENT_LABELS, envelope: (id) => replica.entry(id)?.envelope }),
    problems: records.filter((r) => r.status === 'rejected').map((r) => ({ index: r.index, kind: r.kind, author: name(authorDid(r.author)), reason: r.reason ?? '' })),
    trails: [...audits.entries()].map(([org, entries]) => {
      const counts: Record<string, number> = {};
      for (const e of entries) if (e.event.case === caseId || e.event.kind === 'credential-check') counts[e.event.kind] = (counts[e.event.kind] ?? 0) + 1;
      return { organization: orgName(org), counts };
    }),
  };
}
