import type { AuditReport } from './report-model.js';

const esc = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

function table(head: string[], rows: unknown[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** A marker per matrix cell: may read (policy), could decrypt (log), did decrypt (audit). */
export function matrixCell(r: AuditReport, org: string, element: string): string {
  const has = (m: Record<string, string[]>): boolean => m[org]?.includes(element) ?? false;
  const marks = [has(r.matrix.policy) ? 'may' : '', has(r.matrix.couldDecrypt) ? 'could' : '', has(r.matrix.didDecrypt) ? 'did' : ''].filter(Boolean);
  return marks.length ? marks.join(' · ') : '—';
}

/** A self-contained HTML report (no scripts, no external assets), for print or archive. */
export function renderReportHtml(r: AuditReport): string {
  const m = r.matrix;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Audit report — ${esc(r.caseId)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;color:#1e1e1e}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}.ok{color:#0a7d28}.bad{color:#b00020;font-weight:600}.note{color:#555}
</style></head><body>
<h1>Murmur audit report — case ${esc(r.caseId)}</h1>
<p class="note">Generated ${esc(r.generatedAt)} from the board's cleartext (signed headers) and the organizations' audit trails. It holds no clinical content.</p>
<h2>Integrity</h2>
<ul>${r.integrity.map((f) => `<li class="${f.ok ? 'ok' : 'bad'}">${esc(f.subject)}: ${esc(f.detail)}</li>`).join('')}</ul>
<h2>Case</h2>
${table(['status', 'outcome', 'policy', 'service', 'opened', 'dissolved'], [[r.summary.status, r.summary.outcome, r.summary.policy, r.summary.service, r.summary.openedAt, r.summary.dissolvedAt ?? '—']])}
<h2>Coalition</h2>
${table(['organization', 'agent', 'role', 'joined by'], r.members.map((x) => [x.organization, x.agent, x.role, x.via]))}
<h2>Plan</h2>
${table(['subtask', 'title', 'claimant', 'inputs', 'artifact entry'], r.subtasks.map((s) => [s.id, s.title, s.claimant, s.deps.join(', ') || '—', s.posted ? `#${s.posted}` : '—']))}
<h2>Minimum-necessary matrix</h2>
<p class="note">may = the disclosure policy lets its roles read it; could = the log shows it wrote it or was granted its key; did = its audit trail records a decrypt.</p>
${table(['element', ...m.organizations.map((o) => o.name)], m.elements.map((e) => [`${e.label} (${e.id})`, ...m.organizations.map((o) => matrixCell(r, o.name, e.id))]))}
<h3>Read at the FHIR source</h3>
${table(['organization', 'data elements'], m.organizations.map((o) => [o.name, (m.fhirRead[o.name] ?? []).join(', ') || '—']))}
<h2>Audit trails</h2>
${table(['organization', 'entries by kind'], r.trails.map((t) => [t.organization, Object.entries(t.counts).map(([k, v]) => `${k} ${v}`).join(', ') || '—']))}
<h2>Problems</h2>
${r.problems.length ? table(['entry', 'kind', 'author', 'reason'], r.problems.map((p) => [`#${p.index}`, p.kind, p.author, p.reason])) : '<p class="ok">No rejected entries.</p>'}
<h2>Timeline</h2>
${table(['phase', 'entry', 'who', 'what'], r.timeline.map((t) => [t.phase ?? '', `#${t.index}`, t.actor, t.status === 'rejected' ? `${t.text} [rejected: ${t.reason}]` : t.text]))}
</body></html>
`;
}
