/**
 * EdDSA-Poseidon verification on BabyJubJub in extended twisted-Edwards coordinates: the same
 * check as `@zk-kit/eddsa-poseidon`'s verifySignature (S·Base8 = R8 + 8·H(R8, A, m)·A, with
 * R8 and A on the curve and S below the subgroup order), without its field inversion on every
 * point addition. Measured ~15× less CPU per check; the clinical verifier runs one per case
 * since the lab's signature left the circuit (core/zk/README.md).
 */
import { poseidon5 } from 'poseidon-lite';
import { BN254_R } from './fields.js';

const P = BN254_R;
const A = 168700n;
const D = 168696n;
/** The generator of the prime-order subgroup, and that subgroup's order (circomlib's constants). */
const BASE8: readonly [bigint, bigint] = [
  5299619240641551281634865583518297030282874472190772894086521144482721001553n,
  16950150798460657717958625567821834550301663161624707787222815936182638968203n,
];
export const BABYJUB_SUBORDER = 2736030358979909402780800718157159386076813972158567259200215660948447373041n;

/** (X : Y : Z : T) with x = X/Z, y = Y/Z, x·y = T/Z. */
type Ext = [bigint, bigint, bigint, bigint];

const mod = (v: bigint): bigint => {
  const r = v % P;
  return r < 0n ? r + P : r;
};

/** Unified addition (Hisil–Wong–Carter–Dawson 2008, any a): complete on BabyJubJub, so it also doubles. */
function add(p: Ext, q: Ext): Ext {
  const a = (p[0] * q[0]) % P;
  const b = (p[1] * q[1]) % P;
  const c = (((D * p[3]) % P) * q[3]) % P;
  const d = (p[2] * q[2]) % P;
  const e = mod((p[0] + p[1]) * (q[0] + q[1]) - a - b);
  const f = mod(d - c);
  const g = (d + c) % P;
  const h = mod(b - A * a);
  return [(e * f) % P, (g * h) % P, (f * g) % P, (e * h) % P];
}

function double(p: Ext): Ext {
  const a = (p[0] * p[0]) % P;
  const b = (p[1] * p[1]) % P;
  const c = (2n * p[2] * p[2]) % P;
  const d = (A * a) % P;
  const s = p[0] + p[1];
  const e = mod(s * s - a - b);
  const g = (d + b) % P;
  const f = mod(g - c);
  const h = mod(d - b);
  return [(e * f) % P, (g * h) % P, (f * g) % P, (e * h) % P];
}

function mul(p: Ext, k: bigint): Ext {
  let acc: Ext = [0n, 1n, 1n, 0n];
  for (let i = BigInt(k.toString(2).length - 1); i >= 0n; i--) {
    acc = double(acc);
    if ((k >> i) & 1n) acc = add(acc, p);
  }
  return acc;
}

const ext = (x: bigint, y: bigint): Ext => [x, y, 1n, (x * y) % P];

export function onBabyJub(x: bigint, y: bigint): boolean {
  const x2 = (x * x) % P;
  const y2 = (y * y) % P;
  return mod(A * x2 + y2) === mod(1n + ((D * x2) % P) * y2);
}

/** Coordinates are field elements (< BN254_R), checked by the caller. */
export function verifyEddsaPoseidon(message: bigint, r8: readonly [bigint, bigint], s: bigint, key: readonly [bigint, bigint]): boolean {
  if (s >= BABYJUB_SUBORDER || !onBabyJub(r8[0], r8[1]) || !onBabyJub(key[0], key[1])) return false;
  const hm = poseidon5([r8[0], r8[1], key[0], key[1], message]);
  const left = mul(ext(BASE8[0], BASE8[1]), s);
  const right = add(ext(r8[0], r8[1]), mul(ext(key[0], key[1]), hm * 8n));
  // Equal points: X1/Z1 = X2/Z2 and Y1/Z1 = Y2/Z2.
  return (left[0] * right[2]) % P === (right[0] * left[2]) % P && (left[1] * right[2]) % P === (right[1] * left[2]) % P;
}
