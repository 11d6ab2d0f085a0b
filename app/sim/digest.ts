import type { BoardFold } from '../../core/board/fold.js';
import { CaseTable } from '../../core/coordination/case-table.js';
import { canonicalJson } from '../../core/common/canonical.js';
import { sha256Hex } from '../../core/common/hash.js';

/**
 * A plain-JSON image of a folded value: maps become arrays of [key, value] sorted by key, sets
 * sorted arrays, bytes base64url; undefined is dropped as JSON drops it. Whatever is not plain
 * data (a function, a class instance the fold should never hold) is an error, so a state that
 * cannot be compared is found rather than silently hashed as `{}`.
 */
export function plainImage(value: unknown, path = '$'): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${path}: ${value} has no JSON form`);
    return value;
  }
  if (value === undefined) return undefined;
  if (value instanceof Uint8Array) return { bytes: Buffer.from(value).toString('base64url') };
  if (Array.isArray(value)) return value.map((v, i) => plainImage(v, `${path}[${i}]`) ?? null);
  // The cases, live and frozen alike, as the map of id to case they stand for.
  if (value instanceof Map || value instanceof CaseTable) {
    const entries = [...value.entries()].map(([k, v]) => [canonicalJson(plainImage(k, `${path}.key`)), plainImage(v, `${path}.${String(k)}`) ?? null] as const);
    return { map: entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)) };
  }
  if (value instanceof Set) return { set: [...value].map((v) => canonicalJson(plainImage(v, `${path}{}`))).sort() };
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) throw new Error(`${path}: a ${(value as object).constructor?.name ?? 'non-plain'} object is not state`);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const img = plainImage(v, `${path}.${k}`);
      if (img !== undefined) out[k] = img;
    }
    return out;
  }
  throw new Error(`${path}: a ${typeof value} is not state`);
}

/** SHA-256 of the RFC 8785 text of a value's plain image: equal exactly when the values are. */
export function stateDigest(value: unknown): string {
  return sha256Hex(canonicalJson(plainImage(value)));
}

/**
 * The digest of a replica's whole fold: the state it folded to, every verdict (index, id,
 * status, reason, board time) and the equivocations it saw. Two replicas that folded the same
 * log under the same rules have the same digest; any difference anywhere shows.
 */
export function foldDigest<S>(fold: BoardFold<S>): string {
  return stateDigest({
    lastIndex: fold.lastIndex,
    state: fold.state,
    verdicts: fold.records.map((r) => ({ index: r.index, id: r.id, kind: r.kind, status: r.status, reason: r.reason, at: r.at })),
    equivocations: fold.equivocations,
  });
}
