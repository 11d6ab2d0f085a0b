import type { Random } from './random.js';
import { toHex } from './encoding.js';

/** A short random id with a readable prefix, e.g. `case-3f9a0c12d4e5`. Carries no PHI. */
export function newId(prefix: string, random: Random, bytes = 6): string {
  return `${prefix}-${toHex(random.bytes(bytes))}`;
}
