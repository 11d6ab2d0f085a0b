import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { MerkleTree, fromHex, leafHash, toHex, verifyConsistency, verifyInclusion, type Hash } from '../../core/board/merkle.js';

// The Certificate Transparency test vectors (the eight leaves every RFC 6962 implementation
// is checked with; the same in certificate-transparency and transparency-dev/merkle).
const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(fromHex);
const CT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
// [leaf index (0-based), tree size, audit path]
const CT_INCLUSION: [number, number, string[]][] = [
  [
    0,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    5,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [
    1,
    5,
    [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];
// [first size, second size, consistency proof]
const CT_CONSISTENCY: [number, number, string[]][] = [
  [1, 1, []],
  [
    1,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    6,
    8,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [2, 5, ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
];

function treeOf(leaves: readonly Uint8Array[]): MerkleTree {
  const t = new MerkleTree();
  for (const l of leaves) t.append(l);
  return t;
}

// An independent reference, written from RFC 9162 §2.1.1 with no shared code: hashes of
// byte strings, recursion on the split at the largest power of two below n.
const sha = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
function refSplit(n: number): number {
  return 2 ** Math.ceil(Math.log2(n) - 1);
}
function refMth(d: readonly Uint8Array[]): Uint8Array {
  if (d.length === 0) return sha();
  if (d.length === 1) return sha(Uint8Array.of(0), d[0]!);
  const k = refSplit(d.length);
  return sha(Uint8Array.of(1), refMth(d.slice(0, k)), refMth(d.slice(k)));
}
function refPath(m: number, d: readonly Uint8Array[]): Uint8Array[] {
  if (d.length === 1) return [];
  const k = refSplit(d.length);
  return m < k ? [...refPath(m, d.slice(0, k)), refMth(d.slice(k))] : [...refPath(m - k, d.slice(k)), refMth(d.slice(0, k))];
}
function refSubproof(m: number, d: readonly Uint8Array[], b: boolean): Uint8Array[] {
  const n = d.length;
  if (m === n) return b ? [] : [refMth(d)];
  const k = refSplit(n);
  return m <= k ? [...refSubproof(m, d.slice(0, k), b), refMth(d.slice(k))] : [...refSubproof(m - k, d.slice(k), false), refMth(d.slice(0, k))];
}

/** Deterministic pseudo-random leaves (xorshift), so a failure is reproducible. */
function randomLeaves(n: number, seed: number): Uint8Array[] {
  let x = seed >>> 0 || 1;
  const next = (): number => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), x >>> 0);
  return Array.from({ length: n }, () => Uint8Array.from({ length: next() % 24 }, () => next() & 0xff));
}

const hexes = (hs: readonly Hash[]): string[] => hs.map(toHex);
const flip = (h: Hash): Hash => Uint8Array.from(h, (b, i) => (i === 0 ? b ^ 1 : b));

describe('RFC 6962 / 9162 Merkle tree: published vectors', () => {
  test('the roots of the empty tree and of the CT trees of 1..8 leaves', () => {
    const t = new MerkleTree();
    assert.equal(toHex(t.root()), CT_ROOTS[0]);
    for (const [i, l] of CT_LEAVES.entries()) {
      t.append(l);
      assert.equal(toHex(t.root()), CT_ROOTS[i + 1], `size ${i + 1}`);
    }
    for (let n = 0; n <= 8; n++) assert.equal(toHex(t.root(n)), CT_ROOTS[n], `root of the first ${n}`);
  });

  test('the CT inclusion proofs: generated equal, and they verify', () => {
    const t = treeOf(CT_LEAVES);
    for (const [index, size, path] of CT_INCLUSION) {
      assert.deepEqual(hexes(t.inclusionProof(index, size)), path, `leaf ${index} of ${size}`);
      assert.ok(verifyInclusion(leafHash(CT_LEAVES[index]!), index, size, path.map(fromHex), fromHex(CT_ROOTS[size]!)));
    }
  });

  test('the CT consistency proofs: generated equal, and they verify', () => {
    const t = treeOf(CT_LEAVES);
    for (const [m, n, proof] of CT_CONSISTENCY) {
      assert.deepEqual(hexes(t.consistencyProof(m, n)), proof, `${m} → ${n}`);
      assert.ok(verifyConsistency(m, n, fromHex(CT_ROOTS[m]!), fromHex(CT_ROOTS[n]!), proof.map(fromHex)), `${m} → ${n}`);
    }
  });
});

describe('RFC 6962 / 9162 Merkle tree: against a reference written from the RFC, sizes 0..64', () => {
  const leaves = randomLeaves(64, 6962);
  const t = treeOf(leaves);

  test('every root', () => {
    for (let n = 0; n <= 64; n++) assert.equal(toHex(t.root(n)), toHex(refMth(leaves.slice(0, n))), `size ${n}`);
  });

  test('every inclusion proof equals PATH(m, D[n]), verifies, and fails for another leaf, index or root', () => {
    for (let n = 1; n <= 64; n++) {
      const root = t.root(n);
      for (let m = 0; m < n; m++) {
        const proof = t.inclusionProof(m, n);
        assert.deepEqual(hexes(proof), hexes(refPath(m, leaves.slice(0, n))), `leaf ${m} of ${n}`);
        assert.ok(verifyInclusion(t.leaf(m), m, n, proof, root), `leaf ${m} of ${n}`);
        assert.ok(!verifyInclusion(flip(t.leaf(m)), m, n, proof, root), `altered leaf ${m} of ${n}`);
        assert.ok(!verifyInclusion(t.leaf(m), m, n, proof, flip(root)), `other root, leaf ${m} of ${n}`);
        if (n > 1) assert.ok(!verifyInclusion(t.leaf(m), (m + 1) % n, n, proof, root), `leaf ${m} claimed at ${(m + 1) % n} of ${n}`);
        if (proof.length > 0) assert.ok(!verifyInclusion(t.leaf(m), m, n, proof.slice(1), root), `short proof, leaf ${m} of ${n}`);
      }
    }
  });

  test('every consistency proof equals PROOF(m, D[n]), verifies, and fails for another old or new root', () => {
    for (let n = 1; n <= 64; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = t.consistencyProof(m, n);
        assert.deepEqual(hexes(proof), hexes(m === n ? [] : refSubproof(m, leaves.slice(0, n), true)), `${m} → ${n}`);
        assert.ok(verifyConsistency(m, n, t.root(m), t.root(n), proof), `${m} → ${n}`);
        if (m < n) {
          assert.ok(!verifyConsistency(m, n, flip(t.root(m)), t.root(n), proof), `altered old root ${m} → ${n}`);
          assert.ok(!verifyConsistency(m, n, t.root(m), flip(t.root(n)), proof), `altered new root ${m} → ${n}`);
        }
      }
    }
  });

  test('a changed early leaf breaks consistency with the old head', () => {
    const old = t.root(20);
    const altered = treeOf(leaves.map((l, i) => (i === 7 ? Uint8Array.of(...l, 1) : l)));
    assert.ok(!verifyConsistency(20, 64, old, altered.root(64), altered.consistencyProof(20, 64)));
  });

  test('bad arguments: out-of-range sizes and indexes throw when generating, fail when verifying', () => {
    assert.throws(() => t.root(65), RangeError);
    assert.throws(() => t.inclusionProof(64, 64), RangeError);
    assert.throws(() => t.consistencyProof(10, 9), RangeError);
    assert.equal(verifyInclusion(t.leaf(0), 0, 0, [], t.root(0)), false);
    assert.equal(verifyConsistency(9, 8, t.root(8), t.root(8), []), false);
    assert.equal(verifyConsistency(4, 8, t.root(4), t.root(8), []), false);
  });
});
