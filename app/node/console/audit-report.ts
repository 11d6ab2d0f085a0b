import { verifyAuditTrail, type AuditEvent } from '../../../core/access/audit.js';
import { authorDid } from '../../../core/board/envelope.js';
import type { CaseState } from '../../../core/coordination/case-state.js';
import { disclosureMatrix } from './disclosure.js';
import type { Projection } from './projection.js';
import type { AuditView } from './protocol.js';
import { auditReportPdf, type AuditReportInput } from './report.js';

/**
 * The organization's audit view and its audit report, built one way for the console
 * (GET /api/audit, /api/audit/report.pdf) and for `murmur audit report` over a run's data
 * folder: the same Projection over a live node or a re-folded board.
 */

type Entry = AuditView['entries'][number];

/** For a read or a grant: the entry, the AccessRequest and KeyGrant behind it, and the credential it rested on. */
export function accessBasis(p: Projection, ev: AuditEvent): Partial<Entry> {
  if (ev.kind === 'credential-check' || ev.kind === 'denial')
    return ev.credentials?.length ? { basis: `credentials checked: ${ev.credentials.join(', ')}` } : {};
  if ((ev.kind !== 'decrypt' && ev.kind !== 'grant') || !ev.envelope || !ev.case) return {};
  const c = p.state.cases.get(ev.case);
  const target = p.node.replica.fold.record(ev.envelope);
  const envelope = target ? { envelope: { id: target.id, index: target.index } } : {};
  const reader = ev.kind === 'decrypt' ? ev.actor : ev.counterparty;
  const req = c ? [...c.access.requests.values()].find((r) => r.requester === reader && r.target === ev.envelope && r.section === ev.section) : undefined;
  const creds = ev.credentials?.length ? `; credentials checked: ${ev.credentials.join(', ')}` : '';
  if (!req) {
    const own = target && authorDid(target.author) === reader;
    return { ...envelope, basis: own ? 'its own section (the author holds the key)' : `no access request on the board${creds}` };
  }
  const g = c!.access.grants.get(req.ref.id);
  return {
    ...envelope,
    request: { id: req.ref.id, index: req.ref.index },
    ...(g ? { grant: { id: g.ref.id, index: g.ref.index } } : {}),
    basis: `role credential "${req.role}" of ${p.actor(req.requester).orgName}, presented in the access request${g ? `, key granted by ${p.actor(g.grantor).name}` : ', no key granted'}${creds}`,
  };
}

/** The board's verification, the trail's hash-chain check, and each trail entry with its actors and basis. */
export function auditView(p: Projection): AuditView {
  const entries = p.node.audit.entries();
  const check = verifyAuditTrail(entries, p.node.audit.org);
  return {
    board: p.verifyBoard(),
    trail: check.ok ? { ok: true, count: check.count, head: check.head } : { ok: false, count: entries.length, index: check.index, reason: check.reason },
    entries: entries.map((e) => ({
      index: e.index,
      at: e.at,
      kind: e.event.kind,
      actor: p.actor(e.event.actor).name,
      ...(e.event.operator ? { operator: p.operators.get(e.event.operator)?.name ?? `operator ${e.event.operator}` } : {}),
      outcome: e.event.outcome,
      ...(e.event.case ? { case: e.event.case } : {}),
      ...(e.event.subtask ? { subtask: e.event.subtask } : {}),
      ...(e.event.section ? { section: e.event.section } : {}),
      ...(e.event.counterparty ? { counterparty: p.actor(e.event.counterparty).name } : {}),
      ...(e.event.reasons ? { reasons: e.event.reasons } : {}),
      ...(e.event.elements ? { elements: e.event.elements } : {}),
      hash: e.hash,
      ...accessBasis(p, e.event),
    })),
  };
}

export interface ReportScope {
  /** One case; or else every case opened in [from, to) (board time, ms), or all of them. */
  case?: CaseState;
  from?: number;
  to?: number;
}

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** What the report covers, in words, and the cases and trail entries in it. */
export function reportInput(p: Projection, scope: ReportScope, o: { generatedAt: number; operators: { id: string; name: string }[] }): AuditReportInput {
  const audit = auditView(p);
  const inPeriod = (at: number): boolean => (scope.from === undefined || at >= scope.from) && (scope.to === undefined || at < scope.to);
  const cases = scope.case ? [scope.case] : [...p.state.cases.values()].filter((c) => inPeriod(c.opened.at)).sort((a, b) => a.opened.index - b.opened.index);
  const ids = new Set(cases.map((c) => c.id));
  // A case's report keeps the trail entries about its cases; a period's, every entry in the period.
  const entries = scope.case ? audit.entries.filter((e) => e.case !== undefined && ids.has(e.case)) : audit.entries.filter((e) => inPeriod(e.at));
  const period =
    scope.from !== undefined || scope.to !== undefined
      ? `cases opened ${scope.from !== undefined ? `from ${day(scope.from)}` : ''}${scope.from !== undefined && scope.to !== undefined ? ' ' : ''}${scope.to !== undefined ? `before ${day(scope.to)}` : ''} (${cases.length})`
      : `all ${cases.length} cases on the board`;
  return {
    org: p.self,
    generatedAt: o.generatedAt,
    audit: { ...audit, entries },
    matrices: cases.map((c) => disclosureMatrix(p, c)),
    cases: cases.map((c) => p.caseView(c)),
    agents: p.agents(),
    operators: o.operators,
    scope: scope.case ? `case ${scope.case.id}` : period,
  };
}

/** The audit report as a PDF (./report.ts): the one the console exports and the CLI writes. */
export function auditReport(p: Projection, scope: ReportScope, o: { generatedAt: number; operators: { id: string; name: string }[] }): Promise<Buffer> {
  return auditReportPdf(reportInput(p, scope, o));
}
