import { z } from 'zod';
import { canonicalBytes } from '../common/canonical.js';
import { fromBase64url, toBase64url, utf8 } from '../common/encoding.js';
import type { KeyResolver, Signer } from '../crypto/signing.js';
import { ed25519Verifier } from '../crypto/signing.js';
import { leafHash, MerkleFrontier, MerkleTree, toHex } from './merkle.js';

/**
 * The board as a verifiable log (RFC 9162 §2.1 tree, see merkle.ts).
 *
 * Leaf i (0-based) is the entry at board index i+1, and its bytes are the RFC 8785 JSON of
 * `{"at":<board time>,"id":"<envelope id>","index":<board index>}`. The envelope id is the
 * SHA-256 of the whole signed envelope, so the leaf binds every byte the author signed, plus
 * what the store decided: the position and the board time (the fold's only clock: a changed
 * stamp could move a lease).
 *
 * A tree head is a member's signed statement "I folded entries 1..size of this board myself
 * and their root is `root`"; `at` is the board time of entry `size` (0 for the empty tree).
 * Every organization's node signs the heads it computed (it witnesses the log, as witnesses
 * co-sign the checkpoints of a transparency log), with the key of its first agent, and keeps
 * them in its own file. A head is signed over `murmur-tree-head/v1\n` followed by the RFC
 * 8785 JSON of the head without `sig`.
 *
 * A witness signs a head per batch it folds, not per entry, and writes before it a leaf line
 * per entry of the batch (`WitnessedLeaf`, unsigned). The head vouches for them: the leaves of
 * the file so far must hash to its root. So every size up to a signed head has a root a
 * verifier can derive, and a changed entry is still named at its exact index.
 */
export const TREE_HEAD_VERSION = 1;
const CONTEXT = utf8('murmur-tree-head/v1\n');

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 hex digest');

export const TreeHeadSchema = z
  .object({
    v: z.literal(TREE_HEAD_VERSION),
    size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    root: Hex64,
    at: z.number().int().nonnegative(),
    /** DID URL of the witness's signing key (an agent of the organization). */
    witness: z.string().min(8).max(512),
    sig: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'expected a base64url Ed25519 signature'),
  })
  .strict();
export type TreeHead = z.infer<typeof TreeHeadSchema>;

/** A witness's line for one leaf it appended (`leaf`: hex of its RFC 9162 leaf hash), vouched for by the next head it signs. */
export const WitnessedLeafSchema = z
  .object({
    v: z.literal(TREE_HEAD_VERSION),
    size: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    leaf: Hex64,
  })
  .strict();
export type WitnessedLeaf = z.infer<typeof WitnessedLeafSchema>;

/** What a leaf stands for: an entry as the store ordered and stamped it. */
export interface LeafEntry {
  index: number;
  at: number;
  id: string;
}

export function leafBytes(e: LeafEntry): Uint8Array {
  return canonicalBytes({ at: e.at, id: e.id, index: e.index });
}

function signedBytes(head: Omit<TreeHead, 'sig'>): Uint8Array {
  const body = canonicalBytes({ v: head.v, size: head.size, root: head.root, at: head.at, witness: head.witness });
  const out = new Uint8Array(CONTEXT.length + body.length);
  out.set(CONTEXT);
  out.set(body, CONTEXT.length);
  return out;
}

export function signTreeHead(signer: Signer, head: { size: number; root: string; at: number }): TreeHead {
  const unsigned = { v: TREE_HEAD_VERSION, size: head.size, root: head.root, at: head.at, witness: signer.keyId } as const;
  return { ...unsigned, sig: toBase64url(signer.sign(signedBytes(unsigned))) };
}

// A witness signs a head per entry, so a verifier checks thousands by one key: keep its key
// object (per resolver, since a resolver decides what a key id means).
const verifiers = new WeakMap<KeyResolver, Map<string, ((data: Uint8Array, sig: Uint8Array) => boolean) | undefined>>();
function verifierOf(keyId: string, keys: KeyResolver): ((data: Uint8Array, sig: Uint8Array) => boolean) | undefined {
  let byId = verifiers.get(keys);
  if (!byId) verifiers.set(keys, (byId = new Map()));
  if (!byId.has(keyId)) {
    if (byId.size > 1_000) byId.clear();
    const key = keys.resolveVerificationKey(keyId);
    byId.set(keyId, key ? ed25519Verifier(key) : undefined);
  }
  return byId.get(keyId);
}

/** Schema and signature; what the head claims about the board is checked against a tree. */
export function checkTreeHead(input: unknown, keys: KeyResolver): { ok: true; head: TreeHead } | { ok: false; reason: string } {
  const parsed = TreeHeadSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, reason: `schema: ${issue.path.join('.') || '(root)'}: ${issue.message}` };
  }
  const head = parsed.data;
  const verify = verifierOf(head.witness, keys);
  if (!verify) return { ok: false, reason: 'the witness key cannot be resolved' };
  if (!verify(signedBytes(head), fromBase64url(head.sig))) return { ok: false, reason: 'signature does not verify' };
  return { ok: true, head };
}

/** A log of the board's entries, fed in index order; refuses a gap, so a head never covers a hole. */
class IndexedLog<T extends MerkleTree | MerkleFrontier> {
  private lastAt = 0;

  constructor(readonly tree: T) {}

  get size(): number {
    return this.tree.size;
  }

  /** Appends the entry's leaf; returns its hash. */
  append(e: LeafEntry): Uint8Array {
    if (e.index !== this.tree.size + 1) throw new RangeError(`board entry ${e.index} arrived where entry ${this.tree.size + 1} was due`);
    const leaf = leafHash(leafBytes(e));
    this.tree.appendHash(leaf);
    this.lastAt = e.at;
    return leaf;
  }

  /** The unsigned head of the log so far. */
  head(): { size: number; root: string; at: number } {
    return { size: this.tree.size, root: toHex(this.tree.root()), at: this.tree.size === 0 ? 0 : this.lastAt };
  }
}

/** The board's tree heads only (a witness): the frontier, so its memory does not grow with the board's history. */
export class BoardHeads extends IndexedLog<MerkleFrontier> {
  constructor() {
    super(new MerkleFrontier());
  }
}

/** The board's whole tree (proofs of inclusion and consistency). */
export class BoardTree extends IndexedLog<MerkleTree> {
  constructor() {
    super(new MerkleTree());
  }
}
