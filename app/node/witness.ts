import { closeSync, existsSync, mkdirSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../../core/common/log.js';
import type { KeyResolver, Signer } from '../../core/crypto/signing.js';
import { toHex } from '../../core/board/merkle.js';
import { BoardHeads, checkTreeHead, signTreeHead, TREE_HEAD_VERSION, type LeafEntry, type TreeHead } from '../../core/board/tree-head.js';

/**
 * An organization's witness of the board: it rebuilds the RFC 9162 tree from the entries its
 * own replica folds, in index order, and signs a tree head after each batch of them, a leaf
 * line per entry written before the head (JSON lines in its own file; tree-head.ts). It signs
 * only what it computed itself and only while that stays consistent with the last head it
 * signed before a restart: a board that changed under it (an entry removed, reordered or
 * edited) gets no further signature from it, and a log line says why.
 *
 * Per batch, not per entry: four witnesses signing each entry were 4 % of an embedded
 * coalition's main thread; the leaf lines keep a changed entry named at its exact index.
 */
export class TreeWitness {
  /** The frontier only: a witness signs heads and serves no proofs (`murmur audit prove` rebuilds the tree from the file). */
  private readonly tree = new BoardHeads();
  private readonly fd: number;
  private readonly previous: TreeHead | undefined;
  /** Leaf lines of the batch not yet signed. */
  private pending: string[] = [];
  private halted = false;
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly signer: Signer,
    keys: KeyResolver,
    private readonly logger: Logger,
    /** Runs the batch's signature later (default: once the fold in progress has yielded, setImmediate). */
    private readonly defer: (run: () => void) => void = (run) => void setImmediate(run),
  ) {
    mkdirSync(dirname(path), { recursive: true });
    // What follows the last signed head was never vouched for: a line torn by a crash
    // mid-write, or leaf lines whose head was not written. Drop it, or the next batch would be
    // glued onto it.
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8');
      const keep = afterLastHead(text);
      if (keep < text.length) truncateSync(path, Buffer.byteLength(text.slice(0, keep)));
    }
    this.previous = lastOwnHead(path, signer.keyId, keys);
    this.fd = openSync(path, 'a');
  }

  observe(entry: LeafEntry): void {
    if (this.halted || this.closed) return;
    let leaf: Uint8Array;
    try {
      leaf = this.tree.append(entry);
    } catch (e) {
      return this.halt('board.witness.gap', { index: entry.index, expected: this.tree.size + 1, reason: e instanceof Error ? e.message : 'gap' });
    }
    const prev = this.previous;
    if (prev && this.tree.size <= prev.size) {
      if (this.tree.size === prev.size && this.tree.head().root !== prev.root) this.halt('board.witness.fork', { size: prev.size });
      return; // signed before the restart
    }
    if (this.pending.length === 0) this.defer(() => this.flush());
    this.pending.push(JSON.stringify({ v: TREE_HEAD_VERSION, size: this.tree.size, leaf: toHex(leaf) }));
  }

  /** Signs the head over what was observed so far and writes it after the batch's leaf lines. */
  flush(): void {
    if (this.halted || this.pending.length === 0) return;
    const head = this.tree.head();
    const lines = this.pending;
    this.pending = [];
    try {
      writeSync(this.fd, `${lines.join('\n')}\n${JSON.stringify(signTreeHead(this.signer, head))}\n`);
    } catch (e) {
      // Called from the replica's fold: a full disk must not stop the node from folding.
      this.halt('board.witness.write', { size: head.size, reason: e instanceof Error ? e.message.slice(0, 120) : 'write failed' });
    }
  }

  /** Hashes the witness holds in memory: one per bit of the board's size, not one per entry. */
  get heldHashes(): number {
    return this.tree.tree.held;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }

  private halt(event: string, fields: Record<string, string | number>): void {
    // What was observed before the fault still holds: sign it (a failed write clears `pending` first, so this ends).
    this.flush();
    this.halted = true;
    this.logger.log('error', event, { ...fields, witness: this.signer.keyId });
  }
}

/** The last head this key signed in the file (a torn or foreign line is skipped). */
function lastOwnHead(path: string, keyId: string, keys: KeyResolver): TreeHead | undefined {
  if (!existsSync(path)) return undefined;
  let last: TreeHead | undefined;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    const check = checkTreeHead(value, keys);
    if (check.ok && check.head.witness === keyId && (!last || check.head.size > last.size)) last = check.head;
  }
  return last;
}

/** Where the text ends after its last head line (a line with a signature), whole. */
function afterLastHead(text: string): number {
  let end = text.lastIndexOf('\n');
  while (end >= 0) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    if (text.slice(start, end).includes('"sig"')) return end + 1;
    end = start - 1;
  }
  return 0;
}
