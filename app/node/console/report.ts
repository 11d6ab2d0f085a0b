import PDFDocument from 'pdfkit';
import type { AuditView, DisclosureMatrix, OrgRef } from './protocol.js';

export interface AuditReportInput {
  org: OrgRef;
  generatedAt: number;
  audit: AuditView;
  matrices: DisclosureMatrix[];
}

/**
 * The compliance reviewer's audit report as a PDF: board verification (chains, signatures,
 * equivocations, Merkle root), the organization's audit-trail verification, the
 * minimum-necessary matrix of each case, and the trail itself. Ids and codes only: no PHI.
 */
export function auditReportPdf(r: AuditReportInput): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 48, info: { Title: `Murmur audit report — ${r.org.name}`, Author: 'Murmur console', CreationDate: new Date(r.generatedAt) } });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    const h = (text: string): void => void doc.moveDown(0.8).font('Helvetica-Bold').fontSize(13).text(text).moveDown(0.3).font('Helvetica').fontSize(9.5);
    const line = (text: string): void => void doc.text(text);

    doc.font('Helvetica-Bold').fontSize(18).text('Murmur audit report');
    doc.font('Helvetica').fontSize(10).text(`${r.org.name} (${r.org.kind})`).text(r.org.did.length > 90 ? `${r.org.did.slice(0, 90)}…` : r.org.did).text(`Generated ${new Date(r.generatedAt).toISOString()}`);

    const b = r.audit.board;
    h('1. Board integrity');
    line(`Entries: ${b.entries} (accepted ${b.accepted}, rejected ${b.rejected}, duplicates ${b.duplicates}); head index ${b.head}.`);
    line(`Author chains: ${b.authors} authors, ${b.chainsIntact ? 'all intact' : `${b.brokenChains.length} broken`}. Equivocations: ${b.equivocations}.`);
    line(`Merkle root over entry ids: ${b.merkleRoot}`);
    for (const x of b.brokenChains) line(`  broken: ${x.author} at #${x.index}: ${x.reason}`);

    const t = r.audit.trail;
    h('2. Audit trail of this organization');
    line(t.ok ? `Verified: ${t.count} entries, hash chain intact, head ${t.head}.` : `BROKEN at entry ${t.index}: ${t.reason}`);

    h('3. Minimum-necessary matrix');
    for (const m of r.matrices) {
      doc.font('Helvetica-Bold').text(`Case ${m.case} — ${m.withinPolicy ? 'within policy' : 'OUTSIDE POLICY'}`).font('Helvetica');
      for (const el of m.elements) {
        const cells = m.orgs.map((o) => {
          const c = m.cells.find((x) => x.org === o.id && x.element === el.id);
          const mark = !c ? '?' : c.couldDecrypt ? (c.didDecrypt ? 'read' : 'key') : c.mayRead ? 'may' : '—';
          return `${o.id}:${mark}`;
        });
        line(`  ${el.id.padEnd(44)} ${cells.join('  ')}`);
      }
      for (const f of m.fhirReads) line(`  FHIR elements read by ${f.actor}: ${f.elements.join(', ')}`);
      doc.moveDown(0.4);
    }
    line('Legend: read = opened (this organization), key = holds a key, may = allowed but not taken, — = not allowed.');

    h('4. Audit trail');
    for (const e of r.audit.entries) {
      if (doc.y > doc.page.height - 72) doc.addPage();
      line(`#${e.index} ${new Date(e.at).toISOString()} ${e.kind} ${e.outcome} ${e.case ?? ''} ${e.subtask ?? ''} ${e.section ?? ''} ${e.reasons?.join(',') ?? ''} ${e.elements?.join(',') ?? ''}`.replace(/\s+/g, ' '));
    }
    doc.end();
  });
}
