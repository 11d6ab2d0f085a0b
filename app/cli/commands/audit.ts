import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { parseCommandArgs, type Command } from '../args.js';

const Dir = z.string({ error: 'is required: the --data-dir of a run (holds board.db and audit/)' }).min(1);

export const auditVerify: Command = {
  name: 'audit verify',
  summary: "check the board against its co-signed tree heads and every audit trail; name the first broken link",
  usage: `Usage: murmur audit verify --data-dir DIR [--json]

Checks a run's board (every row readable, indexes dense, board time monotonic; every
signature, envelope id and per-author chain; equivocation), checks the board against the
RFC 9162 tree heads each organization co-signed (heads/*.jsonl: a consistency proof from each
head, an inclusion proof for each entry), and each organization's hash-chained audit trail.
Names the first broken link of each: a cut, deleted, reordered or edited entry at its index.

  --data-dir DIR   the folder of a run (board.db, heads/*.jsonl, audit/*.jsonl)
  --json           print the findings as JSON

Exit status: 0 when everything holds, 1 when a link is broken, 2 on bad input.`,
  options: { 'data-dir': { type: 'string' }, json: { type: 'boolean' } },
  async run(argv) {
    const { values, help } = parseCommandArgs(this, argv, z.object({ 'data-dir': Dir, json: z.boolean().default(false) }));
    if (help) return void process.stdout.write(`${this.usage}\n`), 0;
    const { verifyRun } = await import('../../node/audit/verify.js');
    const result = await verifyRun(values['data-dir']);
    if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else for (const f of result.findings) process.stdout.write(`${f.ok ? 'ok     ' : 'BROKEN '} ${f.subject}: ${f.detail}\n`);
    return result.ok ? 0 : 1;
  },
};

const Index = (what: string) => z.coerce.number({ error: `must be a board index (${what})` }).int(`must be a whole board index (${what})`).min(1).max(Number.MAX_SAFE_INTEGER);

export const auditProve: Command = {
  name: 'audit prove',
  summary: "an RFC 9162 inclusion (and consistency) proof for a board entry, as any transparency-log tool checks it",
  usage: `Usage: murmur audit prove --data-dir DIR --index N [--size M] [--from K]

Prints, as JSON, the proof that the board entry at index N is in the board's Merkle tree of M
entries (RFC 9162: leaf SHA-256(0x00 || leaf), node SHA-256(0x01 || left || right)): the
leaf's bytes and hash, the audit path, the root, and the heads the organizations signed for
that size and root. With --from K, also the consistency proof from the tree of K entries.

  --data-dir DIR   the folder of a run (board.db, heads/*.jsonl)
  --index N        the entry's board index (1-based; the leaf index is N-1)
  --size M         the tree size (default: every entry of the archive)
  --from K         also prove that the tree of K entries is a prefix of the tree of M`,
  options: { 'data-dir': { type: 'string' }, index: { type: 'string' }, size: { type: 'string' }, from: { type: 'string' } },
  async run(argv) {
    const schema = z.object({ 'data-dir': Dir, index: Index('from 1'), size: Index('the tree size').optional(), from: Index('an earlier tree size').optional() });
    const { values, help } = parseCommandArgs(this, argv, schema);
    if (help) return void process.stdout.write(`${this.usage}\n`), 0;
    const { proveEntry } = await import('../../node/audit/prove.js');
    const proof = proveEntry(values['data-dir'], values.index, { ...(values.size ? { size: values.size } : {}), ...(values.from ? { from: values.from } : {}) });
    process.stdout.write(`${JSON.stringify(proof, null, 2)}\n`);
    return 0;
  },
};

export const auditReport: Command = {
  name: 'audit report',
  summary: 'write a compliance report for a case (HTML and PDF)',
  usage: `Usage: murmur audit report --case ID --data-dir DIR [--out FILE]

Re-folds the run's board with the coalition's rules, and writes a report a compliance
reviewer can read: integrity, coalition, plan, the minimum-necessary matrix (what each
organization may read, could decrypt and did decrypt), FHIR reads, problems and timeline.
Writes FILE.html and FILE.pdf (default: DIR/reports/<case>.html and .pdf).

  --case ID        the case id (as printed by the run)
  --data-dir DIR   the folder of a run
  --out FILE       report path without extension`,
  options: { case: { type: 'string' }, 'data-dir': { type: 'string' }, out: { type: 'string' } },
  async run(argv) {
    const schema = z.object({
      case: z.string({ error: 'is required: the case id' }).regex(/^[A-Za-z0-9._:-]{1,80}$/, 'is not a case id'),
      'data-dir': Dir,
      out: z.string().min(1).optional(),
    });
    const { values, help } = parseCommandArgs(this, argv, schema);
    if (help) return void process.stdout.write(`${this.usage}\n`), 0;
    const { buildAuditReport } = await import('../../node/audit/report-model.js');
    const { renderReportHtml } = await import('../../node/audit/report-html.js');
    const { renderReportPdf } = await import('../../node/audit/report-pdf.js');
    const report = await buildAuditReport(values['data-dir'], values.case);
    const base = (values.out ?? join(values['data-dir'], 'reports', values.case)).replace(/\.(html|pdf)$/, '');
    mkdirSync(dirname(base), { recursive: true });
    writeFileSync(`${base}.html`, renderReportHtml(report));
    writeFileSync(`${base}.pdf`, await renderReportPdf(report));
    process.stdout.write(`${base}.html\n${base}.pdf\n`);
    return 0;
  },
};
