import { CipherSuite } from '@hpke/core';
import { canonicalBytes } from '../common/canonical.js';
import { fromBase64url, toBase64url } from '../common/encoding.js';
import { MurmurError } from '../common/errors.js';
import type { ContentKey } from './aead.js';
import { NobleHkdfSha256, NodeDhkemX25519HkdfSha256, nodeAes256Gcm } from './hpke-native.js';
import { CONTENT_KEY_BYTES } from './aead.js';

/**
 * Key wrapping with HPKE (RFC 9180), base mode, DHKEM(X25519, HKDF-SHA256) + HKDF-SHA256 +
 * AES-256-GCM. A content key is sealed to one reader's X25519 key-agreement key.
 *
 * The HPKE `info` is the canonical JSON of the `KeyWrapContext`, so a wrapped key opens only
 * for the case, subtask, section and reader key it was made for: a grant copied to another
 * section or reader fails to unwrap.
 *
 * Note: the HPKE ephemeral key comes from OpenSSL's randomness, not the injected `Random`,
 * so wrapped keys are not byte-reproducible under a seeded simulation (their unwrap is).
 */
export interface KeyWrapContext {
  case: string;
  subtask: string;
  section: string;
  /** DID URL of the reader's X25519 key-agreement key the content key is wrapped to. */
  readerKeyId: string;
}

/** A content key wrapped for one reader (JSON-safe). */
export interface WrappedKey {
  suite: 'X25519-HKDF-SHA256/HKDF-SHA256/AES-256-GCM';
  /** base64url HPKE encapsulated key (32 bytes) */
  enc: string;
  /** base64url HPKE ciphertext of the content key (48 bytes) */
  ct: string;
}

/** The KEM's imported key object (a Node KeyObject held inside the suite, see hpke-native.ts). */
type KemKey = Awaited<ReturnType<CipherSuite['kem']['importKey']>>;

export const HPKE_SUITE_NAME = 'X25519-HKDF-SHA256/HKDF-SHA256/AES-256-GCM' as const;

let suiteInstance: CipherSuite | undefined;
function suite(): CipherSuite {
  suiteInstance ??= new CipherSuite({ kem: new NodeDhkemX25519HkdfSha256(), kdf: new NobleHkdfSha256(), aead: nodeAes256Gcm() });
  return suiteInstance;
}

function info(context: KeyWrapContext): Uint8Array {
  for (const field of ['case', 'subtask', 'section', 'readerKeyId'] as const) {
    if (typeof context[field] !== 'string' || context[field].length === 0) {
      throw new MurmurError('E_INPUT', `key wrap context: ${field} must be a non-empty string`, { field });
    }
  }
  return canonicalBytes({
    purpose: 'murmur/section-key/v1',
    case: context.case,
    subtask: context.subtask,
    section: context.section,
    readerKeyId: context.readerKeyId,
  });
}

/** Wraps a content key for a reader's raw X25519 public key. */
export async function wrapContentKey(contentKey: ContentKey, readerPublicKey: Uint8Array, context: KeyWrapContext): Promise<WrappedKey> {
  if (contentKey.length !== CONTENT_KEY_BYTES) throw new MurmurError('E_CRYPTO', `a content key is ${CONTENT_KEY_BYTES} bytes`);
  if (readerPublicKey.length !== 32) throw new MurmurError('E_CRYPTO', 'a reader X25519 public key is 32 bytes');
  try {
    const recipientPublicKey = await suite().kem.importKey('raw', readerPublicKey.slice().buffer, true);
    const { enc, ct } = await suite().seal({ recipientPublicKey, info: info(context) }, contentKey);
    return { suite: HPKE_SUITE_NAME, enc: toBase64url(new Uint8Array(enc)), ct: toBase64url(new Uint8Array(ct)) };
  } catch (e) {
    if (e instanceof MurmurError) throw e;
    throw new MurmurError('E_CRYPTO', 'could not wrap the content key for the reader (invalid X25519 public key?)');
  }
}

/**
 * Unwraps with the reader's raw X25519 private key. Only the keystore calls this with key
 * bytes; everyone else uses the keystore's `unwrapper`.
 */
export function unwrapContentKey(readerPrivateKey: Uint8Array, wrapped: WrappedKey, context: KeyWrapContext): Promise<ContentKey> {
  return openWith(importPrivate(readerPrivateKey), wrapped, context);
}

/**
 * An unwrapper bound to one reader key, for the keystore: the key is imported once (a
 * KeyObject held in this closure, never handed out) rather than on every unwrap, where the PKCS#8 import
 * cost about as much as the HPKE open itself (1.5 % of the embedded coalition's main thread).
 */
export function x25519Unwrapper(readerPrivateKey: Uint8Array): Unwrapper {
  let key: Promise<KemKey> | undefined;
  return (wrapped, context) => openWith((key ??= importPrivate(readerPrivateKey)), wrapped, context);
}

function importPrivate(readerPrivateKey: Uint8Array): Promise<KemKey> {
  return suite().kem.importKey('raw', readerPrivateKey.slice().buffer, false);
}

async function openWith(readerKey: Promise<KemKey>, wrapped: WrappedKey, context: KeyWrapContext): Promise<ContentKey> {
  if (wrapped?.suite !== HPKE_SUITE_NAME) throw new MurmurError('E_CRYPTO', `wrapped key: unsupported suite (expected ${HPKE_SUITE_NAME})`);
  const infoBytes = info(context);
  try {
    const recipientKey = await readerKey;
    const pt = await suite().open({ recipientKey, enc: fromBase64url(wrapped.enc), info: infoBytes }, fromBase64url(wrapped.ct));
    const key = new Uint8Array(pt);
    if (key.length !== CONTENT_KEY_BYTES) throw new Error('length');
    return key;
  } catch {
    throw new MurmurError('E_CRYPTO', 'wrapped key did not open: not wrapped to this reader key or for this case/subtask/section');
  }
}

/** What the keystore hands out instead of an X25519 private key. */
export type Unwrapper = (wrapped: WrappedKey, context: KeyWrapContext) => Promise<ContentKey>;
