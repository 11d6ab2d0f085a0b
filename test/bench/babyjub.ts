// `npm run bench -- babyjub`: the lab's EdDSA-Poseidon on the event loop (a commitment signed per
// case, its signature checked by the prover and by the payer), each operation beside its
// baselines in the same run: the library's own code, and the double-and-add that this
// project's curve code used before the fixed-base table and 4-bit windows.
import { seededRandom } from '../../core/common/random.js';
import {
  newZkSigningKey,
  publicKeyReference,
  signPoseidon,
  signPoseidonReference,
  verifyPoseidonSignature,
  verifyPoseidonSignatureReference,
} from '../../core/zk/babyjub.js';
import { BABYJUB_SUBORDER, BASE8, ext, mul, mulBase8 } from '../../core/zk/babyjub-curve.js';
import { eddsaPublicKey } from '../../core/zk/eddsa.js';
import { median, report, type Row } from './table.js';
import { doubleAndAdd } from '../support/curve-reference.js';

const N = 40;
const random = seededRandom('bench-babyjub');
const G = ext(BASE8[0], BASE8[1]);

/** Median ms per call over 5 rounds of `N` calls. */
async function time(f: (i: number) => unknown): Promise<number> {
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    for (let i = 0; i < N; i++) await f(i);
    rounds.push((performance.now() - t) / N);
  }
  return median(rounds);
}

const keys = await Promise.all(Array.from({ length: N }, () => newZkSigningKey(random)));
const messages = keys.map(() => BigInt(`0x${Buffer.from(random.bytes(31)).toString('hex')}`));
const scalars = keys.map(() => BigInt(`0x${Buffer.from(random.bytes(32)).toString('hex')}`) % BABYJUB_SUBORDER);
const sigs = await Promise.all(keys.map((k, i) => signPoseidon(k, messages[i]!)));
const point = mul(G, scalars[0]!);
mulBase8(1n); // the table is built once per process, before the first timing

const rows: Row[] = [];
const row = (operation: string, library: number | '', before: number, now: number): void => {
  rows.push({ operation, 'library ms': library, 'double-and-add ms': before, 'now ms': now, 'speed-up vs double-and-add': `${(before / now).toFixed(1)}×` });
};
row('k·Base8', '', await time((i) => doubleAndAdd(G, scalars[i]!)), await time((i) => mulBase8(scalars[i]!)));
row('k·P (P variable)', '', await time((i) => doubleAndAdd(point, scalars[i]!)), await time((i) => mul(point, scalars[i]!)));
const keyLib = await time((i) => publicKeyReference(keys[i]!.privateKey));
const keyNow = await time((i) => eddsaPublicKey(keys[i]!.privateKey));
rows.push({ operation: 'public key from private key', 'library ms': keyLib, 'now ms': keyNow });
rows.push({
  operation: 'sign (commitment)',
  'library ms': await time((i) => signPoseidonReference(keys[i]!, messages[i]!)),
  'now ms': await time((i) => signPoseidon(keys[i]!, messages[i]!)),
});
rows.push({
  operation: 'verify (prover and payer)',
  'library ms': await time((i) => verifyPoseidonSignatureReference(keys[i]!.publicKey, messages[i]!, sigs[i]!)),
  'now ms': await time((i) => verifyPoseidonSignature(keys[i]!.publicKey, messages[i]!, sigs[i]!)),
});
report('babyjub', rows, { calls: N, rounds: 5 });
