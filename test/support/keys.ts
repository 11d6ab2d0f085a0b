import { seededRandom } from '../../core/common/random.js';
import { didKeySigner } from '../../core/crypto/did-key.js';

/** Deterministic did:key signers for tests. */
export function testSigner(name: string): ReturnType<typeof didKeySigner> {
  return didKeySigner(seededRandom(`signer:${name}`).bytes(32));
}
