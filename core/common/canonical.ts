import canonicalizeModule from 'canonicalize';
import { MurmurError } from './errors.js';

// canonicalize is CommonJS whose module.exports is the function; its typings say `default`.
const canonicalizeJson = canonicalizeModule as unknown as (value: unknown) => string | undefined;

/**
 * RFC 8785 (JSON Canonicalization Scheme) text of a value: the bytes every node signs and
 * hashes, so that two nodes serializing the same envelope agree to the byte.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalizeJson(value);
  if (text === undefined) throw new MurmurError('E_INPUT', 'value cannot be canonicalized as JSON');
  return text;
}

export function canonicalBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value));
}
