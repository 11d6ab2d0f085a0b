import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { Dhkem, type DhkemPrimitives, LABEL_DKP_PRK, LABEL_SK, type AeadEncryptionContext, type AeadInterface } from '@hpke/common';
import { AeadId, HkdfSha256, KemId } from '@hpke/core';
import { expand, extract } from '@noble/hashes/hkdf';
import { sha256 } from '@noble/hashes/sha256';

/**
 * The HPKE suite's primitives on Node's own crypto, synchronous, under the library's HPKE
 * (RFC 9180 key schedule, labels, nonces and contexts stay `@hpke/core`'s).
 *
 * Why: `@hpke/core`'s defaults go through WebCrypto, where every HMAC is a key import and an
 * async job on the thread pool; one wrap or unwrap was 1.3–1.8 ms of CPU, and a reference case
 * makes 18 of them on the coalition's event loop. Here the HKDF steps are `@noble/hashes`'
 * (pure JS, a few µs each), X25519 and AES-256-GCM are OpenSSL's through `node:crypto`.
 * The output is byte-for-byte the library's (test/unit/hpke-native.test.ts seals with both
 * from one ephemeral seed and opens each with the other).
 */

const bytes = (x: ArrayBufferLike | ArrayBufferView): Uint8Array =>
  ArrayBuffer.isView(x) ? new Uint8Array(x.buffer, x.byteOffset, x.byteLength) : new Uint8Array(x);
/** A fresh ArrayBuffer of exactly these bytes (a Buffer's `.buffer` may be a shared pool). */
const arrayBuffer = (b: Uint8Array): ArrayBuffer => new Uint8Array(b).buffer;

/** HKDF-SHA256 with `@noble/hashes` (RFC 5869), labeled by the library's own `HkdfSha256`. */
export class NobleHkdfSha256 extends HkdfSha256 {
  override async extract(salt: ArrayBufferLike | ArrayBufferView, ikm: ArrayBufferLike | ArrayBufferView): Promise<ArrayBuffer> {
    const s = bytes(salt);
    return arrayBuffer(extract(sha256, bytes(ikm), s.byteLength === 0 ? new Uint8Array(this.hashSize) : s));
  }
  override async expand(prk: ArrayBufferLike | ArrayBufferView, info: ArrayBufferLike | ArrayBufferView, len: number): Promise<ArrayBuffer> {
    return arrayBuffer(expand(sha256, bytes(prk), bytes(info), len));
  }
  override async extractAndExpand(
    salt: ArrayBufferLike | ArrayBufferView,
    ikm: ArrayBufferLike | ArrayBufferView,
    info: ArrayBufferLike | ArrayBufferView,
    len: number,
  ): Promise<ArrayBuffer> {
    return this.expand(await this.extract(salt, ikm), info, len);
  }
}

// The DER framings of a raw X25519 key (RFC 8410), so OpenSSL takes and gives raw bytes.
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex');
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');

type CryptoKey = Parameters<DhkemPrimitives['dh']>[0];
type CryptoKeyPair = Awaited<ReturnType<DhkemPrimitives['generateKeyPair']>>;
type JsonWebKey = Exclude<Parameters<DhkemPrimitives['importKey']>[1], ArrayBuffer>;

/**
 * A KeyObject in the place the library types as a CryptoKey (the KEM only hands it back to
 * us), with its raw bytes once known: OpenSSL's DER export and import were most of the cost.
 */
interface NodeKey {
  readonly node: KeyObject;
  /** A public key's 32 raw bytes, once exported or as imported. */
  raw?: Uint8Array;
  /** A private key's public key, once derived. */
  pub?: NodeKey;
}
const asCryptoKey = (k: NodeKey): CryptoKey => k as unknown as CryptoKey;
const nodeKey = (k: CryptoKey): NodeKey => {
  const key = k as unknown as Partial<NodeKey>;
  if (!key.node) throw new Error('not a key of this suite');
  return key as NodeKey;
};

function importRaw(raw: Uint8Array, isPublic: boolean): NodeKey {
  if (raw.byteLength !== 32) throw new Error(`an X25519 ${isPublic ? 'public' : 'private'} key is 32 bytes`);
  return isPublic
    ? { node: createPublicKey({ key: Buffer.concat([SPKI_X25519, raw]), format: 'der', type: 'spki' }), raw: new Uint8Array(raw) }
    : { node: createPrivateKey({ key: Buffer.concat([PKCS8_X25519, raw]), format: 'der', type: 'pkcs8' }) };
}
function rawPublic(k: NodeKey): Uint8Array {
  k.raw ??= new Uint8Array(k.node.export({ format: 'der', type: 'spki' }).subarray(SPKI_X25519.length));
  return k.raw;
}
function publicOf(k: NodeKey): NodeKey {
  k.pub ??= { node: createPublicKey(k.node) };
  return k.pub;
}

/** Readers' public keys seen lately, imported once: a coalition wraps to a handful of readers. */
const RECENT_PUBLIC_KEYS = 256;

class NodeX25519 implements DhkemPrimitives {
  private readonly recent = new Map<string, NodeKey>();
  constructor(private readonly kdf: NobleHkdfSha256) {}
  private importPublic(raw: Uint8Array): NodeKey {
    const id = Buffer.from(raw).toString('base64');
    let k = this.recent.get(id);
    if (!k) {
      k = importRaw(raw, true);
      if (this.recent.size >= RECENT_PUBLIC_KEYS) this.recent.delete(this.recent.keys().next().value!);
      this.recent.set(id, k);
    }
    return k;
  }
  async serializePublicKey(key: CryptoKey): Promise<ArrayBuffer> {
    return arrayBuffer(rawPublic(nodeKey(key)));
  }
  async deserializePublicKey(key: ArrayBufferLike | ArrayBufferView): Promise<CryptoKey> {
    return asCryptoKey(importRaw(bytes(key), true));
  }
  async serializePrivateKey(key: CryptoKey): Promise<ArrayBuffer> {
    return arrayBuffer(nodeKey(key).node.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_X25519.length));
  }
  async deserializePrivateKey(key: ArrayBufferLike | ArrayBufferView): Promise<CryptoKey> {
    return asCryptoKey(importRaw(bytes(key), false));
  }
  async importKey(format: 'raw' | 'jwk', key: ArrayBuffer | JsonWebKey, isPublic: boolean): Promise<CryptoKey> {
    if (format !== 'raw' || !(key instanceof ArrayBuffer || ArrayBuffer.isView(key))) throw new Error('only raw X25519 keys are taken');
    return asCryptoKey(isPublic ? this.importPublic(bytes(key)) : importRaw(bytes(key), false));
  }
  async generateKeyPair(): Promise<CryptoKeyPair> {
    const { publicKey, privateKey } = generateKeyPairSync('x25519');
    const pub: NodeKey = { node: publicKey };
    return { publicKey: asCryptoKey(pub), privateKey: asCryptoKey({ node: privateKey, pub }) };
  }
  /** RFC 9180 §7.1.3: for X25519 the private key is the labeled expansion itself. */
  async deriveKeyPair(ikm: ArrayBufferLike | ArrayBufferView): Promise<CryptoKeyPair> {
    const prk = await this.kdf.labeledExtract(new ArrayBuffer(0), LABEL_DKP_PRK, bytes(ikm));
    const sk = importRaw(new Uint8Array(await this.kdf.labeledExpand(prk, LABEL_SK, new Uint8Array(0), 32)), false);
    return { privateKey: asCryptoKey(sk), publicKey: asCryptoKey(publicOf(sk)) };
  }
  async derivePublicKey(key: CryptoKey): Promise<CryptoKey> {
    return asCryptoKey(publicOf(nodeKey(key)));
  }
  async dh(sk: CryptoKey, pk: CryptoKey): Promise<ArrayBuffer> {
    return arrayBuffer(diffieHellman({ privateKey: nodeKey(sk).node, publicKey: nodeKey(pk).node }));
  }
}

/** DHKEM(X25519, HKDF-SHA256), the library's KEM over Node's X25519. */
export class NodeDhkemX25519HkdfSha256 extends Dhkem {
  override readonly secretSize = 32;
  override readonly encSize = 32;
  override readonly publicKeySize = 32;
  override readonly privateKeySize = 32;
  constructor() {
    const kdf = new NobleHkdfSha256();
    super(KemId.DhkemX25519HkdfSha256, new NodeX25519(kdf), kdf);
  }
}

/** AES-GCM on OpenSSL; ciphertext ‖ 16-byte tag, as WebCrypto writes it. */
class NodeAesGcm implements AeadInterface {
  readonly nonceSize = 12;
  readonly tagSize = 16;
  constructor(
    readonly id: AeadId,
    readonly keySize: number,
  ) {}
  createEncryptionContext(key: ArrayBufferLike | ArrayBufferView): AeadEncryptionContext {
    const k = Buffer.from(bytes(key));
    if (k.length !== this.keySize) throw new Error(`an AES-GCM key of this suite is ${this.keySize} bytes`);
    const algorithm = this.keySize === 32 ? 'aes-256-gcm' : 'aes-128-gcm';
    return {
      seal: async (iv, data, aad) => {
        const c = createCipheriv(algorithm, k, bytes(iv)).setAAD(bytes(aad));
        return arrayBuffer(Buffer.concat([c.update(bytes(data)), c.final(), c.getAuthTag()]));
      },
      open: async (iv, data, aad) => {
        const d = bytes(data);
        if (d.byteLength < this.tagSize) throw new Error('ciphertext shorter than its tag');
        const c = createDecipheriv(algorithm, k, bytes(iv)).setAAD(bytes(aad));
        c.setAuthTag(d.subarray(d.byteLength - this.tagSize));
        return arrayBuffer(Buffer.concat([c.update(d.subarray(0, d.byteLength - this.tagSize)), c.final()]));
      },
    };
  }
}

export const nodeAes256Gcm = (): AeadInterface => new NodeAesGcm(AeadId.Aes256Gcm, 32);
export const nodeAes128Gcm = (): AeadInterface => new NodeAesGcm(AeadId.Aes128Gcm, 16);
