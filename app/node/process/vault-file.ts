import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { MurmurError } from '../../../core/common/errors.js';
import type { ContentKey } from '../../../core/crypto/aead.js';
import { KeyVault } from '../../../core/agents/runtime/section-access.js';

/**
 * Content keys of the sections this node sealed, kept on disk so that after a restart its
 * agents can still grant readers access to what they posted before. Each line is one key
 * sealed with AES-256-GCM under a key derived (scrypt) from the node's passphrase.
 */
export class FileKeyVault extends KeyVault {
  private readonly key: Buffer;

  constructor(
    private readonly path: string,
    passphrase: string,
  ) {
    super();
    const saltPath = `${path}.salt`;
    if (!existsSync(saltPath)) writeFileSync(saltPath, randomBytes(16).toString('base64url'), { mode: 0o600 });
    this.key = scryptSync(passphrase.normalize('NFC'), Buffer.from(readFileSync(saltPath, 'utf8'), 'base64url'), 32, { N: 2 ** 14, r: 8, p: 1 });
    if (!existsSync(path)) return;
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (!line) continue;
      try {
        const { p, n, c, t } = JSON.parse(line) as { p: string; n: string; c: string; t: string };
        const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(n, 'base64url'));
        d.setAAD(Buffer.from(p));
        d.setAuthTag(Buffer.from(t, 'base64url'));
        super.put(p, new Uint8Array(Buffer.concat([d.update(Buffer.from(c, 'base64url')), d.final()])) as ContentKey);
      } catch {
        throw new MurmurError('E_CRYPTO', 'key vault: a stored key does not open (wrong passphrase or a damaged vault file)');
      }
    }
  }

  override put(position: string, key: ContentKey): void {
    super.put(position, key);
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(position));
    const c = Buffer.concat([cipher.update(key), cipher.final()]);
    appendFileSync(
      this.path,
      `${JSON.stringify({ p: position, n: nonce.toString('base64url'), c: c.toString('base64url'), t: cipher.getAuthTag().toString('base64url') })}\n`,
      { mode: 0o600 },
    );
  }
}
