import { MurmurError } from '../../../core/common/errors.js';
import { toHex } from '../../../core/board/merkle.js';
import { BoardTree, leafBytes, type TreeHead } from '../../../core/board/tree-head.js';
import { boardKeys, boardPath } from './board-state.js';
import { readBoardRows, readHeads } from './board-log.js';

/** An RFC 9162 inclusion proof (and optionally a consistency proof), as any tool can check it. */
export interface EntryProof {
  /** Board index (1-based); the leaf index is `index - 1`. */
  index: number;
  /** The tree size the proof is for. */
  size: number;
  /** The leaf's bytes (RFC 8785 JSON of {at, id, index}) and its hash SHA-256(0x00 ‖ bytes). */
  leaf: string;
  leafHash: string;
  /** The audit path, PATH(index - 1, D[size]), hex. */
  inclusion: string[];
  root: string;
  /** With `from`: PROOF(from, D[size]) and the root of the first `from` entries. */
  consistency?: { from: number; fromRoot: string; proof: string[] };
  /** The signed heads in the run's heads/ files for `size` with this root (checked by `audit verify`). */
  heads: TreeHead[];
  /**
   * Witnesses sign a head per batch, so a size between batches has no head of its own. Then the
   * first later size that has signed heads for the archive's root there vouches for it: that
   * tree, its heads, and PROOF(size, that size), which shows the tree of `size` is its prefix.
   */
  vouchedBy?: { size: number; root: string; consistency: string[]; heads: TreeHead[] };
}

/**
 * Proves that the entry at `index` is in the board's tree of `size` entries (default: the
 * whole archive), from the archive alone, with the heads the organizations signed for it.
 */
export function proveEntry(dataDir: string, index: number, opts: { size?: number; from?: number } = {}): EntryProof {
  const { rows } = readBoardRows(boardPath(dataDir));
  const tree = new BoardTree();
  for (const [i, r] of rows.entries()) tree.append({ index: i + 1, at: Number.isNaN(r.at) ? -1 : r.at, id: r.id });
  const size = opts.size ?? tree.size;
  if (!Number.isInteger(size) || size < 1 || size > tree.size)
    throw new MurmurError('E_INPUT', `--size must be within 1..${tree.size} (the archive's entries)`, { field: 'size' });
  if (!Number.isInteger(index) || index < 1 || index > size) throw new MurmurError('E_INPUT', `--index must be within 1..${size}`, { field: 'index' });
  const from = opts.from;
  if (from !== undefined && (!Number.isInteger(from) || from < 1 || from > size))
    throw new MurmurError('E_INPUT', `--from must be within 1..${size}`, { field: 'from' });
  const root = toHex(tree.tree.root(size));
  const r = rows[index - 1]!;
  // Only heads over this archive's own tree count: a head of another root (or of more entries than the archive holds) vouches for nothing here.
  const roots = new Map<number, string>();
  const rootOf = (n: number): string => roots.get(n) ?? (roots.set(n, toHex(tree.tree.root(n))), roots.get(n)!);
  const signed = readHeads(dataDir, boardKeys).heads.flatMap((h) =>
    h.signed && h.signed.size >= 1 && h.signed.size <= tree.size && h.signed.root === rootOf(h.signed.size) ? [h.signed] : [],
  );
  const heads = signed.filter((h) => h.size === size);
  const later = heads.length > 0 ? undefined : Math.min(...signed.filter((h) => h.size > size).map((h) => h.size));
  const vouchedBy =
    later !== undefined && Number.isFinite(later)
      ? { size: later, root: rootOf(later), consistency: tree.tree.consistencyProof(size, later).map(toHex), heads: signed.filter((h) => h.size === later) }
      : undefined;
  return {
    index,
    size,
    leaf: new TextDecoder().decode(leafBytes({ index, at: Number.isNaN(r.at) ? -1 : r.at, id: r.id })),
    leafHash: toHex(tree.tree.leaf(index - 1)),
    inclusion: tree.tree.inclusionProof(index - 1, size).map(toHex),
    root,
    ...(from !== undefined ? { consistency: { from, fromRoot: toHex(tree.tree.root(from)), proof: tree.tree.consistencyProof(from, size).map(toHex) } } : {}),
    heads,
    ...(vouchedBy ? { vouchedBy } : {}),
  };
}
