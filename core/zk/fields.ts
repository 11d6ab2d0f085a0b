/**
 * Field mapping: how strings (subtask ids, board keys, case ids, role names) become BN254
 * scalar field elements, and the domain tags the circuits use.
 *
 *   toField(domain, text) = first 31 bytes (248 bits) of
 *                           SHA-256("murmur-zk:" + domain + ":v1" || 0x00 || UTF-8(text)),
 *                           read big-endian.
 *
 * 248 bits is always below the field order (~2^253.6), so the map is uniform and needs no
 * reduction; collisions cost ~2^124 work. Domains: `subtask`, `board-key`, `case`, `role`.
 */
import { sha256 } from '../common/hash.js';
import { utf8 } from '../common/encoding.js';

/** The BN254 scalar field order (the circuits' field). */
export const BN254_R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

export type FieldDomain = 'subtask' | 'board-key' | 'case' | 'role';

export function toField(domain: FieldDomain, text: string): bigint {
  const prefix = utf8(`murmur-zk:${domain}:v1`);
  const body = utf8(text);
  const buf = new Uint8Array(prefix.length + 1 + body.length);
  buf.set(prefix, 0);
  buf.set(body, prefix.length + 1);
  const digest = sha256(buf);
  let v = 0n;
  for (let i = 0; i < 31; i++) v = (v << 8n) | BigInt(digest[i] ?? 0);
  return v;
}

/** A role's public code: the field image of its name (never 0, which marks an unused slot). */
export function roleCode(role: string): bigint {
  return toField('role', role);
}

/** ASCII of a tag read as a big-endian integer (mirrors the circuits' *_TAG functions). */
function asciiTag(tag: string): bigint {
  return BigInt(`0x${Buffer.from(tag, 'ascii').toString('hex')}`);
}

export const TAGS = {
  roleCredential: asciiTag('murmur:role-cred:v1'),
  holder: asciiTag('murmur:holder:v1'),
  nullifier: asciiTag('murmur:nullifier:v1'),
  clinical: asciiTag('murmur:clinical:v2'),
} as const;

/** A field element as snarkjs prints it. */
export function dec(v: bigint): string {
  return v.toString(10);
}
