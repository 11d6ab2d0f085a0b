import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import Database from 'better-sqlite3';
import { MurmurError } from '../../../core/common/errors.js';
import type { KeyResolver } from '../../../core/crypto/signing.js';
import type { StoredEntry } from '../../../core/board/store.js';
import type { Envelope } from '../../../core/board/envelope.js';
import { fromHex, MerkleFrontier, toHex, verifyConsistency, verifyInclusion } from '../../../core/board/merkle.js';
import { BoardTree, checkTreeHead, WitnessedLeafSchema, type TreeHead } from '../../../core/board/tree-head.js';

/** One row of the board file, read without trusting it: `entry` when its body parses. */
export interface BoardRow {
  index: number;
  at: number;
  id: string;
  entry?: StoredEntry;
}

/** A problem found at a board index; the earliest is the first broken link. */
export interface LogProblem {
  index: number;
  reason: string;
}

/**
 * Reads the board file row by row, straight from SQLite (read-only), so that a body that is
 * not JSON is named by its index instead of aborting the read.
 */
export function readBoardRows(path: string): { rows: BoardRow[]; problems: LogProblem[] } {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw new MurmurError('E_INPUT', `${path} cannot be opened as a board (${e instanceof Error ? e.message.slice(0, 120) : 'unreadable'})`, {
      field: 'data-dir',
    });
  }
  try {
    const rows: BoardRow[] = [];
    const problems: LogProblem[] = [];
    let stmt: Database.Statement;
    try {
      stmt = db.prepare('SELECT idx, id, at, body FROM entries ORDER BY idx');
    } catch (e) {
      throw new MurmurError('E_INPUT', `${path} holds no board entries table (${e instanceof Error ? e.message.slice(0, 120) : 'unreadable'})`, {
        field: 'data-dir',
      });
    }
    for (const raw of stmt.iterate() as Iterable<{ idx: unknown; id: unknown; at: unknown; body: unknown }>) {
      const index = Number(raw.idx);
      const at = typeof raw.at === 'number' && Number.isInteger(raw.at) ? raw.at : NaN;
      const row: BoardRow = { index, at, id: typeof raw.id === 'string' ? raw.id : '' };
      if (Number.isNaN(at)) problems.push({ index, reason: 'its board time is not a whole number' });
      let envelope: unknown;
      try {
        envelope = JSON.parse(String(raw.body));
      } catch {
        problems.push({ index, reason: 'its envelope is not JSON (the file was edited or damaged)' });
        rows.push(row);
        continue;
      }
      const e = envelope as Partial<Envelope> | null;
      if (e && typeof e === 'object' && typeof e.id === 'string') row.id = e.id;
      row.entry = { index, at, envelope: envelope as Envelope };
      rows.push(row);
    }
    return { rows, problems };
  } finally {
    db.close();
  }
}

/** Indexes must run 1, 2, 3, … and board time must never run backwards. */
export function sequenceProblems(rows: readonly BoardRow[]): LogProblem[] {
  const out: LogProblem[] = [];
  let lastAt = -Infinity;
  for (const [i, row] of rows.entries()) {
    const due = (rows[i - 1]?.index ?? 0) + 1;
    if (row.index !== due) {
      out.push({
        index: due,
        reason: row.index > due ? `missing: the board goes from #${due - 1} to #${row.index} (deleted)` : `out of order: #${row.index} follows #${due - 1}`,
      });
    }
    if (row.at < lastAt) out.push({ index: row.index, reason: 'its board time runs backwards' });
    if (!Number.isNaN(row.at)) lastAt = Math.max(lastAt, row.at);
  }
  return out;
}

/**
 * A head as found in an organization's heads file: one it signed (`signed`), or the root the
 * file's leaf lines give for a size below a signed head that vouches for them.
 */
export interface FoundHead {
  head: Pick<TreeHead, 'size' | 'root' | 'witness'>;
  /** The signed head itself; absent for a size the leaf lines give. */
  signed?: TreeHead;
  file: string;
  line: number;
}

/** Every heads file (`heads/<org>.jsonl`): its heads, and a problem for each line that is not what it should be. */
export function readHeads(dataDir: string, keys: KeyResolver): { heads: FoundHead[]; problems: string[]; files: number } {
  const dir = join(dataDir, 'heads');
  const heads: FoundHead[] = [];
  const problems: string[] = [];
  if (!existsSync(dir)) return { heads, problems, files: 0 };
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort();
  for (const f of files) {
    const file = basename(f, '.jsonl');
    const lines = readFileSync(join(dir, f), 'utf8').split('\n');
    const leaves = new FileLeaves();
    for (const [i, text] of lines.entries()) {
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        // A last line without its newline was torn by a crash mid-write (the witness drops it
        // on restart); dropping a head only ever weakens the check, so it hides nothing.
        if (i === lines.length - 1) continue;
        problems.push(`heads ${file}: line ${i + 1} is not JSON`);
        continue;
      }
      if (typeof value === 'object' && value !== null && 'leaf' in value) {
        const problem = leaves.add(value, i + 1);
        if (problem) problems.push(`heads ${file}: line ${i + 1}: ${problem}`);
        continue;
      }
      const check = checkTreeHead(value, keys);
      if (!check.ok) {
        problems.push(`heads ${file}: line ${i + 1}: ${check.reason}`);
        continue;
      }
      const vouched = leaves.vouch(check.head);
      if (vouched.problem) problems.push(`heads ${file}: line ${i + 1}: ${vouched.problem}`);
      for (const v of vouched.heads) heads.push({ head: { size: v.size, root: v.root, witness: check.head.witness }, file, line: v.line });
      heads.push({ head: check.head, signed: check.head, file, line: i + 1 });
    }
  }
  return { heads, problems, files: files.length };
}

/**
 * A heads file's leaf lines, rebuilt into the witness's tree: each size's root waits for the
 * next signed head, and counts once that head's root is the one the leaves give.
 */
class FileLeaves {
  private readonly tree = new MerkleFrontier();
  private pending: { size: number; root: string; line: number }[] = [];
  /** Off after a gap: later leaves cannot be placed (a file written before leaf lines starts without them). */
  private placing = true;

  add(value: object, line: number): string | undefined {
    const parsed = WitnessedLeafSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return `schema: ${issue.path.join('.') || '(root)'}: ${issue.message}`;
    }
    if (!this.placing) return undefined;
    if (parsed.data.size !== this.tree.size + 1) {
      this.placing = false;
      this.pending = [];
      return this.tree.size === 0 ? undefined : `a leaf for #${parsed.data.size} where #${this.tree.size + 1} was due (lines removed or moved)`;
    }
    this.tree.appendHash(fromHex(parsed.data.leaf));
    this.pending.push({ size: this.tree.size, root: toHex(this.tree.root()), line });
    return undefined;
  }

  /** The sizes a signed head vouches for: those since the last head, if its root is the leaves'. */
  vouch(head: TreeHead): { heads: { size: number; root: string; line: number }[]; problem?: string } {
    const pending = this.pending;
    if (!this.placing || pending.length === 0 || head.size !== this.tree.size) return { heads: [] };
    this.pending = [];
    if (pending.at(-1)!.root === head.root) return { heads: pending.slice(0, -1) };
    return { heads: [], problem: `the leaf lines before this head do not hash to its root (#${pending[0]!.size}–#${head.size} edited)` };
  }
}

export interface LogCheck {
  /** Problems at an index that the heads reveal (truncation, a changed entry). */
  problems: LogProblem[];
  /** Problems that belong to no index (two witnesses disagree). */
  notes: string[];
  /** The archive's own root over all its rows. */
  root: string;
  /** The largest head that holds, its witnesses, and how many inclusion proofs verified under it. */
  covered?: { size: number; root: string; witnesses: string[]; inclusion: number };
  /** The largest head any witness signed. */
  largest: number;
}

/**
 * Checks the archive against the co-signed heads: each head must be consistent with the
 * archive's tree (RFC 9162 consistency proof from the head to the archive), a head larger
 * than the archive names the first entry cut from its end, and every entry the largest
 * holding head covers must have an inclusion proof under it. There is a head for every size
 * (signed per batch, the sizes between given by the leaf lines it vouches for), so the first
 * head that fails, next to the last that holds below it, names the first index that was
 * removed, reordered or edited.
 */
export function checkAgainstHeads(rows: readonly BoardRow[], found: readonly FoundHead[], nameOf: (witness: string) => string): LogCheck {
  const tree = new BoardTree();
  // Leaves by position: after a renumbered deletion the archive's k-th row is what the
  // witnesses must have seen at k, and the heads tell whether it is.
  for (const [i, r] of rows.entries()) tree.append({ index: i + 1, at: Number.isNaN(r.at) ? -1 : r.at, id: r.id });
  const n = tree.size;
  const full = tree.tree.root();
  const problems: LogProblem[] = [];
  const notes: string[] = [];

  const bySize = new Map<number, Map<string, Set<string>>>();
  for (const { head } of found) {
    const roots = bySize.get(head.size) ?? new Map<string, Set<string>>();
    roots.set(head.root, (roots.get(head.root) ?? new Set()).add(head.witness));
    bySize.set(head.size, roots);
  }
  const sizes = [...bySize.keys()].sort((a, b) => a - b);
  const largest = sizes.at(-1) ?? 0;
  for (const size of sizes) {
    const roots = bySize.get(size)!;
    if (roots.size > 1) {
      const who = [...roots.values()].map((ws) => [...ws].map(nameOf).join(', '));
      notes.push(
        `split view: for ${size} entries the witnesses signed ${roots.size} different roots (${who.join(' / ')}): the board showed them different logs`,
      );
    }
  }

  // The first head that does not hold, and the largest that holds below it.
  let good = 0;
  let firstBad: { size: number; witnesses: string[] } | undefined;
  for (const size of sizes) {
    const roots = bySize.get(size)!;
    const witnesses = [...new Set([...roots.values()].flatMap((s) => [...s]))];
    if (size > n) {
      firstBad ??= { size, witnesses };
      continue;
    }
    const proof = tree.tree.consistencyProof(size, n);
    const holds = [...roots.keys()].some((root) => verifyConsistency(size, n, fromHex(root), full, proof));
    if (holds && !firstBad) good = size;
    else if (!holds) firstBad ??= { size, witnesses };
  }
  if (firstBad) {
    const who = firstBad.witnesses.map(nameOf).join(', ');
    if (firstBad.size > n && good === n) {
      problems.push({
        index: n + 1,
        reason: `missing: the archive ends at #${n}, but ${who} signed heads of up to ${largest} entries (entries #${n + 1}–#${largest} were cut)`,
      });
    } else if (firstBad.size === good + 1) {
      problems.push({ index: firstBad.size, reason: `not the entry ${who} signed at #${firstBad.size} (removed, reordered or edited)` });
    } else {
      problems.push({
        index: good + 1,
        reason: `an entry in #${good + 1}–#${Math.min(firstBad.size, n + 1)} is not what ${who} signed (removed, reordered or edited)`,
      });
    }
  }

  let covered: LogCheck['covered'];
  if (good > 0) {
    const roots = bySize.get(good)!;
    const root = [...roots.keys()].find((r) => r === toHex(tree.tree.root(good)))!;
    let inclusion = 0;
    for (let i = 0; i < good; i++) if (verifyInclusion(tree.tree.leaf(i), i, good, tree.tree.inclusionProof(i, good), fromHex(root))) inclusion++;
    covered = { size: good, root, witnesses: [...roots.get(root)!].map(nameOf), inclusion };
  }
  return { problems, notes, root: toHex(full), ...(covered ? { covered } : {}), largest };
}
