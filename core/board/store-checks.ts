import { retry } from '../common/concurrency.js';
import { MurmurError } from '../common/errors.js';
import { EnvelopeSchema, idMatchesContent, type Envelope } from './envelope.js';

/**
 * Rejects a malformed envelope before any store writes it, naming the field (never a value),
 * and one whose id is not its content's hash: stores are idempotent by id, so a copy with a
 * borrowed id, stored first, would turn the real envelope's append into a no-op.
 */
export function checkEnvelopeForStore(envelope: unknown): Envelope {
  const parsed = EnvelopeSchema.safeParse(envelope);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new MurmurError('E_SCHEMA', `envelope rejected by the store: ${issue.path.join('.') || '(root)'}: ${issue.message}`, {
      path: issue.path.join('.'),
    });
  }
  const env = envelope as Envelope;
  if (!idMatchesContent(env)) throw new MurmurError('E_SCHEMA', 'envelope rejected by the store: id: not the SHA-256 of its canonical content', { path: 'id' });
  return env;
}

/** A claim key as stores accept it: printable, no path tricks, bounded. */
export function checkClaimKey(key: string, owner: string): void {
  if (!/^[\x21-\x7e]{1,300}$/.test(key)) throw new MurmurError('E_INPUT', 'claim key must be 1–300 printable ASCII chars', { field: 'key' });
  if (typeof owner !== 'string' || owner.length === 0 || owner.length > 300)
    throw new MurmurError('E_INPUT', 'claim owner must be 1–300 chars', { field: 'owner' });
}

/** Retries `fn` on transient failures until `forMs` has passed, with capped backoff. */
export function retryTransient<T>(
  what: string,
  forMs: number,
  fn: () => Promise<T>,
  sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
): Promise<T> {
  return retry(what, fn, {
    forMs,
    maxMs: 1_000,
    // A MurmurError is an answer (a refusal, a conflict), not a transient failure; a timeout is one.
    retryable: (e) => !(e instanceof MurmurError) || e.code === 'E_TIMEOUT',
    giveUp: (e, attempts) =>
      new MurmurError(
        'E_STORE',
        `board store: ${what} failed for ${forMs} ms (${attempts} attempts): ${e instanceof Error ? e.message.slice(0, 200) : 'unknown error'}`,
        { attempts },
      ),
    clock: { now: () => Date.now(), sleep },
  });
}
