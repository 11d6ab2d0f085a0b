import { base58 } from '@scure/base';
import type { KeyResolver, Signer } from './signing.js';
import { ed25519PrivateKey, ed25519PublicKeyFromSeed, ed25519Sign } from './signing.js';

/**
 * did:key for Ed25519 (multicodec 0xed01, multibase base58btc): self-certifying, so any node
 * resolves it offline and deterministically, which the fold requires.
 */
const ED25519_MULTICODEC = new Uint8Array([0xed, 0x01]);

export function didKeyFromPublicKey(publicKey: Uint8Array): { did: string; keyId: string } {
  const multibase = `z${base58.encode(new Uint8Array([...ED25519_MULTICODEC, ...publicKey]))}`;
  const did = `did:key:${multibase}`;
  return { did, keyId: `${did}#${multibase}` };
}

export function publicKeyFromDidKey(didOrKeyId: string): Uint8Array | undefined {
  const m = /^did:key:(z[1-9A-HJ-NP-Za-km-z]+)(?:#(z[1-9A-HJ-NP-Za-km-z]+))?$/.exec(didOrKeyId);
  if (!m || (m[2] !== undefined && m[2] !== m[1])) return undefined;
  try {
    const bytes = base58.decode(m[1]!.slice(1));
    if (bytes.length !== 34 || bytes[0] !== 0xed || bytes[1] !== 0x01) return undefined;
    return bytes.slice(2);
  } catch {
    return undefined;
  }
}

export const didKeyResolver: KeyResolver = {
  resolveVerificationKey: (keyId) => publicKeyFromDidKey(keyId),
};

/** A signer over an Ed25519 seed, named by its did:key. */
export function didKeySigner(seed: Uint8Array): Signer & { did: string } {
  const publicKey = ed25519PublicKeyFromSeed(seed);
  const { did, keyId } = didKeyFromPublicKey(publicKey);
  const key = ed25519PrivateKey(seed);
  return { did, keyId, publicKey, sign: (data) => ed25519Sign(key, data) };
}

/** Tries each resolver in turn. */
export function chainResolvers(...resolvers: KeyResolver[]): KeyResolver {
  return {
    resolveVerificationKey: (keyId) => {
      for (const r of resolvers) {
        const k = r.resolveVerificationKey(keyId);
        if (k) return k;
      }
      return undefined;
    },
  };
}
