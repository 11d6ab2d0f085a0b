import { add, type Ext } from '../../core/zk/babyjub-curve.js';

/** k·p by plain double-and-add over the curve's unified addition: the reference the windowed and table multiplications are held to (and the baseline the babyjub bench times). */
export function doubleAndAdd(p: Ext, k: bigint): Ext {
  let acc: Ext = [0n, 1n, 1n, 0n];
  for (let i = k.toString(2).length - 1; i >= 0; i--) {
    acc = add(acc, acc);
    if ((k >> BigInt(i)) & 1n) acc = add(acc, p);
  }
  return acc;
}
