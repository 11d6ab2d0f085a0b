// The windowed and fixed-base scalar multiplications against plain double-and-add over the
// same unified addition: every signature, key and verification goes through them, and
// zk-babyjub.test.ts holds that addition to the library and circomlib.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../core/common/random.js';
import { BABYJUB_SUBORDER, BASE8, affine, ext, mul, mulBase8 } from '../../core/zk/babyjub-curve.js';
import { doubleAndAdd } from '../support/curve-reference.js';

const G = ext(BASE8[0], BASE8[1]);

const scalar = (random: ReturnType<typeof seededRandom>): bigint => BigInt(`0x${Buffer.from(random.bytes(32)).toString('hex')}`);

test('k·Base8 from the table and k·P by 4-bit windows equal double-and-add, edge scalars included', () => {
  const random = seededRandom('babyjub-curve-mul');
  const edges = [0n, 1n, 15n, 16n, 17n, 255n, BABYJUB_SUBORDER - 1n, BABYJUB_SUBORDER, BABYJUB_SUBORDER + 5n, 2n ** 256n - 1n];
  const ks = [...edges, ...Array.from({ length: 12 }, () => scalar(random))];
  const p = doubleAndAdd(G, scalar(random) % BABYJUB_SUBORDER);
  for (const k of ks) {
    assert.deepEqual(affine(mulBase8(k)), affine(doubleAndAdd(G, k % BABYJUB_SUBORDER)), `mulBase8(${k})`);
    assert.deepEqual(affine(mul(p, k)), affine(doubleAndAdd(p, k)), `mul(p, ${k})`);
  }
  assert.deepEqual(affine(mulBase8(BABYJUB_SUBORDER)), [0n, 1n], 'the subgroup order times Base8 is the identity');
  assert.deepEqual(affine(mulBase8(BABYJUB_SUBORDER + 5n)), affine(mulBase8(5n)));
});
