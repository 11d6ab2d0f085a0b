/**
 * BabyJubJub arithmetic in extended twisted-Edwards coordinates (Hisil–Wong–Carter–Dawson
 * 2008): no field inversion per point addition, which is where `@zk-kit/baby-jubjub`'s affine
 * `mulPointEscalar` spends its time. One inversion turns a result back into affine x, y.
 */
import { BN254_R } from './fields.js';

const P = BN254_R;
const A = 168700n;
const D = 168696n;
/** The generator of the prime-order subgroup, and that subgroup's order (circomlib's constants). */
export const BASE8: readonly [bigint, bigint] = [
  5299619240641551281634865583518297030282874472190772894086521144482721001553n,
  16950150798460657717958625567821834550301663161624707787222815936182638968203n,
];
export const BABYJUB_SUBORDER = 2736030358979909402780800718157159386076813972158567259200215660948447373041n;

/** (X : Y : Z : T) with x = X/Z, y = Y/Z, x·y = T/Z. */
export type Ext = [bigint, bigint, bigint, bigint];

const mod = (v: bigint): bigint => {
  const r = v % P;
  return r < 0n ? r + P : r;
};

/** Unified addition (any a): complete on BabyJubJub, so it also doubles. */
export function add(p: Ext, q: Ext): Ext {
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

/** k·p by double-and-add. Not constant-time (bigint arithmetic never is). */
export function mul(p: Ext, k: bigint): Ext {
  let acc: Ext = [0n, 1n, 1n, 0n];
  for (let i = BigInt(k.toString(2).length - 1); i >= 0n; i--) {
    acc = double(acc);
    if ((k >> i) & 1n) acc = add(acc, p);
  }
  return acc;
}

export const ext = (x: bigint, y: bigint): Ext => [x, y, 1n, (x * y) % P];

/** Back to affine (x, y): one inversion, by Fermat (Z^(P-2)). */
export function affine(p: Ext): [bigint, bigint] {
  let inv = 1n;
  let base = p[2] % P;
  for (let e = P - 2n; e > 0n; e >>= 1n) {
    if (e & 1n) inv = (inv * base) % P;
    base = (base * base) % P;
  }
  return [(p[0] * inv) % P, (p[1] * inv) % P];
}

/** Whether two points are equal: X1/Z1 = X2/Z2 and Y1/Z1 = Y2/Z2. */
export function samePoint(p: Ext, q: Ext): boolean {
  return (p[0] * q[2]) % P === (q[0] * p[2]) % P && (p[1] * q[2]) % P === (q[1] * p[2]) % P;
}

export function onBabyJub(x: bigint, y: bigint): boolean {
  const x2 = (x * x) % P;
  const y2 = (y * y) % P;
  return mod(A * x2 + y2) === mod(1n + ((D * x2) % P) * y2);
}
