import type { KeyResolver } from '../crypto/signing.js';
import type { Envelope } from './envelope.js';
import type { StoredEntry } from './store.js';
import { rememberVerifiedObject } from './verified-cache.js';

/** One envelope and the key its author id resolves to, for a batch verifier. */
export interface VerifyItem {
  envelope: Envelope;
  publicKey: Uint8Array;
}

/**
 * Checks a batch of envelopes' ids and signatures (`authenticity` in envelope.ts) elsewhere
 * than the event loop, e.g. on worker threads: true where both hold. A port, so the fold stays
 * pure; the node supplies it (app/node/verify-pool.ts).
 */
export type BatchVerify = (items: readonly VerifyItem[]) => Promise<readonly boolean[]>;

/** Below this many unchecked entries a batch is verified in line: a worker's round trip would cost more. */
export const BATCH_VERIFY_MIN = 32;

/**
 * Verifies a batch of stored entries ahead of the fold, so that a replica catching up on a
 * long log (a restart, a new member, an auditor) checks signatures on every core while the
 * event loop folds. Only successes are remembered, for the very envelope objects the fold will
 * read; a failure, a malformed entry or a verifier that fails leaves the entry to the fold's
 * own full check, which decides exactly as before. Returns how many were verified here.
 */
export async function preverify(entries: readonly StoredEntry[], keys: KeyResolver, verify: BatchVerify): Promise<number> {
  const items: VerifyItem[] = [];
  for (const entry of entries) {
    const envelope = entry.envelope as Envelope | undefined;
    if (!envelope || typeof envelope !== 'object' || typeof envelope.author !== 'string') continue;
    const publicKey = keys.resolveVerificationKey(envelope.author);
    if (publicKey) items.push({ envelope, publicKey });
  }
  if (items.length < BATCH_VERIFY_MIN) return 0;
  let answers: readonly boolean[];
  try {
    answers = await verify(items);
  } catch {
    return 0;
  }
  let n = 0;
  items.forEach((item, i) => {
    if (answers[i] === true) {
      rememberVerifiedObject(item.envelope, item.publicKey);
      n++;
    }
  });
  return n;
}
