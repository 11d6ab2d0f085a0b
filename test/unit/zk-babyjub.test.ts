// EdDSA-Poseidon and Poseidon as circomlib defines them: the circuits verify exactly these, so a
// library that derives keys or hashes differently would make every proof fail. The key vector is
// circomlibjs's own EdDSA test key; the Poseidon values are the reference outputs for 1..5.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../core/common/random.js';
import {
  newZkSigningKey,
  poseidon,
  publicKeyReference,
  signPoseidon,
  signPoseidonReference,
  verifyPoseidonSignature,
  verifyPoseidonSignatureReference,
  zkSigningKeyFromSeed,
} from '../../core/zk/babyjub.js';
import { BABYJUB_SUBORDER } from '../../core/zk/babyjub-curve.js';

const SEED = Uint8Array.from(Buffer.from('0001020304050607080900010203040506070809000102030405060708090001', 'hex'));

test("the public key of circomlib's test key is the one circomlib derives", async () => {
  const key = await zkSigningKeyFromSeed(SEED);
  assert.deepEqual(key.publicKey, {
    x: '13277427435165878497778222415993513565335242147425444199013288855685581939618',
    y: '13622229784656158136036771217484571176836296686641868549125388198837476602820',
  });
});

test("a signature is circomlib's, verifies, and fails for another message or key", async () => {
  const key = await zkSigningKeyFromSeed(SEED);
  const sig = await signPoseidon(key, 1234567890123456789n);
  assert.deepEqual(sig, {
    R8x: '18300640670809206766809402529746137364546823063816835540918195678135269256494',
    R8y: '2424468209769127268233715008232444090874376862107712695167802752928399826492',
    S: '1948617007658965677572208583018199303200193668460547010282453345240320417989',
  });
  assert.equal(await verifyPoseidonSignature(key.publicKey, 1234567890123456789n, sig), true);
  assert.equal(await verifyPoseidonSignature(key.publicKey, 1234567890123456788n, sig), false);
  const other = await zkSigningKeyFromSeed(new Uint8Array(32).fill(7));
  assert.equal(await verifyPoseidonSignature(other.publicKey, 1234567890123456789n, sig), false);
});

test('a signature with a point off the curve or a malformed number is refused, not thrown', async () => {
  const key = await zkSigningKeyFromSeed(SEED);
  const sig = await signPoseidon(key, 42n);
  assert.equal(await verifyPoseidonSignature(key.publicKey, 42n, { ...sig, R8x: '1' }), false);
  assert.equal(await verifyPoseidonSignature(key.publicKey, 42n, { ...sig, S: '-5' }), false);
  assert.equal(await verifyPoseidonSignature({ x: 'abc', y: key.publicKey.y }, 42n, sig), false);
});

test('Poseidon gives the reference outputs and refuses widths the circuits do not have', async () => {
  assert.equal(await poseidon([1n, 2n]), 7853200120776062878684798364095072458815029376092732009249414926327459813530n);
  assert.equal(await poseidon([1n, 2n, 3n, 4n, 5n]), 6183221330272524995739186171720101788151706631170188140075976616310159254464n);
  await assert.rejects(poseidon([]), /1 to 16 inputs/);
  await assert.rejects(poseidon(Array.from({ length: 17 }, () => 1n)), /1 to 16 inputs/);
});

test('the fast verifier decides as the library does: valid, other message, other key, S + subgroup order, off-curve R8', async () => {
  const random = seededRandom('fast-eddsa-vs-library');
  for (let i = 0; i < 6; i++) {
    const key = await newZkSigningKey(random);
    const other = await newZkSigningKey(random);
    const m = BigInt(`0x${Buffer.from(random.bytes(31)).toString('hex')}`);
    const sig = await signPoseidon(key, m);
    const cases: [typeof key.publicKey, bigint, typeof sig][] = [
      [key.publicKey, m, sig],
      [key.publicKey, m + 1n, sig],
      [other.publicKey, m, sig],
      [key.publicKey, m, { ...sig, S: String(BigInt(sig.S) + BABYJUB_SUBORDER) }],
      [key.publicKey, m, { ...sig, R8y: String(BigInt(sig.R8y) + 1n) }],
    ];
    const verdicts = await Promise.all(cases.map(([k, msg, s]) => verifyPoseidonSignature(k, msg, s)));
    assert.deepEqual(verdicts, [true, false, false, false, false]);
    assert.deepEqual(
      cases.map(([k, msg, s]) => verifyPoseidonSignatureReference(k, msg, s)),
      verdicts,
    );
  }
});

test("the fast key derivation and signer give the library's key and signature, bit for bit, over random keys and messages up to the field's size", async () => {
  const random = seededRandom('fast-eddsa-sign-vs-library');
  const messages = [0n, 1n, 2n ** 253n + 12345n];
  for (let i = 0; i < 6; i++) {
    const key = await newZkSigningKey(random);
    assert.deepEqual(key.publicKey, publicKeyReference(key.privateKey));
    messages.push(BigInt(`0x${Buffer.from(random.bytes(31)).toString('hex')}`));
    for (const m of messages.slice(-2)) {
      const sig = await signPoseidon(key, m);
      assert.deepEqual(sig, signPoseidonReference(key, m));
      assert.equal(verifyPoseidonSignatureReference(key.publicKey, m, sig), true);
    }
  }
});
