import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import type { Random } from '../common/random.js';
import { cryptoRandom } from '../common/random.js';

/**
 * Ed25519 signing. A private key stays inside its `Signer` (the wallet hands out signers,
 * never key bytes); verification needs only the raw 32-byte public key.
 */
export interface Signer {
  /** DID URL of the verification method whose key signs, e.g. `did:key:z6Mk…#z6Mk…`. */
  readonly keyId: string;
  readonly publicKey: Uint8Array;
  sign(data: Uint8Array): Uint8Array;
}

/**
 * Signers whose `publicKey` is, by construction, the key they sign with: the keystore's (it
 * derives both from the one secret it holds). An envelope such a signer signed in this process
 * needs no signature check here (verified-cache.ts, `signedHereUnder`); any other signer's
 * envelopes are checked like a stranger's.
 */
const vouched = new WeakMap<Signer, Uint8Array>();

/** Registers a signer whose public key is its own, with a private copy of that key. */
export function vouchForSigner<S extends Signer>(signer: S): S {
  vouched.set(signer, signer.publicKey.slice());
  return signer;
}

/** The key a vouched signer signs with (a copy taken when vouched), or undefined. */
export function vouchedKey(signer: Signer): Uint8Array | undefined {
  return vouched.get(signer);
}

/** Maps a DID URL to the raw Ed25519 public key it names. Must be pure (no I/O). */
export interface KeyResolver {
  resolveVerificationKey(keyId: string): Uint8Array | undefined;
}

/**
 * A resolver that remembers what a pure resolver answered (bounded), since parsing a
 * did:peer or decoding a did:key on every envelope is a measurable share of the fold.
 */
export function memoizedResolver(inner: KeyResolver, max = 4_096): KeyResolver {
  const known = new Map<string, Uint8Array>();
  return {
    resolveVerificationKey(keyId) {
      const hit = known.get(keyId);
      if (hit) return hit;
      const key = inner.resolveVerificationKey(keyId);
      if (!key) return undefined; // unknown ids are not remembered: they cannot crowd out real authors
      if (known.size >= max) known.delete(known.keys().next().value!);
      known.set(keyId, key);
      return key;
    },
  };
}

// PKCS#8 and SPKI prefixes for a raw Ed25519 key (RFC 8410).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function ed25519PrivateKey(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new Error('an Ed25519 seed is 32 bytes');
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

export function ed25519PublicKeyFromSeed(seed: Uint8Array): Uint8Array {
  const spki = createPublicKey(ed25519PrivateKey(seed)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(SPKI_PREFIX.length));
}

export function newEd25519Seed(random: Random = cryptoRandom): Uint8Array {
  return random.bytes(32);
}

export function ed25519Sign(key: KeyObject, data: Uint8Array): Uint8Array {
  return new Uint8Array(nodeSign(null, data, key));
}

// Building a KeyObject from SPKI bytes costs about as much as the verify itself, and a board
// has few authors, so verification keys are kept (bounded; oldest dropped first).
const VERIFY_KEY_CACHE_MAX = 4_096;
const verifyKeys = new Map<string, KeyObject>();

function verifyKeyObject(publicKey: Uint8Array): KeyObject {
  const hex = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('hex');
  let key = verifyKeys.get(hex);
  if (!key) {
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
    if (verifyKeys.size >= VERIFY_KEY_CACHE_MAX) verifyKeys.delete(verifyKeys.keys().next().value!);
    verifyKeys.set(hex, key);
  }
  return key;
}

/** A verifier bound to one public key, for checking many signatures by the same signer (a witness's tree heads). */
export function ed25519Verifier(publicKey: Uint8Array): (data: Uint8Array, signature: Uint8Array) => boolean {
  return (data, signature) => ed25519Verify(publicKey, data, signature);
}

export function ed25519Verify(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    return nodeVerify(null, data, verifyKeyObject(publicKey), signature);
  } catch {
    return false;
  }
}

/** How many verification keys are cached (bounded by `VERIFY_KEY_CACHE_MAX`); for tests. */
export function cachedVerifyKeys(): number {
  return verifyKeys.size;
}

/** Forgets cached verification keys (benchmarks measure the cold path with it). */
export function clearVerifyKeyCache(): void {
  verifyKeys.clear();
}
