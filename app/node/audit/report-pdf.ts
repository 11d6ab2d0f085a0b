import PDFDocument from 'pdfkit';
import type { AuditReport } from './report-model.js';
import { matrixCell } from './report-html.js';

/** The same report as a PDF (pdfkit: pure JS, so no browser is needed to print it). */
export function renderReportPdf(r: AuditReport): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 48, info: { Title: `Murmur audit report ${r.caseId}` } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  const h = (text: string): void => void doc.moveDown(0.8).font('Helvetica-Bold').fontSize(13).text(text).moveDown(0.3).font('Helvetica').fontSize(9.5);
  const line = (text: string): void => void doc.text(text);

  doc.font('Helvetica-Bold').fontSize(18).text(`Murmur audit report — case ${r.caseId}`);
  doc.font('Helvetica').fontSize(9).fillColor('#555').text(`Generated ${r.generatedAt} from the board's signed cleartext and the organizations' audit trails. No clinical content.`).fillColor('black');
  h('Integrity');
  for (const f of r.integrity) doc.fillColor(f.ok ? '#0a7d28' : '#b00020').text(`${f.ok ? 'OK ' : 'BROKEN '} ${f.subject}: ${f.detail}`);
  doc.fillColor('black');
  h('Case');
  line(`Status ${r.summary.status}; outcome ${r.summary.outcome}; policy ${r.summary.policy}; service ${r.summary.service}`);
  line(`Opened ${r.summary.openedAt}${r.summary.dissolvedAt ? `; dissolved ${r.summary.dissolvedAt}` : ''}`);
  h('Coalition');
  for (const m of r.members) line(`${m.organization} / ${m.agent} — role ${m.role}, joined by ${m.via}`);
  h('Plan');
  for (const s of r.subtasks) line(`${s.id}: ${s.title}; claimant ${s.claimant}; inputs ${s.deps.join(', ') || '—'}; artifact ${s.posted ? `#${s.posted}` : '—'}`);
  h('Minimum-necessary matrix (may · could · did)');
  for (const e of r.matrix.elements) {
    doc.font('Helvetica-Bold').text(e.label).font('Helvetica');
    for (const o of r.matrix.organizations) line(`    ${o.name}: ${matrixCell(r, o.name, e.id)}`);
  }
  h('Read at the FHIR source');
  for (const o of r.matrix.organizations) line(`${o.name}: ${(r.matrix.fhirRead[o.name] ?? []).join(', ') || '—'}`);
  h('Audit trails');
  for (const t of r.trails) line(`${t.organization}: ${Object.entries(t.counts).map(([k, v]) => `${k} ${v}`).join(', ') || '—'}`);
  h('Problems');
  if (r.problems.length === 0) line('No rejected entries.');
  for (const p of r.problems) line(`#${p.index} ${p.kind} by ${p.author}: ${p.reason}`);
  h('Timeline');
  for (const t of r.timeline) line(`${t.phase ?? '  '} #${t.index} ${t.actor} — ${t.text}${t.status === 'rejected' ? ` [rejected: ${t.reason}]` : ''}`);
  doc.end();
  return done;
}
