import { randomBytes } from 'node:crypto';
import { sha256 } from './hash.js';

/** Randomness is injected so that a seeded run replays exactly. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  bytes(n: number): Uint8Array;
}

export const cryptoRandom: Random = {
  next: () => randomBytes(4).readUInt32BE(0) / 2 ** 32,
  int: (maxExclusive) => Math.floor((randomBytes(4).readUInt32BE(0) / 2 ** 32) * maxExclusive),
  bytes: (n) => new Uint8Array(randomBytes(n)),
};

/**
 * sfc32 seeded from SHA-256 of the seed: small, fast and good enough for simulation.
 * Not for keys: keys always come from the wallet's cryptographic source.
 */
export function seededRandom(seed: string | number): Random {
  const s = sha256(`murmur-seed:${seed}`);
  const view = new DataView(s.buffer, s.byteOffset, s.byteLength);
  let a = view.getUint32(0);
  let b = view.getUint32(4);
  let c = view.getUint32(8);
  let d = view.getUint32(12);
  const next32 = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) next32();
  return {
    next: () => next32() / 2 ** 32,
    int: (maxExclusive) => Math.floor((next32() / 2 ** 32) * maxExclusive),
    bytes: (n) => {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i += 4) {
        const v = next32();
        for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (v >>> (8 * j)) & 0xff;
      }
      return out;
    },
  };
}
