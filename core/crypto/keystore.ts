import { createECDH, scrypt as scryptCallback } from 'node:crypto';
import { z } from 'zod';
import { canonicalBytes } from '../common/canonical.js';
import { fromBase64url, toBase64url } from '../common/encoding.js';
import { MurmurError } from '../common/errors.js';
import type { Random } from '../common/random.js';
import { cryptoRandom } from '../common/random.js';
import type { SealedSection } from './aead.js';
import { openSection, sealSection } from './aead.js';
import type { Unwrapper } from './hpke.js';
import { x25519Unwrapper } from './hpke.js';
import { vouchForSigner, type Signer } from './signing.js';
import { ed25519PrivateKey, ed25519PublicKeyFromSeed, ed25519Sign } from './signing.js';
import { x25519PublicKey } from './x25519.js';

/**
 * An organization's keystore: Ed25519 signing seeds, X25519 HPKE private keys and secp256k1
 * master keys (for did:prism). Secrets never leave it: it hands out `Signer`s, `Unwrapper`s
 * and public keys. At rest it is one sealed blob (scrypt → AES-256-GCM), storage-agnostic.
 */
export type KeyKind = 'ed25519' | 'x25519' | 'secp256k1';

export interface KeyInfo {
  readonly label: string;
  readonly kind: KeyKind;
  /** Ed25519 / X25519: raw 32 bytes; secp256k1: uncompressed SEC1 point (65 bytes; Identus' long-form did:prism resolver rejects the compressed form). */
  readonly publicKey: Uint8Array;
}

/** scrypt cost. Defaults: N = 2^15, r = 8, p = 1 (≈ 32 MiB, ~100 ms). */
export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT_COST: ScryptCost = { N: 2 ** 15, r: 8, p: 1 };

const SealedKeystoreSchema = z.object({
  v: z.literal(1),
  kdf: z.object({
    name: z.literal('scrypt'),
    N: z
      .number()
      .int()
      .min(2 ** 10)
      .max(2 ** 20),
    r: z.number().int().min(1).max(32),
    p: z.number().int().min(1).max(16),
    salt: z.string().min(16),
  }),
  sealed: z.object({ alg: z.literal('A256GCM'), nonce: z.string(), ciphertext: z.string() }),
});

/** The keystore at rest: JSON-safe, holds no key in clear. */
export type SealedKeystore = z.infer<typeof SealedKeystoreSchema>;

const EntriesSchema = z.array(z.object({ label: z.string().min(1), kind: z.enum(['ed25519', 'x25519', 'secp256k1']), secret: z.string() }));

interface Entry {
  kind: KeyKind;
  secret: Uint8Array;
  publicKey: Uint8Array;
}

const LABEL = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

function publicKeyOf(kind: KeyKind, secret: Uint8Array): Uint8Array {
  switch (kind) {
    case 'ed25519':
      return ed25519PublicKeyFromSeed(secret);
    case 'x25519':
      return x25519PublicKey(secret);
    case 'secp256k1': {
      const ecdh = createECDH('secp256k1');
      ecdh.setPrivateKey(secret);
      return new Uint8Array(ecdh.getPublicKey(null, 'uncompressed'));
    }
  }
}

function deriveKey(passphrase: string, salt: Uint8Array, cost: ScryptCost): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    scryptCallback(passphrase.normalize('NFC'), salt, 32, { ...cost, maxmem: 256 * cost.N * cost.r + 16 * 1024 * 1024 }, (err, key) =>
      err ? reject(new MurmurError('E_CRYPTO', 'keystore: scrypt failed (cost parameters too large?)')) : resolve(new Uint8Array(key)),
    );
  });
}

function headerAd(v: 1, kdf: SealedKeystore['kdf']): Uint8Array {
  return canonicalBytes({ purpose: 'murmur/keystore', v, kdf });
}

export class Keystore {
  private readonly entries = new Map<string, Entry>();

  private constructor() {}

  static empty(): Keystore {
    return new Keystore();
  }

  /**
   * Makes a new key under `label`. Throws E_CONFLICT if the label is taken. `usable` rejects
   * public keys another component cannot handle (drawn again, up to 16 times in all).
   */
  generate(label: string, kind: KeyKind, random: Random = cryptoRandom, usable: (publicKey: Uint8Array) => boolean = () => true): KeyInfo {
    if (!LABEL.test(label)) throw new MurmurError('E_INPUT', 'keystore: a key label is 1–128 chars of [A-Za-z0-9._:/-]', { field: 'label' });
    if (this.entries.has(label)) throw new MurmurError('E_CONFLICT', `keystore: a key labelled "${label}" exists already`, { label });
    for (let attempt = 0; attempt < 16; attempt++) {
      const secret = random.bytes(32);
      try {
        const publicKey = publicKeyOf(kind, secret);
        if (!usable(publicKey)) continue;
        this.entries.set(label, { kind, secret, publicKey });
        return this.info(label);
      } catch {
        // a secp256k1 scalar out of range (probability ~2^-128): draw again
      }
    }
    throw new MurmurError('E_CRYPTO', `keystore: could not draw a usable ${kind} key for "${label}"`);
  }

  has(label: string): boolean {
    return this.entries.has(label);
  }

  info(label: string): KeyInfo {
    const entry = this.entry(label);
    return Object.freeze({ label, kind: entry.kind, publicKey: entry.publicKey.slice() });
  }

  list(): KeyInfo[] {
    return [...this.entries.keys()].sort().map((label) => this.info(label));
  }

  /** A signer for an Ed25519 key, named by `keyId` (the DID URL that publishes its public key). */
  signer(label: string, keyId: string): Signer {
    const entry = this.entry(label, 'ed25519');
    const key = ed25519PrivateKey(entry.secret);
    const publicKey = entry.publicKey.slice();
    return vouchForSigner(Object.freeze({ keyId, publicKey, sign: (data: Uint8Array) => ed25519Sign(key, data) }));
  }

  /** Unwraps HPKE-wrapped content keys with an X25519 key; the private key stays here. */
  unwrapper(label: string): Unwrapper {
    const entry = this.entry(label, 'x25519');
    return x25519Unwrapper(entry.secret);
  }

  /** Seals every key under a passphrase. */
  async seal(passphrase: string, random: Random = cryptoRandom, cost: ScryptCost = DEFAULT_SCRYPT_COST): Promise<SealedKeystore> {
    if (typeof passphrase !== 'string' || passphrase.length < 8) {
      throw new MurmurError('E_INPUT', 'keystore: the passphrase must be at least 8 characters', { field: 'passphrase' });
    }
    const salt = random.bytes(16);
    const kdf = { name: 'scrypt' as const, ...cost, salt: toBase64url(salt) };
    const key = await deriveKey(passphrase, salt, cost);
    const plaintext = canonicalBytes([...this.entries.entries()].map(([label, e]) => ({ label, kind: e.kind, secret: toBase64url(e.secret) })));
    const sealed = sealSection(key, plaintext, headerAd(1, kdf), random);
    key.fill(0);
    plaintext.fill(0);
    return { v: 1, kdf, sealed };
  }

  /** Opens a sealed keystore. Throws E_SCHEMA for a malformed blob, E_CRYPTO for a wrong passphrase. */
  static async open(blob: unknown, passphrase: string): Promise<Keystore> {
    const parsed = SealedKeystoreSchema.safeParse(blob);
    if (!parsed.success) {
      const path = parsed.error.issues[0]?.path.join('.') ?? '';
      throw new MurmurError('E_SCHEMA', `sealed keystore: invalid field "${path}"`, { field: path });
    }
    const { kdf, sealed } = parsed.data;
    const key = await deriveKey(passphrase, fromBase64url(kdf.salt), { N: kdf.N, r: kdf.r, p: kdf.p });
    let plaintext: Uint8Array;
    try {
      plaintext = openSection(key, sealed as SealedSection, headerAd(1, kdf));
    } catch {
      throw new MurmurError('E_CRYPTO', 'keystore did not open: wrong passphrase or the sealed blob was altered');
    } finally {
      key.fill(0);
    }
    const entries = EntriesSchema.parse(JSON.parse(new TextDecoder().decode(plaintext)));
    plaintext.fill(0);
    const store = new Keystore();
    for (const e of entries) {
      const secret = fromBase64url(e.secret);
      store.entries.set(e.label, { kind: e.kind, secret, publicKey: publicKeyOf(e.kind, secret) });
    }
    return store;
  }

  /** Never print secrets: inspection and JSON show labels and kinds only. */
  toJSON(): { labels: string[] } {
    return { labels: [...this.entries.keys()].sort() };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Keystore(${[...this.entries.entries()].map(([l, e]) => `${l}:${e.kind}`).join(', ')})`;
  }

  /** Overwrites every secret in memory; the keystore is unusable afterwards. */
  destroy(): void {
    for (const e of this.entries.values()) e.secret.fill(0);
    this.entries.clear();
  }

  private entry(label: string, kind?: KeyKind): Entry {
    const entry = this.entries.get(label);
    if (!entry) throw new MurmurError('E_NOT_FOUND', `keystore: no key labelled "${label}"`, { label });
    if (kind && entry.kind !== kind) {
      throw new MurmurError('E_INPUT', `keystore: key "${label}" is ${entry.kind}, not ${kind}`, { label });
    }
    return entry;
  }
}
