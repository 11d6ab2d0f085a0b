import { from as multikeyFrom } from '@digitalbazaar/ed25519-multikey';
import { cryptosuite as rdfc } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { ed25519Verify } from '../crypto/signing.js';

/**
 * eddsa-rdfc-2022 as the library ships it, but verifying through `ed25519Verify`, which keeps
 * each public key's KeyObject: the library's verifier rebuilt one from the key bytes on every
 * signature it checked (1.1 % of the embedded coalition's main thread in a 200-case profile),
 * and an agent's presentations are checked again and again under the same few keys.
 */
export const cryptosuite: unknown = {
  ...(rdfc as object),
  async createVerifier({ verificationMethod }: { verificationMethod: object }) {
    const key = await multikeyFrom(verificationMethod);
    return {
      algorithm: 'Ed25519',
      id: key.id,
      verify: async ({ data, signature }: { data: Uint8Array; signature: Uint8Array }) => ed25519Verify(key.publicKey, data, signature),
    };
  },
};
