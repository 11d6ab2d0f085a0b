import type { BoardStore, StoredEntry } from '../../board/store.js';
import { signEnvelope, type EnvelopeBody } from '../../board/envelope.js';
import type { Clock } from '../../common/clock.js';
import type { Signer } from '../../crypto/signing.js';

export type Draft = Omit<EnvelopeBody, 'v' | 'author' | 'seq' | 'prev' | 'at'>;
/** Builds a draft once its seq is known (content bound to its position on the board). */
export type DraftBuilder = (seq: number) => Promise<Draft> | Draft;

/**
 * Signs and appends one author's envelopes in order, keeping its chain (seq, prev). Posts
 * are serialized so the chain never forks, whatever the agent does concurrently.
 */
export class ChainedPoster {
  private seq = 0;
  private prev: string | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly signer: Signer,
    private readonly store: BoardStore,
    private readonly clock: Clock,
    /** The author's chain head as the node's fold knows it: a restarted node never reuses a seq. */
    private readonly knownHead?: () => { seq: number; id: string } | undefined,
  ) {}

  /** Resumes an existing chain (after a restart) from the author's last envelope. */
  resume(seq: number, prev: string | null): void {
    this.seq = seq;
    this.prev = prev;
  }

  /**
   * Posts a draft, or a builder given the envelope's seq (for content bound to its position,
   * such as sealed sections and presentations whose nonce names the seq).
   */
  post(draft: Draft | DraftBuilder): Promise<StoredEntry> {
    const next = this.queue.then(async () => {
      const known = this.knownHead?.();
      if (known && known.seq > this.seq) this.resume(known.seq, known.id);
      const body = typeof draft === 'function' ? await draft(this.seq + 1) : draft;
      const env = signEnvelope(this.signer, { ...body, seq: this.seq + 1, prev: this.prev, at: this.clock.now() });
      const stored = await this.store.append(env);
      this.seq = env.seq;
      this.prev = env.id;
      return stored;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
