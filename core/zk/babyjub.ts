/**
 * EdDSA over BabyJubJub with Poseidon, as the circuits (circomlib's EdDSAPoseidonVerifier)
 * verify it: `@zk-kit/eddsa-poseidon`'s blake-1 variant derives keys as circomlib does, and
 * `poseidon-lite` is circomlib's Poseidon. Both are plain bigint code, so nothing is built at
 * start. The blake-1 variant is loaded through `require`: its ESM entry is missing from the
 * published 1.1.0 package, and the default entry hashes keys with blake2b (other keys).
 * Signing and verifying run eddsa.ts (same results, extended coordinates); the library's own
 * sign and verify stay as the references the tests hold them to.
 */
import { createRequire } from 'node:module';
import * as poseidonLite from 'poseidon-lite';
import type { Random } from '../common/random.js';
import { cryptoRandom } from '../common/random.js';
import { MurmurError } from '../common/errors.js';
import { BN254_R } from './fields.js';
import { eddsaPublicKey, signEddsaPoseidon, verifyEddsaPoseidon } from './eddsa.js';

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

type Point = [bigint, bigint];
interface EddsaPoseidon {
  derivePublicKey(privateKey: Uint8Array): Point;
  signMessage(privateKey: Uint8Array, message: bigint): { R8: Point; S: bigint };
  verifySignature(message: bigint, signature: { R8: Point; S: bigint }, publicKey: Point): boolean;
}

const eddsa = createRequire(import.meta.url)('@zk-kit/eddsa-poseidon/blake-1') as EddsaPoseidon;

/** The widest Poseidon the library (and circomlib) provides. */
const MAX_POSEIDON_INPUTS = 16;

export function poseidonSync(inputs: bigint[]): bigint {
  if (inputs.length < 1 || inputs.length > MAX_POSEIDON_INPUTS) {
    throw new MurmurError('E_INPUT', `Poseidon takes 1 to ${MAX_POSEIDON_INPUTS} inputs`, { field: 'inputs' });
  }
  const fn = (poseidonLite as unknown as Record<string, (i: bigint[]) => bigint>)[`poseidon${inputs.length}`];
  if (fn === undefined) throw new MurmurError('E_INPUT', `no Poseidon of width ${inputs.length}`, { field: 'inputs' });
  return fn(inputs);
}

/** Kept async so callers need not change when a faster (wasm) hash is swapped in. */
export async function poseidon(inputs: bigint[]): Promise<bigint> {
  return poseidonSync(inputs);
}

export async function zkSigningKeyFromSeed(seed: Uint8Array): Promise<ZkSigningKey> {
  if (seed.length !== 32) throw new MurmurError('E_INPUT', 'a BabyJubJub private key is 32 bytes', { field: 'seed' });
  const [x, y] = eddsaPublicKey(seed);
  return { privateKey: new Uint8Array(seed), publicKey: { x: x.toString(), y: y.toString() } };
}

export function newZkSigningKey(random: Random = cryptoRandom): Promise<ZkSigningKey> {
  return zkSigningKeyFromSeed(random.bytes(32));
}

const decimal = (sig: { R8: Point; S: bigint }): EddsaSignature => ({ R8x: sig.R8[0].toString(), R8y: sig.R8[1].toString(), S: sig.S.toString() });

/** The library's signature (eddsa.ts computes it with cheaper curve arithmetic). */
export async function signPoseidon(key: ZkSigningKey, message: bigint): Promise<EddsaSignature> {
  return decimal(signEddsaPoseidon(key.privateKey, message % BN254_R, [BigInt(key.publicKey.x), BigInt(key.publicKey.y)]));
}

function fieldOrUndefined(s: string): bigint | undefined {
  if (!/^(0|[1-9][0-9]{0,77})$/.test(s)) return undefined;
  const v = BigInt(s);
  return v < BN254_R ? v : undefined;
}

export async function verifyPoseidonSignature(publicKey: BabyJubPublicKey, message: bigint, sig: EddsaSignature): Promise<boolean> {
  const vals = [publicKey.x, publicKey.y, sig.R8x, sig.R8y].map(fieldOrUndefined);
  const s = /^[0-9]{1,78}$/.test(sig.S) ? BigInt(sig.S) : undefined;
  if (vals.some((v) => v === undefined) || s === undefined) return false;
  const [ax, ay, rx, ry] = vals as bigint[];
  // Same check as eddsa.verifySignature, ~15x cheaper (eddsa.ts); a point off the curve is "not valid".
  return verifyEddsaPoseidon(message % BN254_R, [rx as bigint, ry as bigint], s, [ax as bigint, ay as bigint]);
}

/** The library's own key derivation and signing: the references the fast ones are tested against. */
export function publicKeyReference(privateKey: Uint8Array): BabyJubPublicKey {
  const [x, y] = eddsa.derivePublicKey(privateKey);
  return { x: x.toString(), y: y.toString() };
}

export function signPoseidonReference(key: ZkSigningKey, message: bigint): EddsaSignature {
  return decimal(eddsa.signMessage(key.privateKey, message % BN254_R));
}

/** The library's own verification: the reference the fast one is tested against. */
export function verifyPoseidonSignatureReference(publicKey: BabyJubPublicKey, message: bigint, sig: EddsaSignature): boolean {
  try {
    return eddsa.verifySignature(message % BN254_R, { R8: [BigInt(sig.R8x), BigInt(sig.R8y)], S: BigInt(sig.S) }, [BigInt(publicKey.x), BigInt(publicKey.y)]);
  } catch {
    return false;
  }
}

export function samePublicKey(a: BabyJubPublicKey, b: BabyJubPublicKey): boolean {
  return a.x === b.x && a.y === b.y;
}
