import type { BoardStore, StoredEntry } from '../../board/store.js';
import { signEnvelope } from '../../board/envelope.js';
import type { Clock } from '../../common/clock.js';
import { SerialQueue } from '../../common/concurrency.js';
import { MurmurError } from '../../common/errors.js';
import type { Draft } from '../../coordination/kinds/draft.js';
import type { Signer } from '../../crypto/signing.js';

export type { Draft, DraftOf } from '../../coordination/kinds/draft.js';
/** Builds a draft once its seq is known (content bound to its position on the board). */
export type DraftBuilder = (seq: number) => Promise<Draft> | Draft;

/**
 * Signs and appends one author's envelopes in order, keeping its chain (seq, prev). Posts
 * are serialized so the chain never forks, whatever the agent does concurrently.
 */
export class ChainedPoster {
  private seq = 0;
  private prev: string | null = null;
  private readonly queue = new SerialQueue();
  /** Whether the chain's position is known; see `knownHead`. */
  private positioned: boolean;

  constructor(
    readonly signer: Signer,
    private readonly store: BoardStore,
    private readonly clock: Clock,
    /**
     * The author's chain head as the node's fold knows it, for a chain that may already be on
     * the board (a restarted node). Such a poster signs nothing until `resume` positions it
     * from a fold that holds the whole board: a head read from a partial fold is stale, and
     * signing after it reuses a seq the board holds (an equivocation). After that, a head the
     * fold learns later (e.g. an append of the previous incarnation that landed late) wins.
     */
    private readonly knownHead?: () => { seq: number; id: string } | undefined,
  ) {
    this.positioned = !knownHead;
  }

  /** Positions the chain at the author's last envelope on the board (0 and null: none yet). */
  resume(seq: number, prev: string | null): void {
    this.seq = seq;
    this.prev = prev;
    this.positioned = true;
  }

  /**
   * Posts a draft, or a builder given the envelope's seq (for content bound to its position,
   * such as sealed sections and presentations whose nonce names the seq).
   */
  post(draft: Draft | DraftBuilder): Promise<StoredEntry> {
    return this.queue.run(async () => {
      if (!this.positioned) throw new MurmurError('E_CONFLICT', 'this chain may already be on the board: resume it from a caught-up fold before posting');
      const known = this.knownHead?.();
      if (known && known.seq > this.seq) this.resume(known.seq, known.id);
      const body = typeof draft === 'function' ? await draft(this.seq + 1) : draft;
      const env = signEnvelope(this.signer, { ...body, seq: this.seq + 1, prev: this.prev, at: this.clock.now() });
      const stored = await this.store.append(env);
      this.seq = env.seq;
      this.prev = env.id;
      return stored;
    });
  }
}
