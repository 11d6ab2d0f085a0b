import { from as multikeyFrom } from '@digitalbazaar/ed25519-multikey';
import { createSignCryptosuite, createVerifyCryptosuite } from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import { cryptosuite as rdfc } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { ed25519Verify } from '../crypto/signing.js';

/**
 * Credentials and presentations are signed with Data Integrity `eddsa-jcs-2022` (the JSON
 * Canonicalization Scheme, RFC 8785): the same Ed25519 proofs as `eddsa-rdfc-2022`, over the
 * document's canonical JSON instead of its canonical RDF. RDF canonicalization was the largest
 * item of the embedded coalition's main thread (jsonld, 15 %): a presentation took ≈ 8 ms to
 * sign and ≈ 10 ms to verify with it, ≈ 0.3 ms and ≈ 1.5 ms with JCS (docs/decisions.md).
 * `eddsa-rdfc-2022` proofs are still verified, so credentials issued before stay valid.
 */
export const SIGNING_CRYPTOSUITE = 'eddsa-jcs-2022';
export const CRYPTOSUITES = ['eddsa-jcs-2022', 'eddsa-rdfc-2022'] as const;

/**
 * Verifies through `ed25519Verify`, which keeps each public key's KeyObject: the libraries'
 * verifier rebuilt one from the key bytes on every signature it checked (1.1 % of the embedded
 * coalition's main thread in a 200-case profile), and an agent's presentations are checked
 * again and again under the same few keys.
 */
async function createVerifier({ verificationMethod }: { verificationMethod: object }) {
  const key = await multikeyFrom(verificationMethod);
  return {
    algorithm: 'Ed25519',
    id: key.id,
    verify: async ({ data, signature }: { data: Uint8Array; signature: Uint8Array }) => ed25519Verify(key.publicKey, data, signature),
  };
}

/** The cryptosuite new proofs are made with. */
export const signingCryptosuite: unknown = createSignCryptosuite();

/** The cryptosuites proofs are verified with, one per accepted name (a suite checks only its own proofs). */
export const verifyingCryptosuites: readonly unknown[] = [
  { ...(createVerifyCryptosuite() as object), createVerifier },
  { ...(rdfc as object), createVerifier },
];
