/**
 * EdDSA-Poseidon on BabyJubJub as circomlib (and `@zk-kit/eddsa-poseidon`'s blake-1 variant)
 * define it, with the curve arithmetic of babyjub-curve.ts instead of the library's affine
 * one. Signing derives the same nonce from the same BLAKE-512 hashes, so a signature is
 * byte for byte the library's (the test holds circomlib's vector), at a fraction of the CPU:
 * the library's signMessage did two affine scalar multiplications, a field inversion per
 * point addition, ≈ 17 % of the main thread of a volume run with proofs.
 */
import { blake512 } from '@noble/hashes/blake1';
import { poseidon5 } from 'poseidon-lite';
import { BABYJUB_SUBORDER, add, affine, ext, mul, mulBase8, onBabyJub, samePoint } from './babyjub-curve.js';

export { BABYJUB_SUBORDER } from './babyjub-curve.js';

function leBigInt(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  return v;
}

function leBytes(v: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

/** h[0..32] pruned as circomlib prunes it (a multiple of 8, bit 254 set), little-endian. */
function secretScalar(h: Uint8Array): bigint {
  const pruned = h.slice(0, 32);
  pruned[0] = pruned[0]! & 0xf8;
  pruned[31] = (pruned[31]! & 0x7f) | 0x40;
  return leBigInt(pruned);
}

/** The library's derivePublicKey: A = (s / 8 mod order)·Base8. */
export function eddsaPublicKey(privateKey: Uint8Array): [bigint, bigint] {
  return affine(mulBase8((secretScalar(blake512(privateKey)) >> 3n) % BABYJUB_SUBORDER));
}

/**
 * S·Base8 = R8 + 8·H(R8, A, m)·A, with R8 and A on the curve and S below the subgroup order.
 * Coordinates are field elements (< BN254_R), checked by the caller.
 */
export function verifyEddsaPoseidon(message: bigint, r8: readonly [bigint, bigint], s: bigint, key: readonly [bigint, bigint]): boolean {
  if (s >= BABYJUB_SUBORDER || !onBabyJub(r8[0], r8[1]) || !onBabyJub(key[0], key[1])) return false;
  const hm = poseidon5([r8[0], r8[1], key[0], key[1], message]);
  const left = mulBase8(s);
  const right = add(ext(r8[0], r8[1]), mul(ext(key[0], key[1]), hm * 8n));
  return samePoint(left, right);
}

/**
 * The library's signMessage: h = BLAKE-512(key); s = h[0..32] pruned; r = BLAKE-512(h[32..64]
 * ‖ m as 32 LE bytes) mod order; R8 = r·Base8; S = r + Poseidon(R8, A, m)·s mod order. The
 * public key A is the caller's (derived once when the key was made), not derived again.
 */
export function signEddsaPoseidon(privateKey: Uint8Array, message: bigint, publicKey: readonly [bigint, bigint]): { R8: [bigint, bigint]; S: bigint } {
  const h = blake512(privateKey);
  const s = secretScalar(h);
  const nonceInput = new Uint8Array(64);
  nonceInput.set(h.subarray(32, 64), 0);
  nonceInput.set(leBytes(message, 32), 32);
  const r = leBigInt(blake512(nonceInput)) % BABYJUB_SUBORDER;
  const R8 = affine(mulBase8(r));
  const hm = poseidon5([R8[0], R8[1], publicKey[0], publicKey[1], message]);
  return { R8, S: (r + hm * s) % BABYJUB_SUBORDER };
}
