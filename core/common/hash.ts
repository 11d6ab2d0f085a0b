import { createHash } from 'node:crypto';

type Bytes = Uint8Array | string;

/** SHA-256 of the parts, in order, as if concatenated (without copying them together). */
function digest(parts: Bytes[]): ReturnType<typeof createHash> {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h;
}

export function sha256(...parts: Bytes[]): Uint8Array {
  return new Uint8Array(digest(parts).digest());
}

export function sha256Hex(...parts: Bytes[]): string {
  return digest(parts).digest('hex');
}

export function sha256Base64(...parts: Bytes[]): string {
  return digest(parts).digest('base64');
}
