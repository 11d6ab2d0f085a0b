import PDFDocument from 'pdfkit';
import type { AgentView, AuditView, CaseView, DisclosureMatrix, OrgRef } from './protocol.js';

export interface AuditReportInput {
  org: OrgRef;
  generatedAt: number;
  audit: AuditView;
  matrices: DisclosureMatrix[];
  /** The cases the report covers (one, or a period's), with their outcomes and operator decisions. */
  cases: CaseView[];
  /** Every agent on the board (actors and counterparties). */
  agents: AgentView[];
  /** This organization's operators (display names are its own; the board carries ids). */
  operators: { id: string; name: string }[];
  /** What the report covers, in words: "case case-…" or "all cases on the board". */
  scope: string;
  /** Deflate the page streams (default); tests read the text uncompressed. */
  compress?: boolean;
}

type Doc = InstanceType<typeof PDFDocument>;
interface Column {
  title: string;
  width: number;
}

const FONT = 8.5;

/**
 * A table that wraps each cell in its column and repeats its header on a new page. pdfkit has
 * no tables; widths are fractions of the text width.
 */
function table(doc: Doc, columns: Column[], rows: string[][]): void {
  const left = doc.page.margins.left;
  const full = doc.page.width - left - doc.page.margins.right;
  const widths = columns.map((c) => c.width * full);
  const pad = 3;
  const rowHeight = (cells: string[], bold: boolean): number => {
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(FONT);
    return Math.max(...cells.map((t, i) => doc.heightOfString(t || ' ', { width: widths[i]! - 2 * pad }))) + 2 * pad;
  };
  const drawRow = (cells: string[], bold: boolean): void => {
    const hgt = rowHeight(cells, bold);
    if (doc.y + hgt > doc.page.height - doc.page.margins.bottom) {
      doc.addPage();
      if (!bold)
        drawRow(
          columns.map((c) => c.title),
          true,
        );
    }
    const y = doc.y;
    if (bold) doc.save().rect(left, y, full, hgt).fill('#e8e8e8').restore();
    let x = left;
    doc
      .font(bold ? 'Helvetica-Bold' : 'Helvetica')
      .fontSize(FONT)
      .fillColor('#000');
    cells.forEach((t, i) => {
      doc.text(t, x + pad, y + pad, { width: widths[i]! - 2 * pad });
      x += widths[i]!;
    });
    doc
      .save()
      .moveTo(left, y + hgt)
      .lineTo(left + full, y + hgt)
      .lineWidth(0.4)
      .strokeColor('#999')
      .stroke()
      .restore();
    doc.x = left;
    doc.y = y + hgt;
  };
  drawRow(
    columns.map((c) => c.title),
    true,
  );
  for (const r of rows) drawRow(r, false);
  doc.moveDown(0.6);
}

const iso = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');

/**
 * The compliance reviewer's audit report as a PDF: scope and actors, each case's outcome and
 * operator decisions, board integrity, the organization's audit-trail verification, the
 * minimum-necessary matrix, and the trail with the basis and board entries of each read, all as
 * tables, with page numbers. Ids, codes and names of organizations, agents and operators only:
 * no PHI.
 */
export function auditReportPdf(r: AuditReportInput): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({
      size: 'A4',
      margin: 48,
      bufferPages: true,
      compress: r.compress ?? true,
      info: { Title: `Murmur audit report - ${r.org.name} - ${r.scope}`, Author: 'Murmur console', CreationDate: new Date(r.generatedAt) },
    });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    const heading = (text: string): void => {
      if (doc.y > doc.page.height - 120) doc.addPage();
      doc.moveDown(0.6).font('Helvetica-Bold').fontSize(12).fillColor('#000').text(text, doc.page.margins.left).moveDown(0.3).font('Helvetica').fontSize(9.5);
    };
    const para = (text: string): void => void doc.font('Helvetica').fontSize(9.5).text(text, doc.page.margins.left);

    doc.font('Helvetica-Bold').fontSize(18).text('Murmur audit report');
    doc
      .font('Helvetica')
      .fontSize(10)
      .text(`${r.org.name} — ${r.scope}`)
      .text(`Generated ${iso(r.generatedAt)}`);
    doc
      .fontSize(8)
      .fillColor('#555')
      .text(r.org.did.length > 110 ? `${r.org.did.slice(0, 110)}…` : r.org.did)
      .fillColor('#000');

    const b = r.audit.board;
    const t = r.audit.trail;
    heading('1. Verdict');
    table(
      doc,
      [
        { title: 'Check', width: 0.35 },
        { title: 'Result', width: 0.65 },
      ],
      [
        ['Board entries', `${b.entries} (accepted ${b.accepted}, rejected ${b.rejected}, duplicates ${b.duplicates}); head #${b.head}`],
        ['Author chains (seq, prev, signatures)', `${b.authors} authors, ${b.chainsIntact ? 'all intact' : `${b.brokenChains.length} broken`}`],
        ['Equivocations', String(b.equivocations)],
        ['Merkle root over entry ids', b.merkleRoot],
        [
          "This organization's audit trail",
          t.ok ? `verified: ${t.count} entries, hash chain intact, head ${t.head ?? ''}` : `BROKEN at entry ${t.index}: ${t.reason}`,
        ],
        [
          'Minimum necessary',
          r.matrices.every((m) => m.withinPolicy)
            ? 'every case within policy'
            : `OUTSIDE POLICY: ${r.matrices
                .filter((m) => !m.withinPolicy)
                .map((m) => m.case)
                .join(', ')}`,
        ],
      ],
    );
    for (const x of b.brokenChains) para(`Broken chain: ${x.author} at #${x.index}: ${x.reason}`);

    heading('2. Cases, outcomes and operator decisions');
    table(
      doc,
      [
        { title: 'Case', width: 0.22 },
        { title: 'Service · policy', width: 0.18 },
        { title: 'Opened', width: 0.16 },
        { title: 'Coalition', width: 0.1 },
        { title: 'Operator decision', width: 0.22 },
        { title: 'Outcome now', width: 0.12 },
      ],
      r.cases.map((c) => [
        c.id,
        `${c.service} · ${c.policy}`,
        `#${c.opened.index} ${iso(c.opened.at)}`,
        (c.outcome ?? 'undecided').toUpperCase(),
        c.adjudication
          ? `${c.adjudication.outcome} (${c.adjudication.reasonCode}) by ${c.adjudication.by.operator ?? c.adjudication.by.name}, #${c.adjudication.index} ${iso(c.adjudication.at)}`
          : '—',
        c.current.outcome.toUpperCase(),
      ]),
    );

    heading('3. Actors');
    const orgName = new Map(r.agents.map((a) => [a.name, a.orgName]));
    table(
      doc,
      [
        { title: 'Agent', width: 0.22 },
        { title: 'Organization', width: 0.24 },
        { title: 'Role', width: 0.2 },
        { title: 'Credentials', width: 0.34 },
      ],
      r.agents.map((a) => [a.name, a.orgName, a.role, a.credentials.join(', ') || '—']),
    );
    if (r.operators.length)
      table(
        doc,
        [
          { title: `Operator of ${r.org.name}`, width: 0.5 },
          { title: 'Id on the board', width: 0.5 },
        ],
        r.operators.map((o) => [o.name, o.id]),
      );

    heading('4. Minimum-necessary matrix');
    for (const m of r.matrices) {
      para(`Case ${m.case} — ${m.withinPolicy ? 'within policy' : 'OUTSIDE POLICY'}`);
      const share = 0.56 / m.orgs.length;
      table(
        doc,
        [{ title: 'Data element', width: 0.26 }, { title: 'Readers (policy)', width: 0.18 }, ...m.orgs.map((o) => ({ title: o.name, width: share }))],
        m.elements.map((el) => [
          el.id,
          el.readers.join(', ') || 'nobody (author only)',
          ...m.orgs.map((o) => {
            const c = m.cells.find((x) => x.org === o.id && x.element === el.id);
            const mark = !c ? '?' : c.couldDecrypt ? (c.didDecrypt ? 'read' : 'key') : c.mayRead ? 'may' : '—';
            const access = (c?.access ?? []).map((a) => `req #${a.request.index}${a.grant ? ` -> grant #${a.grant.index}` : ''}`).join('; ');
            return access ? `${mark} (${access})` : mark;
          }),
        ]),
      );
      for (const f of m.fhirReads) para(`FHIR elements read by ${f.actor}: ${f.elements.join(', ')}`);
    }
    para("read = opened (this organization's trail) · key = holds a key (author or key grant) · may = allowed, no key taken · — = not allowed.");

    heading('5. Audit trail (reads, grants, refusals, credential checks)');
    table(
      doc,
      [
        { title: '#', width: 0.05 },
        { title: 'Time', width: 0.14 },
        { title: 'Event', width: 0.1 },
        { title: 'Actor -> counterparty', width: 0.17 },
        { title: 'Case · section', width: 0.17 },
        { title: 'Basis', width: 0.25 },
        { title: 'Entries', width: 0.12 },
      ],
      r.audit.entries.map((e) => [
        String(e.index),
        iso(e.at),
        `${e.kind} (${e.outcome})`,
        `${e.actor}${orgName.get(e.actor) ? ` (${orgName.get(e.actor)})` : ''}${e.operator ? ` for ${e.operator}` : ''}${e.counterparty ? ` -> ${e.counterparty}` : ''}`,
        [e.case, e.subtask && e.subtask !== e.case ? e.subtask : '', e.section].filter(Boolean).join(' · '),
        e.basis ?? (e.elements ?? e.reasons ?? []).join(', '),
        [e.envelope ? `#${e.envelope.index}` : '', e.request ? `req #${e.request.index}` : '', e.grant ? `grant #${e.grant.index}` : '']
          .filter(Boolean)
          .join(', '),
      ]),
    );

    const range = doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      doc.switchToPage(i);
      const bottom = doc.page.margins.bottom;
      doc.page.margins.bottom = 0;
      doc
        .font('Helvetica')
        .fontSize(8)
        .fillColor('#555')
        .text(`${r.org.name} · Murmur audit report · ${r.scope} · page ${i + 1} of ${range.count}`, doc.page.margins.left, doc.page.height - 30, {
          width: doc.page.width - doc.page.margins.left - doc.page.margins.right,
          align: 'center',
          lineBreak: false,
        });
      doc.page.margins.bottom = bottom;
    }
    doc.end();
  });
}
