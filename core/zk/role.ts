/**
 * Zero-knowledge role credentials: an issuer signs (role, expiry, holder id); the holder proves
 * "I hold an unexpired credential from this issuer with one of these roles", bound to a subtask
 * and the requester's board key, revealing only a nullifier = Poseidon(tag, holderSecret,
 * subtaskId): the same holder gets the same nullifier for a subtask, whatever key it uses.
 */
import { MurmurError } from '../common/errors.js';
import type { Random } from '../common/random.js';
import { cryptoRandom } from '../common/random.js';
import { proverFor, verifierFor, type ZkCallOptions } from './backend.js';
import { poseidon, signPoseidon, verifyPoseidonSignature, type BabyJubPublicKey, type EddsaSignature, type ZkSigningKey } from './babyjub.js';
import { BN254_R, TAGS, dec, roleCode, toField } from './fields.js';
import { parseGroth16Proof, parsePublicSignals, type ZkProof } from './prover.js';

/** Number of allowed-role slots in the circuit. */
export const MAX_ALLOWED_ROLES = 4;
/** Expiry and board time are milliseconds since the Unix epoch, below 2^64. */
const MAX_TIME = 2n ** 64n;

/** The holder's secret (kept in its wallet) and the id the issuer signs. Decimal strings. */
export interface ZkHolder {
  secret: string;
  id: string;
}

export interface ZkRoleClaims {
  role: string;
  /** ms since the Unix epoch. */
  expiresAt: number;
  /** ZkHolder.id of the holder. */
  holderId: string;
}

export interface ZkRoleCredential extends ZkRoleClaims {
  roleCode: string;
  issuer: BabyJubPublicKey;
  signature: EddsaSignature;
}

export interface RoleProofContext {
  subtaskId: string;
  /** The requester's board key, as it appears on the board (e.g. a did:key URL). */
  requesterKey: string;
  /** Board time, ms since the Unix epoch. */
  now: number;
  /** 1 to 4 role names. */
  allowedRoles: readonly string[];
}

export interface RoleProofExpectation extends RoleProofContext {
  issuerPublicKey: BabyJubPublicKey;
  /** Accept a proof made for a board time at most this far from `now` (default 0: exact). */
  maxClockSkewMs?: number;
}

export type RoleProofRejection = 'malformed' | 'issuer-mismatch' | 'roles-mismatch' | 'time-mismatch' | 'subtask-mismatch' | 'key-mismatch' | 'invalid-proof';

export interface RoleProofVerdict {
  ok: boolean;
  reason?: RoleProofRejection;
  /** The nullifier (decimal) of a valid proof: the board rejects a second use for the subtask. */
  nullifier?: string;
}

/** Public signal layout of circuits/role_credential.circom. */
const SIG = {
  nullifier: 0,
  issuerAx: 1,
  issuerAy: 2,
  roles: 3,
  now: 3 + MAX_ALLOWED_ROLES,
  subtask: 4 + MAX_ALLOWED_ROLES,
  key: 5 + MAX_ALLOWED_ROLES,
} as const;
export const ROLE_PUBLIC_SIGNALS = 6 + MAX_ALLOWED_ROLES;

export async function newZkHolder(random: Random = cryptoRandom): Promise<ZkHolder> {
  let secret = 0n;
  for (const b of random.bytes(31)) secret = (secret << 8n) | BigInt(b);
  return { secret: dec(secret), id: dec(await poseidon([TAGS.holder, secret])) };
}

function timeField(ms: number, field: string): bigint {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new MurmurError('E_INPUT', `${field} must be a non-negative integer of milliseconds`, { field });
  return BigInt(ms);
}

function fieldString(s: string, field: string): bigint {
  if (!/^(0|[1-9][0-9]{0,77})$/.test(s) || BigInt(s) >= BN254_R) throw new MurmurError('E_INPUT', `${field} must be a decimal field element`, { field });
  return BigInt(s);
}

async function credentialMessage(roleCodeValue: bigint, expiresAt: bigint, holderId: bigint): Promise<bigint> {
  return poseidon([TAGS.roleCredential, roleCodeValue, expiresAt, holderId]);
}

/**
 * The allowed roles as the circuit's public slots: codes sorted ascending, padded with 0.
 * Prover and verifier both derive them from role names, so the order never disagrees.
 */
export function allowedRoleSlots(roles: readonly string[]): string[] {
  const codes = [...new Set(roles)].map(roleCode).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (codes.length === 0 || codes.length > MAX_ALLOWED_ROLES) {
    throw new MurmurError('E_INPUT', `allowedRoles must name 1 to ${MAX_ALLOWED_ROLES} roles`, { field: 'allowedRoles', count: codes.length });
  }
  while (codes.length < MAX_ALLOWED_ROLES) codes.push(0n);
  return codes.map(dec);
}

export async function issueZkRoleCredential(issuer: ZkSigningKey, claims: ZkRoleClaims): Promise<ZkRoleCredential> {
  const code = roleCode(claims.role);
  const msg = await credentialMessage(code, timeField(claims.expiresAt, 'expiresAt'), fieldString(claims.holderId, 'holderId'));
  return { ...claims, roleCode: dec(code), issuer: issuer.publicKey, signature: await signPoseidon(issuer, msg) };
}

/** Checks the issuer's signature outside the circuit (the holder does this on receipt). */
export async function verifyZkRoleCredential(cred: ZkRoleCredential): Promise<boolean> {
  try {
    const code = roleCode(cred.role);
    if (dec(code) !== cred.roleCode) return false;
    const msg = await credentialMessage(code, timeField(cred.expiresAt, 'expiresAt'), fieldString(cred.holderId, 'holderId'));
    return await verifyPoseidonSignature(cred.issuer, msg, cred.signature);
  } catch {
    return false;
  }
}

/** The circuit input for a role proof (exposed for tests and other provers). */
export function roleCircuitInput(cred: ZkRoleCredential, holder: ZkHolder, ctx: RoleProofContext): Record<string, unknown> {
  return {
    issuerAx: cred.issuer.x,
    issuerAy: cred.issuer.y,
    allowedRoles: allowedRoleSlots(ctx.allowedRoles),
    now: dec(timeField(ctx.now, 'now')),
    subtaskId: dec(toField('subtask', ctx.subtaskId)),
    requesterKey: dec(toField('board-key', ctx.requesterKey)),
    role: cred.roleCode,
    expiresAt: dec(timeField(cred.expiresAt, 'expiresAt')),
    holderSecret: dec(fieldString(holder.secret, 'holderSecret')),
    sigR8x: cred.signature.R8x,
    sigR8y: cred.signature.R8y,
    sigS: cred.signature.S,
  };
}

/** Proves the role credential for a subtask; throws E_INPUT if the credential does not qualify. */
export async function proveRole(cred: ZkRoleCredential, holder: ZkHolder, ctx: RoleProofContext, options?: ZkCallOptions): Promise<ZkProof> {
  const input = roleCircuitInput(cred, holder, ctx);
  return (await proverFor(options)).prove('role', input);
}

/**
 * Verifies a role proof against the verifier's OWN expectations: snarkjs checks a proof only
 * against the public signals it is handed, so each signal is compared with the expected value
 * before the pairing check.
 */
export async function verifyRoleProof(proof: unknown, expected: RoleProofExpectation, options?: ZkCallOptions): Promise<RoleProofVerdict> {
  const p = proof as Partial<ZkProof> | null | undefined;
  const groth = parseGroth16Proof(p?.proof);
  const signals = parsePublicSignals(p?.publicSignals, ROLE_PUBLIC_SIGNALS);
  if (!groth || !signals) return { ok: false, reason: 'malformed' };
  const at = (i: number): string => signals[i] as string;

  if (at(SIG.issuerAx) !== expected.issuerPublicKey.x || at(SIG.issuerAy) !== expected.issuerPublicKey.y) return { ok: false, reason: 'issuer-mismatch' };
  const slots = allowedRoleSlots(expected.allowedRoles);
  if (slots.some((s, i) => at(SIG.roles + i) !== s)) return { ok: false, reason: 'roles-mismatch' };
  const proofNow = BigInt(at(SIG.now));
  const skew = BigInt(Math.max(0, expected.maxClockSkewMs ?? 0));
  const now = timeField(expected.now, 'now');
  if (proofNow >= MAX_TIME || proofNow < now - skew || proofNow > now + skew) return { ok: false, reason: 'time-mismatch' };
  if (at(SIG.subtask) !== dec(toField('subtask', expected.subtaskId))) return { ok: false, reason: 'subtask-mismatch' };
  if (at(SIG.key) !== dec(toField('board-key', expected.requesterKey))) return { ok: false, reason: 'key-mismatch' };

  const ok = await (await verifierFor(options)).verify('role', groth, signals);
  return ok ? { ok: true, nullifier: at(SIG.nullifier) } : { ok: false, reason: 'invalid-proof' };
}
