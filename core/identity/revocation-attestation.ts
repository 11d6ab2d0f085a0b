import { canonicalBytes } from '../common/canonical.js';
import { fromBase64url, toBase64url } from '../common/encoding.js';
import type { Signer } from '../crypto/signing.js';
import { ed25519Verify } from '../crypto/signing.js';
import { didOf } from './credentials.js';
import { resolveControllerDocument, ed25519KeyOf } from './dids.js';
import type { TrustRegistry } from './trust-registry.js';

/**
 * An accreditor's signed statement that one of its credentials (a status-list entry of an
 * `AccreditationCredential` it issued) is revoked. The accreditor has no board key, so any
 * member relays the statement in a `Revocation` entry; the statement, not the relay, is what
 * the fold trusts. Signed with the key the accreditor's credentials are signed with (an
 * assertion key of its did:prism, resolved offline from the long form).
 */
export const ATTESTATION_VERSION = 1;
/** Domain separation: these bytes can never be mistaken for an envelope, a credential or a proof. */
export const ATTESTATION_DOMAIN = 'murmur/accreditor-revocation';

export interface StatusTarget {
  issuer: string;
  list: string;
  index: number;
}

export interface RevocationAttestation {
  version: typeof ATTESTATION_VERSION;
  /** DID URL of the signing key, a verification method of `issuer`. */
  keyId: string;
  /** Ed25519 signature over `attestationMessage`, base64url. */
  signature: string;
}

/** The canonical (RFC 8785) bytes an accreditor signs for one status entry. */
export function attestationMessage(target: StatusTarget): Uint8Array {
  return canonicalBytes({ domain: ATTESTATION_DOMAIN, version: ATTESTATION_VERSION, issuer: target.issuer, list: target.list, index: target.index });
}

/** The accreditor signs the revocation of one of its status entries (its `issuer` signer: `<did>#issuing-0`). */
export function attestRevocation(accreditor: Signer, target: Omit<StatusTarget, 'issuer'>): StatusTarget & { attestation: RevocationAttestation } {
  const full = { issuer: didOf(accreditor.keyId), list: target.list, index: target.index };
  return { ...full, attestation: { version: ATTESTATION_VERSION, keyId: accreditor.keyId, signature: toBase64url(accreditor.sign(attestationMessage(full))) } };
}

export type AttestationVerdict = { ok: true; accreditor: string } | { ok: false; code: 'untrusted-accreditor' | 'wrong-key' | 'bad-signature'; reason: string };

/**
 * Whether `attestation` is the statement of an accreditor the charter's trust registry lists
 * (one that issues accreditation credentials), signed with one of its assertion keys, for
 * exactly this issuer, list and index. Fails closed: an unresolvable key is a wrong key.
 */
export async function verifyRevocationAttestation(
  target: StatusTarget,
  attestation: RevocationAttestation,
  registry: TrustRegistry,
): Promise<AttestationVerdict> {
  if (!registry.data.accreditors.some((a) => a.did === target.issuer)) {
    return { ok: false, code: 'untrusted-accreditor', reason: 'the issuer is not an accreditor of the trust registry' };
  }
  if (didOf(attestation.keyId) !== target.issuer) return { ok: false, code: 'wrong-key', reason: "the attestation is not signed with the issuer's key" };
  const doc = await resolveControllerDocument(target.issuer);
  const key = doc?.assertionMethod.includes(attestation.keyId) ? ed25519KeyOf(doc, attestation.keyId) : undefined;
  if (!key) return { ok: false, code: 'wrong-key', reason: "the signing key is not an assertion key of the issuer's DID" };
  if (!ed25519Verify(key, attestationMessage(target), fromBase64url(attestation.signature))) {
    return { ok: false, code: 'bad-signature', reason: 'the signature does not verify for this issuer, list and index' };
  }
  return { ok: true, accreditor: target.issuer };
}
