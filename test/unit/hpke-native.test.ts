// The HPKE suite on Node's crypto against the library's WebCrypto suite: the same RFC 9180
// construction, so from one ephemeral seed both must write the same bytes, and each must open
// what the other sealed. The WebCrypto suite is an independent implementation of every
// primitive (X25519, HKDF, AES-GCM), which is what makes the comparison an oracle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Aes128Gcm, Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { NobleHkdfSha256, NodeDhkemX25519HkdfSha256, nodeAes128Gcm, nodeAes256Gcm } from '../../core/crypto/hpke-native.js';
import { seededRandom } from '../../core/common/random.js';

const suites = (aes: 128 | 256) => ({
  library: new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: aes === 256 ? new Aes256Gcm() : new Aes128Gcm() }),
  native: new CipherSuite({ kem: new NodeDhkemX25519HkdfSha256(), kdf: new NobleHkdfSha256(), aead: aes === 256 ? nodeAes256Gcm() : nodeAes128Gcm() }),
});
const hex = (b: ArrayBuffer): string => Buffer.from(b).toString('hex');

for (const aes of [256, 128] as const) {
  test(`AES-${aes}-GCM: from one ephemeral seed, the native suite seals the library's bytes, and each opens the other's`, async () => {
    const { library, native } = suites(aes);
    const random = seededRandom(`hpke-native-${aes}`);
    for (let i = 0; i < 8; i++) {
      const recipientSeed = random.bytes(32);
      const ekm = random.bytes(32).buffer as ArrayBuffer;
      const info = random.bytes(1 + i * 9);
      const pt = random.bytes(i * 7);
      const [libPair, natPair] = [await library.kem.deriveKeyPair(recipientSeed), await native.kem.deriveKeyPair(recipientSeed)];
      assert.equal(hex(await native.kem.serializePublicKey(natPair.publicKey)), hex(await library.kem.serializePublicKey(libPair.publicKey)));
      const a = await library.seal({ recipientPublicKey: libPair.publicKey, info, ekm }, pt);
      const b = await native.seal({ recipientPublicKey: natPair.publicKey, info, ekm }, pt);
      assert.equal(hex(b.enc), hex(a.enc), 'encapsulated key');
      assert.equal(hex(b.ct), hex(a.ct), 'ciphertext');
      const fresh = await native.seal({ recipientPublicKey: natPair.publicKey, info }, pt);
      assert.equal(hex(await library.open({ recipientKey: libPair, enc: fresh.enc, info }, fresh.ct)), hex(pt.slice().buffer));
      const back = await library.seal({ recipientPublicKey: libPair.publicKey, info }, pt);
      assert.equal(hex(await native.open({ recipientKey: natPair.privateKey, enc: back.enc, info }, back.ct)), hex(pt.slice().buffer));
    }
  });
}

test('the native suite refuses a tampered ciphertext, a tampered encapsulation, other info and a short public key', async () => {
  const { native } = suites(256);
  const random = seededRandom('hpke-native-refusals');
  const pair = await native.kem.deriveKeyPair(random.bytes(32));
  const info = new TextEncoder().encode('ctx');
  const { enc, ct } = await native.seal({ recipientPublicKey: pair.publicKey, info }, random.bytes(32));
  const flip = (b: ArrayBuffer, at: number): ArrayBuffer => {
    const c = new Uint8Array(b.slice(0));
    c[at]! ^= 1;
    return c.buffer;
  };
  await assert.rejects(native.open({ recipientKey: pair.privateKey, enc, info }, flip(ct, 3)));
  await assert.rejects(native.open({ recipientKey: pair.privateKey, enc, info }, flip(ct, ct.byteLength - 1)));
  await assert.rejects(native.open({ recipientKey: pair.privateKey, enc: flip(enc, 0), info }, ct));
  await assert.rejects(native.open({ recipientKey: pair.privateKey, enc, info: new TextEncoder().encode('other') }, ct));
  await assert.rejects(native.kem.importKey('raw', random.bytes(31).buffer as ArrayBuffer, true), /32 bytes/);
});
