import { base58 } from '@scure/base';
import { MurmurError } from '../common/errors.js';
import type { KeyResolver, Signer } from './signing.js';
import { ed25519PrivateKey, ed25519PublicKeyFromSeed, ed25519Sign } from './signing.js';

/**
 * Pure, offline reading of `did:peer:2` DIDs (numalgo 2: the keys are inside the DID), as
 * Identus' Castor makes them for agents: `did:peer:2.E<x25519>.V<ed25519>.S<service>`.
 * Key fragments are `#key-<n>`, numbered from 1 over the key elements in DID order (the
 * numbering Castor's resolver uses; a test checks the two agree).
 *
 * The fold needs a synchronous, pure resolver, so this does not call Castor.
 */
export type PeerKeyPurpose = 'authentication' | 'keyAgreement' | 'assertionMethod' | 'capabilityInvocation' | 'capabilityDelegation';

export interface PeerKey {
  /** DID URL, `<did>#key-<n>` */
  id: string;
  purpose: PeerKeyPurpose;
  type: 'Ed25519' | 'X25519';
  publicKey: Uint8Array;
}

const PURPOSES: Record<string, PeerKeyPurpose> = {
  V: 'authentication',
  E: 'keyAgreement',
  A: 'assertionMethod',
  I: 'capabilityInvocation',
  D: 'capabilityDelegation',
};

const B58 = '[1-9A-HJ-NP-Za-km-z]+';
const DID_PEER_2 = new RegExp(`^did:peer:2((?:\\.[VEAID]z${B58})+)((?:\\.S[A-Za-z0-9_=-]*)*)$`);

const cache = new Map<string, readonly PeerKey[] | null>();

/** The keys of a `did:peer:2` DID, or undefined when it is not one (or is malformed). */
export function parseDidPeer2(did: string): readonly PeerKey[] | undefined {
  const hit = cache.get(did);
  if (hit !== undefined) return hit ?? undefined;
  const keys = parseUncached(did);
  if (cache.size > 10_000) cache.clear();
  cache.set(did, keys ?? null);
  return keys;
}

function parseUncached(did: string): readonly PeerKey[] | undefined {
  const m = DID_PEER_2.exec(did);
  if (!m) return undefined;
  const elements = m[1]!.slice(1).split('.');
  const keys: PeerKey[] = [];
  for (const [i, element] of elements.entries()) {
    let bytes: Uint8Array;
    try {
      bytes = base58.decode(element.slice(2));
    } catch {
      return undefined;
    }
    if (bytes.length !== 34 || bytes[1] !== 0x01) return undefined;
    const type = bytes[0] === 0xed ? 'Ed25519' : bytes[0] === 0xec ? 'X25519' : undefined;
    if (!type) return undefined;
    const purpose = PURPOSES[element[0]!]!;
    if ((purpose === 'keyAgreement') !== (type === 'X25519')) return undefined;
    keys.push({ id: `${did}#key-${i + 1}`, purpose, type, publicKey: bytes.slice(2) });
  }
  return Object.freeze(keys);
}

function splitDidUrl(keyId: string): { did: string; fragment: string | undefined } {
  const hash = keyId.indexOf('#');
  return hash < 0 ? { did: keyId, fragment: undefined } : { did: keyId.slice(0, hash), fragment: keyId.slice(hash + 1) };
}

/**
 * The Ed25519 authentication key a `did:peer:2` DID URL names (`<did>#key-<n>`), else
 * undefined. Envelope signatures by agents verify against this.
 */
export function didPeerVerificationKey(keyId: string): Uint8Array | undefined {
  const { did, fragment } = splitDidUrl(keyId);
  if (fragment === undefined) return undefined;
  const key = parseDidPeer2(did)?.find((k) => k.id === keyId);
  return key && key.type === 'Ed25519' && key.purpose === 'authentication' ? key.publicKey : undefined;
}

/** Pure, offline resolver for agents' envelope signing keys. Combine with `chainResolvers`. */
export const didPeerResolver: KeyResolver = {
  resolveVerificationKey: (keyId) => didPeerVerificationKey(keyId),
};

/** The X25519 key-agreement key of an agent's `did:peer:2`: what HPKE wraps content keys to. */
export function didPeerAgreementKey(did: string): { keyId: string; publicKey: Uint8Array } | undefined {
  const key = parseDidPeer2(splitDidUrl(did).did)?.find((k) => k.purpose === 'keyAgreement');
  return key ? { keyId: key.id, publicKey: key.publicKey } : undefined;
}

/** The authentication key id of a `did:peer:2` whose Ed25519 public key is `publicKey`. */
export function didPeerAuthenticationKeyId(did: string, publicKey: Uint8Array): string | undefined {
  const key = parseDidPeer2(did)?.find((k) => k.purpose === 'authentication' && Buffer.compare(Buffer.from(k.publicKey), Buffer.from(publicKey)) === 0);
  return key?.id;
}

/**
 * A `Signer` over an Ed25519 seed, named by the `did:peer:2` key that holds its public key.
 * Prefer the keystore's `signer(...)`, which keeps the seed sealed.
 */
export function didPeerSigner(seed: Uint8Array, did: string): Signer {
  const publicKey = ed25519PublicKeyFromSeed(seed);
  const keyId = didPeerAuthenticationKeyId(did, publicKey);
  if (!keyId) throw new MurmurError('E_INPUT', 'the Ed25519 key is not an authentication key of this did:peer:2', { did });
  const key = ed25519PrivateKey(seed);
  return { keyId, publicKey, sign: (data) => ed25519Sign(key, data) };
}
