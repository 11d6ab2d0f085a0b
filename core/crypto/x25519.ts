import { createPrivateKey, createPublicKey } from 'node:crypto';
import { MurmurError } from '../common/errors.js';
import type { Random } from '../common/random.js';
import { cryptoRandom } from '../common/random.js';

// PKCS#8 and SPKI prefixes for raw X25519 keys (RFC 8410).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX_LENGTH = 12;

/** A random X25519 private key (32 bytes; clamping happens inside the DH). */
export function newX25519PrivateKey(random: Random = cryptoRandom): Uint8Array {
  return random.bytes(32);
}

export function x25519PublicKey(privateKey: Uint8Array): Uint8Array {
  if (privateKey.length !== 32) throw new MurmurError('E_CRYPTO', 'an X25519 private key is 32 bytes');
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, privateKey]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(SPKI_PREFIX_LENGTH));
}
