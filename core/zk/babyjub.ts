/**
 * EdDSA over BabyJubJub with Poseidon (circomlibjs), as the circuits verify it. The library
 * takes ~1.6 s to build, so one instance is shared per process.
 */
import { buildEddsa, type Eddsa } from 'circomlibjs';
import type { Random } from '../common/random.js';
import { cryptoRandom } from '../common/random.js';
import { MurmurError } from '../common/errors.js';
import { BN254_R } from './fields.js';

/** A BabyJubJub public key: the point's coordinates as decimal strings. */
export interface BabyJubPublicKey {
  x: string;
  y: string;
}

/** A key that signs credentials or commitments. The private key is 32 random bytes. */
export interface ZkSigningKey {
  privateKey: Uint8Array;
  publicKey: BabyJubPublicKey;
}

/** An EdDSA-Poseidon signature as decimal strings. */
export interface EddsaSignature {
  R8x: string;
  R8y: string;
  S: string;
}

let lib: Promise<Eddsa> | undefined;

export function circomlib(): Promise<Eddsa> {
  lib ??= buildEddsa();
  return lib;
}

export async function poseidon(inputs: bigint[]): Promise<bigint> {
  const e = await circomlib();
  const p = (e as unknown as { poseidon: (i: bigint[]) => Uint8Array }).poseidon;
  return e.F.toObject(p(inputs));
}

export async function zkSigningKeyFromSeed(seed: Uint8Array): Promise<ZkSigningKey> {
  if (seed.length !== 32) throw new MurmurError('E_INPUT', 'a BabyJubJub private key is 32 bytes', { field: 'seed' });
  const e = await circomlib();
  const [x, y] = e.prv2pub(seed);
  return { privateKey: new Uint8Array(seed), publicKey: { x: e.F.toObject(x).toString(), y: e.F.toObject(y).toString() } };
}

export function newZkSigningKey(random: Random = cryptoRandom): Promise<ZkSigningKey> {
  return zkSigningKeyFromSeed(random.bytes(32));
}

export async function signPoseidon(key: ZkSigningKey, message: bigint): Promise<EddsaSignature> {
  const e = await circomlib();
  const sig = e.signPoseidon(key.privateKey, e.F.e(message));
  return { R8x: e.F.toObject(sig.R8[0]).toString(), R8y: e.F.toObject(sig.R8[1]).toString(), S: sig.S.toString() };
}

function fieldOrUndefined(s: string): bigint | undefined {
  if (!/^(0|[1-9][0-9]{0,77})$/.test(s)) return undefined;
  const v = BigInt(s);
  return v < BN254_R ? v : undefined;
}

export async function verifyPoseidonSignature(publicKey: BabyJubPublicKey, message: bigint, sig: EddsaSignature): Promise<boolean> {
  const e = await circomlib();
  const vals = [publicKey.x, publicKey.y, sig.R8x, sig.R8y].map(fieldOrUndefined);
  const s = /^[0-9]{1,78}$/.test(sig.S) ? BigInt(sig.S) : undefined;
  if (vals.some((v) => v === undefined) || s === undefined) return false;
  const [ax, ay, rx, ry] = vals as bigint[];
  try {
    return e.verifyPoseidon(e.F.e(message), { R8: [e.F.e(rx as bigint), e.F.e(ry as bigint)], S: s }, [e.F.e(ax as bigint), e.F.e(ay as bigint)]);
  } catch {
    return false;
  }
}

export function samePublicKey(a: BabyJubPublicKey, b: BabyJubPublicKey): boolean {
  return a.x === b.x && a.y === b.y;
}
