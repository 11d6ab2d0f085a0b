import { sha256 } from '../common/hash.js';

/**
 * The Merkle tree of RFC 9162 §2.1 (the same as RFC 6962 §2.1), so that any transparency-log
 * tool can check our roots and proofs:
 *   MTH({})      = SHA-256()
 *   MTH({d0})    = SHA-256(0x00 || d0)
 *   MTH(D[n])    = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])), k the largest power of 2 < n.
 * Proofs are generated from the RFC's recursive definitions (PATH, SUBPROOF) and verified with
 * its iterative algorithms (§2.1.3.2, §2.1.4.2), so the two sides do not share code.
 * Hashes are raw 32-byte digests; `toHex` for display.
 */
export type Hash = Uint8Array;

const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);

export function emptyRoot(): Hash {
  return sha256();
}

export function leafHash(data: Uint8Array): Hash {
  return sha256(LEAF, data);
}

export function nodeHash(left: Hash, right: Hash): Hash {
  return sha256(NODE, left, right);
}

/** The largest power of two strictly smaller than n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * An append-only tree over leaf hashes. Complete, aligned subtrees never change once full,
 * so their hashes are kept: a root or a proof then costs O(log² n) after the first.
 */
export class MerkleTree {
  private readonly leaves: Hash[] = [];
  private readonly full = new Map<string, Hash>();

  get size(): number {
    return this.leaves.length;
  }

  /** Appends a leaf's data (hashed here with the 0x00 prefix); returns its index (0-based). */
  append(data: Uint8Array): number {
    return this.appendHash(leafHash(data));
  }

  /** Appends a leaf by its hash (`leafHash` of its data). */
  appendHash(leaf: Hash): number {
    this.leaves.push(leaf);
    return this.leaves.length - 1;
  }

  leaf(index: number): Hash {
    const h = this.leaves[index];
    if (!h) throw new RangeError(`no leaf ${index} in a tree of ${this.size}`);
    return h;
  }

  /** MTH of the first `size` leaves (default: all). */
  root(size = this.size): Hash {
    this.checkSize(size);
    return size === 0 ? emptyRoot() : this.mth(0, size);
  }

  /** PATH(m, D[n]): the audit path of leaf m in the tree of the first n leaves. */
  inclusionProof(index: number, size = this.size): Hash[] {
    this.checkSize(size);
    if (!Number.isInteger(index) || index < 0 || index >= size) throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
    return this.path(index, 0, size);
  }

  /** PROOF(m, D[n]): that the tree of m leaves is a prefix of the tree of n leaves. */
  consistencyProof(m: number, n = this.size): Hash[] {
    this.checkSize(n);
    if (!Number.isInteger(m) || m < 0 || m > n) throw new RangeError(`size ${m} is not within a tree of ${n}`);
    if (m === 0 || m === n) return [];
    return this.subproof(m, 0, n, true);
  }

  private checkSize(size: number): void {
    if (!Number.isInteger(size) || size < 0 || size > this.size) throw new RangeError(`tree size ${size} is not within 0..${this.size}`);
  }

  /** MTH(D[start : start+n]). */
  private mth(start: number, n: number): Hash {
    if (n === 1) return this.leaves[start]!;
    const perfect = (n & (n - 1)) === 0;
    const key = `${start}/${n}`;
    if (perfect) {
      const known = this.full.get(key);
      if (known) return known;
    }
    const k = split(n);
    const h = nodeHash(this.mth(start, k), this.mth(start + k, n - k));
    if (perfect) this.full.set(key, h);
    return h;
  }

  private path(m: number, start: number, n: number): Hash[] {
    if (n === 1) return [];
    const k = split(n);
    return m < k ? [...this.path(m, start, k), this.mth(start + k, n - k)] : [...this.path(m - k, start + k, n - k), this.mth(start, k)];
  }

  private subproof(m: number, start: number, n: number, whole: boolean): Hash[] {
    if (m === n) return whole ? [] : [this.mth(start, n)];
    const k = split(n);
    return m <= k ? [...this.subproof(m, start, k, whole), this.mth(start + k, n - k)] : [...this.subproof(m - k, start + k, n - k, false), this.mth(start, k)];
  }
}

/**
 * The same tree's root with only its right frontier kept: the roots of the perfect subtrees
 * the leaves so far split into (RFC 9162 §2.1.1's MTH for any n is these, hashed right to
 * left), one per set bit of the size. A witness that signs heads and never serves proofs
 * holds O(log n) hashes instead of every leaf and inner node of the board's history.
 */
export class MerkleFrontier {
  /** Perfect subtrees, largest (leftmost) first. */
  private readonly peaks: { size: number; hash: Hash }[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** How many hashes it holds (at most one per bit of the size). */
  get held(): number {
    return this.peaks.length;
  }

  append(data: Uint8Array): number {
    return this.appendHash(leafHash(data));
  }

  /** Appends a leaf by its hash (`leafHash` of its data). */
  appendHash(leaf: Hash): number {
    let peak = { size: 1, hash: leaf };
    for (let left = this.peaks.at(-1); left && left.size === peak.size; left = this.peaks.at(-1)) {
      this.peaks.pop();
      peak = { size: left.size * 2, hash: nodeHash(left.hash, peak.hash) };
    }
    this.peaks.push(peak);
    return this.count++;
  }

  root(): Hash {
    let r = this.peaks.at(-1)?.hash;
    if (!r) return emptyRoot();
    for (let i = this.peaks.length - 2; i >= 0; i--) r = nodeHash(this.peaks[i]!.hash, r);
    return r;
  }
}

function equal(a: Hash, b: Hash): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** RFC 9162 §2.1.3.2: does `proof` place the leaf with hash `leaf` at `index` of the tree `root`? */
export function verifyInclusion(leaf: Hash, index: number, size: number, proof: readonly Hash[], root: Hash): boolean {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(r, root);
}

/** RFC 9162 §2.1.4.2: is the tree (m, `first`) a prefix of the tree (n, `second`)? */
export function verifyConsistency(m: number, n: number, first: Hash, second: Hash, proof: readonly Hash[]): boolean {
  if (!Number.isInteger(m) || !Number.isInteger(n) || m < 0 || m > n) return false;
  if (m === n) return proof.length === 0 && equal(first, second);
  if (m === 0) return proof.length === 0 && equal(first, emptyRoot());
  if (proof.length === 0) return false;
  const path = (m & (m - 1)) === 0 ? [first, ...proof] : [...proof];
  let fn = m - 1;
  let sn = n - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(fr, first) && equal(sr, second);
}

export function toHex(h: Hash): string {
  return Buffer.from(h).toString('hex');
}

export function fromHex(hex: string): Hash {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
