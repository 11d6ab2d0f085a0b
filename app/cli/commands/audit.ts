import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { parseCommandArgs, type Command } from '../args.js';

const Dir = z.string({ error: 'is required: the --data-dir of a run (holds board.db and audit/)' }).min(1);

export const auditVerify: Command = {
  name: 'audit verify',
  summary: 'check the board against its co-signed tree heads and every audit trail; name the first broken link',
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
    if (help) return (void process.stdout.write(`${this.usage}\n`), 0);
    const { verifyRun } = await import('../../node/audit/verify.js');
    const result = await verifyRun(values['data-dir']);
    if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else for (const f of result.findings) process.stdout.write(`${f.ok ? 'ok     ' : 'BROKEN '} ${f.subject}: ${f.detail}\n`);
    return result.ok ? 0 : 1;
  },
};

const Index = (what: string) =>
  z.coerce
    .number({ error: `must be a board index (${what})` })
    .int(`must be a whole board index (${what})`)
    .min(1)
    .max(Number.MAX_SAFE_INTEGER);

export const auditProve: Command = {
  name: 'audit prove',
  summary: 'an RFC 9162 inclusion (and consistency) proof for a board entry, as any transparency-log tool checks it',
  usage: `Usage: murmur audit prove --data-dir DIR --index N [--size M] [--from K]

Prints, as JSON, the proof that the board entry at index N is in the board's Merkle tree of M
entries (RFC 9162: leaf SHA-256(0x00 || leaf), node SHA-256(0x01 || left || right)): the
leaf's bytes and hash, the audit path, the root, and the heads the organizations signed for
that size and root. Witnesses sign a head per batch of entries; for a size between batches,
"vouchedBy" gives the next size they signed, its heads, and the consistency proof from M to
it. With --from K, also the consistency proof from the tree of K entries.

  --data-dir DIR   the folder of a run (board.db, heads/*.jsonl)
  --index N        the entry's board index (1-based; the leaf index is N-1)
  --size M         the tree size (default: every entry of the archive)
  --from K         also prove that the tree of K entries is a prefix of the tree of M`,
  options: { 'data-dir': { type: 'string' }, index: { type: 'string' }, size: { type: 'string' }, from: { type: 'string' } },
  async run(argv) {
    const schema = z.object({
      'data-dir': Dir,
      index: Index('from 1'),
      size: Index('the tree size').optional(),
      from: Index('an earlier tree size').optional(),
    });
    const { values, help } = parseCommandArgs(this, argv, schema);
    if (help) return (void process.stdout.write(`${this.usage}\n`), 0);
    const { proveEntry } = await import('../../node/audit/prove.js');
    const proof = proveEntry(values['data-dir'], values.index, {
      ...(values.size ? { size: values.size } : {}),
      ...(values.from ? { from: values.from } : {}),
    });
    process.stdout.write(`${JSON.stringify(proof, null, 2)}\n`);
    return 0;
  },
};

const When = (what: string) => z.coerce.date({ error: `must be a date such as 2026-01-31 (${what})` });

export const auditReport: Command = {
  name: 'audit report',
  summary: "write an organization's audit report (PDF) for a case or a period: the one its console exports",
  usage: `Usage: murmur audit report --data-dir DIR [--org ID] [--case ID | --from DATE --to DATE] [--out FILE]

Re-folds the run's board with the coalition's rules and writes, from one organization's point
of view, the same audit report its console exports (Audit view, "Export report"): the verdict
(board chains, equivocations, Merkle root, the organization's hash-chained audit trail, minimum
necessary), each case's outcome with operator decisions, the actors (agents with their
credentials, the organization's operators), the minimum-necessary matrix with the access
requests and key grants behind each cell, and the audit trail with the credential or proof
each read rested on, all as tables on numbered pages. No clinical content.

  --data-dir DIR   the folder of a run (board.db, charter.json, audit/<org>.jsonl)
  --org ID         whose report (default: the payer); its trail and operators
  --case ID        one case (as printed by the run)
  --from DATE      a period instead: cases opened on or after DATE (ISO 8601)
  --to DATE        … and before DATE
  --out FILE       the PDF to write (default DIR/reports/<org>-<case or period>.pdf)

Exit status: 0 when written, 2 on bad input.`,
  options: {
    case: { type: 'string' },
    'data-dir': { type: 'string' },
    org: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    out: { type: 'string' },
  },
  async run(argv) {
    const schema = z
      .object({
        case: z
          .string()
          .regex(/^[A-Za-z0-9._:-]{1,80}$/, 'is not a case id')
          .optional(),
        'data-dir': Dir,
        org: z
          .string()
          .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'is not an organization id')
          .optional(),
        from: When('--from').optional(),
        to: When('--to').optional(),
        out: z.string().min(1).optional(),
      })
      .refine((v) => !(v.case && (v.from || v.to)), { message: 'give either --case or a period (--from/--to), not both', path: ['case'] });
    const { values, help } = parseCommandArgs(this, argv, schema);
    if (help) return (void process.stdout.write(`${this.usage}\n`), 0);
    const { orgViewOfRun } = await import('../../node/audit/org-view.js');
    const { Projection } = await import('../../node/console/projection.js');
    const { auditReport } = await import('../../node/console/audit-report.js');
    const { MurmurError } = await import('../../../core/common/errors.js');
    const { view, directory, operators } = await orgViewOfRun(values['data-dir'], values.org);
    const p = new Projection(view, directory);
    // The board carries operator ids and keys (the fold verified each signature); the wallet, names.
    for (const c of p.state.cases.values()) {
      const op = c.adjudication?.operator;
      const name = op && operators.find((o) => o.id === op.id)?.name;
      if (op && name) p.operators.set(op.id, { name, key: op.key });
    }
    const only = values.case !== undefined ? p.state.cases.get(values.case) : undefined;
    if (values.case !== undefined && !only)
      throw new MurmurError('E_INPUT', `case: no case ${values.case} on this board; cases: ${[...p.state.cases.keys()].join(', ') || 'none'}`, {
        field: 'case',
      });
    const generatedAt = Date.now();
    const pdf = await auditReport(
      p,
      { ...(only ? { case: only } : {}), ...(values.from ? { from: values.from.getTime() } : {}), ...(values.to ? { to: values.to.getTime() } : {}) },
      { generatedAt, operators },
    );
    const day = (d: Date): string => d.toISOString().slice(0, 10);
    const what = only
      ? only.id
      : values.from || values.to
        ? `${values.from ? day(values.from) : 'start'}-to-${values.to ? day(values.to) : 'now'}`
        : 'all-cases';
    const out = values.out ?? join(values['data-dir'], 'reports', `${view.spec.id}-${what}.pdf`);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, pdf);
    process.stdout.write(`${out}\n`);
    return 0;
  },
};
