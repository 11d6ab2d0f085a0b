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

const IDENTITY: Ext = [0n, 1n, 1n, 0n];
/** Scalars are taken 4 bits at a time: 15 multiples of the point, then one addition per digit. */
const WINDOW = 4;
const DIGITS = (1 << WINDOW) - 1;
const SHIFT = BigInt(WINDOW);
const MASK = BigInt(DIGITS);

function multiples(p: Ext): Ext[] {
  const out: Ext[] = [IDENTITY, p];
  for (let j = 2; j <= DIGITS; j++) out.push(add(out[j - 1]!, p));
  return out;
}

/**
 * k·p (k ≥ 0), left to right over 4-bit digits: 4 doublings and at most one addition per digit
 * (double-and-add did an addition per set bit, half again as many). Not constant-time
 * (bigint arithmetic never is).
 */
export function mul(p: Ext, k: bigint): Ext {
  const table = multiples(p);
  const digits: number[] = [];
  for (let v = k; v > 0n; v >>= SHIFT) digits.push(Number(v & MASK));
  let acc = IDENTITY;
  for (let i = digits.length - 1; i >= 0; i--) {
    for (let d = 0; d < WINDOW; d++) acc = double(acc);
    if (digits[i]) acc = add(acc, table[digits[i]!]!);
  }
  return acc;
}

export const ext = (x: bigint, y: bigint): Ext => [x, y, 1n, (x * y) % P];

/** 2^(4i)·j·Base8 for every 4-bit digit position i of a scalar below the subgroup order, built once. */
let baseTable: Ext[][] | undefined;

function base8Table(): Ext[][] {
  if (baseTable) return baseTable;
  const rows: Ext[][] = [];
  let b = ext(BASE8[0], BASE8[1]);
  for (let bits = 0; bits < BABYJUB_SUBORDER.toString(2).length; bits += WINDOW) {
    rows.push(multiples(b));
    for (let d = 0; d < WINDOW; d++) b = double(b);
  }
  return (baseTable = rows);
}

/**
 * k·Base8 from the table: one addition per nonzero digit and no doubling, so a signature's
 * R8, a key's derivation and the verifier's S·Base8 cost about a sixth of `mul`. Base8
 * generates the subgroup, so k is taken modulo its order first.
 */
export function mulBase8(k: bigint): Ext {
  const rows = base8Table();
  let acc = IDENTITY;
  let v = ((k % BABYJUB_SUBORDER) + BABYJUB_SUBORDER) % BABYJUB_SUBORDER;
  for (let i = 0; v > 0n; i++, v >>= SHIFT) {
    const digit = Number(v & MASK);
    if (digit) acc = add(acc, rows[i]![digit]!);
  }
  return acc;
}

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
