import { sha256 } from '../../core/common/hash.js';
import { toHex } from '../../core/common/encoding.js';

/**
 * A name-based UUID (RFC 9562 version 8, SHA-256 of the name), so a variant's bundle is the
 * same bytes on every run and every machine.
 */
export function deterministicUuid(name: string): string {
  const b = sha256(`murmur-synthetic:${name}`).slice(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = toHex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
