import { sha256Base64 } from '../common/hash.js';

/**
 * Envelopes this process has already checked in full (id recomputed from the canonical
 * content, signature verified), so the four replicas of an embedded coalition, or a replica
 * re-reading what admission checked, pay for canonicalization and Ed25519 once per entry.
 *
 * Sound: the fingerprint is the SHA-256 of the envelope's JSON text (id and signature included)
 * and of the author's public key. Equal JSON text means an equal JSON value, hence equal
 * canonical bytes, hence the same id check and the same signature result under the same key.
 * A forged or altered entry has other text and takes the full path; only successes are
 * remembered. JSON.stringify is an order of magnitude cheaper than RFC 8785 canonicalization
 * (no key sorting), which is why it, and not the canonical text, is hashed. Bounded, oldest
 * dropped first.
 */
const MAX = 65_536;
const verified = new Set<string>();

export function verifiedFingerprint(envelope: unknown, publicKey: Uint8Array): string {
  return sha256Base64(JSON.stringify(envelope), publicKey);
}

export function wasVerified(fingerprint: string): boolean {
  return verified.has(fingerprint);
}

export function rememberVerified(fingerprint: string): void {
  if (verified.size >= MAX) verified.delete(verified.values().next().value!);
  verified.add(fingerprint);
}

/**
 * Envelope objects already checked in full, with the key they were checked under: a batch
 * verifier's (worker threads, app/node/verify-pool.ts), or the first replica's to fold an entry
 * a store hands to several (sqlite-store.ts shares its last committed entries): the fold then
 * skips even the fingerprint. Keyed by the object itself, the very one the fold will read, so
 * it is sound while envelopes read from a store are not mutated, which nothing does (the fold
 * and the rules only read them). A weak map: an entry leaves with its envelope.
 */
let verifiedObjects = new WeakMap<object, Uint8Array>();

export function rememberVerifiedObject(envelope: object, publicKey: Uint8Array): void {
  verifiedObjects.set(envelope, publicKey);
}

export function wasVerifiedObject(envelope: object, publicKey: Uint8Array): boolean {
  const key = verifiedObjects.get(envelope);
  return key !== undefined && sameBytes(key, publicKey);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Ids of envelopes this process's keystore signed (`vouchedKey` in signing.ts), with the key it signed
 * under. Sound: an id is the SHA-256 of the envelope's canonical content, signature included,
 * so an envelope whose content hashes to such an id is the very content that was signed, and
 * its signature is valid under that key; checking it again proves nothing. The id itself is
 * still checked against the content (a forgery may borrow an id), and the shortcut holds only
 * when the author's key resolves to the same key. Bounded, oldest dropped first.
 */
const signedHere = new Map<string, Uint8Array>();

export function rememberSignedHere(id: string, publicKey: Uint8Array): void {
  if (signedHere.size >= MAX) signedHere.delete(signedHere.keys().next().value!);
  signedHere.set(id, publicKey);
}

export function signedHereUnder(id: string, publicKey: Uint8Array): boolean {
  const key = signedHere.get(id);
  return key !== undefined && sameBytes(key, publicKey);
}

/** Forgets every verification (benchmarks measure the cold path with it; tests start clean). */
export function clearVerifiedCache(): void {
  verified.clear();
  verifiedObjects = new WeakMap();
  signedHere.clear();
}

export function verifiedCacheSize(): number {
  return verified.size;
}
