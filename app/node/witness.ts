import { closeSync, existsSync, mkdirSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../../core/common/log.js';
import type { KeyResolver, Signer } from '../../core/crypto/signing.js';
import { BoardHeads, checkTreeHead, signTreeHead, type LeafEntry, type TreeHead } from '../../core/board/tree-head.js';

/**
 * An organization's witness of the board: it rebuilds the RFC 9162 tree from the entries its
 * own replica folds, in index order, and signs a tree head after each one (JSON lines in its
 * own file). It signs only what it computed itself and only while that stays consistent with
 * the last head it signed before a restart: a board that changed under it (an entry removed,
 * reordered or edited) gets no further signature from it, and a log line says why.
 */
export class TreeWitness {
  /** The frontier only: a witness signs heads and serves no proofs (`murmur audit prove` rebuilds the tree from the file). */
  private readonly tree = new BoardHeads();
  private readonly fd: number;
  private readonly previous: TreeHead | undefined;
  private halted = false;

  constructor(
    private readonly path: string,
    private readonly signer: Signer,
    keys: KeyResolver,
    private readonly logger: Logger,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    // A line torn by a crash mid-write is never a whole signed head: drop it, or the next
    // head would be glued onto it.
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8');
      if (text !== '' && !text.endsWith('\n')) truncateSync(path, Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1)));
    }
    this.previous = lastOwnHead(path, signer.keyId, keys);
    this.fd = openSync(path, 'a');
  }

  observe(entry: LeafEntry): void {
    if (this.halted) return;
    try {
      this.tree.append(entry);
    } catch (e) {
      return this.halt('board.witness.gap', { index: entry.index, expected: this.tree.size + 1, reason: e instanceof Error ? e.message : 'gap' });
    }
    const head = this.tree.head();
    const prev = this.previous;
    if (prev && head.size <= prev.size) {
      if (head.size === prev.size && head.root !== prev.root) this.halt('board.witness.fork', { size: head.size });
      return; // signed before the restart
    }
    try {
      writeSync(this.fd, `${JSON.stringify(signTreeHead(this.signer, head))}\n`);
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
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }

  private halt(event: string, fields: Record<string, string | number>): void {
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
