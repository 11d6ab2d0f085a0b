import { createCipheriv, createDecipheriv } from 'node:crypto';
import { canonicalBytes } from '../common/canonical.js';
import { fromBase64url, toBase64url } from '../common/encoding.js';
import { MurmurError } from '../common/errors.js';
import type { Random } from '../common/random.js';
import { cryptoRandom } from '../common/random.js';

/**
 * Per-section content keys and AEAD sealing (AES-256-GCM, 96-bit random nonce, 128-bit tag).
 *
 * Each subtask section gets its own random 32-byte content key. Sealing binds the ciphertext
 * to where it sits on the board through the associated data (see `sectionAssociatedData`).
 */
export type ContentKey = Uint8Array & { readonly __contentKey?: never };

export const CONTENT_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export function newContentKey(random: Random = cryptoRandom): ContentKey {
  return random.bytes(CONTENT_KEY_BYTES);
}

/** Where a section sits on the board: the inputs of its associated data. */
export interface SectionPosition {
  case: string;
  subtask: string;
  /** DID URL of the envelope's signing key (the envelope `author`). */
  author: string;
  /** The author's sequence number of the envelope. */
  seq: number;
  /** The section's name, e.g. `detail` or `summary`. */
  section: string;
}

/**
 * Associated data of a sealed section.
 *
 * DECISION (issue 3, deviates from DESIGN.md §5 which says "envelope id and section name"):
 * the envelope id is a hash over the canonical signed bytes, which include the ciphertext,
 * so the id cannot be an input to the ciphertext. We bind instead to the canonical JSON
 * (RFC 8785) of `{ case, subtask, author, seq, section }`. Since an author's (`author`, `seq`)
 * pair names exactly one envelope in its hash chain (a second one is equivocation, which the
 * fold detects), this pins the ciphertext to one section of one envelope: moving it to another
 * case, subtask, section, author or position makes it fail to open.
 */
export function sectionAssociatedData(position: SectionPosition): Uint8Array {
  if (!Number.isSafeInteger(position.seq) || position.seq < 0) {
    throw new MurmurError('E_INPUT', 'section position: seq must be a non-negative integer', { field: 'seq' });
  }
  for (const field of ['case', 'subtask', 'author', 'section'] as const) {
    if (typeof position[field] !== 'string' || position[field].length === 0) {
      throw new MurmurError('E_INPUT', `section position: ${field} must be a non-empty string`, { field });
    }
  }
  return canonicalBytes({
    case: position.case,
    subtask: position.subtask,
    author: position.author,
    seq: position.seq,
    section: position.section,
  });
}

/** A sealed section as it travels in an envelope (JSON-safe). */
export interface SealedSection {
  alg: 'A256GCM';
  /** base64url, 12 bytes */
  nonce: string;
  /** base64url of ciphertext ‖ tag */
  ciphertext: string;
}

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== CONTENT_KEY_BYTES) {
    throw new MurmurError('E_CRYPTO', `a content key is ${CONTENT_KEY_BYTES} bytes`);
  }
}

export function sealSection(key: ContentKey, plaintext: Uint8Array, associatedData: Uint8Array, random: Random = cryptoRandom): SealedSection {
  checkKey(key);
  const nonce = random.bytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { alg: 'A256GCM', nonce: toBase64url(nonce), ciphertext: toBase64url(body) };
}

/** Opens a sealed section; throws E_CRYPTO when the key, the associated data or the bytes are wrong. */
export function openSection(key: ContentKey, sealed: SealedSection, associatedData: Uint8Array): Uint8Array {
  checkKey(key);
  if (sealed?.alg !== 'A256GCM') throw new MurmurError('E_CRYPTO', 'sealed section: unsupported alg (expected A256GCM)');
  const nonce = fromBase64url(sealed.nonce);
  const body = fromBase64url(sealed.ciphertext);
  if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) {
    throw new MurmurError('E_CRYPTO', 'sealed section: malformed nonce or ciphertext');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData);
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return new Uint8Array(Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]));
  } catch {
    throw new MurmurError('E_CRYPTO', 'sealed section did not open: wrong content key or associated data, or the ciphertext was altered');
  }
}
