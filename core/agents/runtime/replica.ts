import { systemClock, type Clock } from '../../common/clock.js';
import { retry, SerialQueue } from '../../common/concurrency.js';
import { isMurmurError } from '../../common/errors.js';
import type { KeyResolver } from '../../crypto/signing.js';
import { BoardFold, type Admission, type FoldRecord } from '../../board/fold.js';
import type { BoardStore, StoredEntry, Unsubscribe } from '../../board/store.js';
import type { CoalitionState } from '../../coordination/case-state.js';
import { DEFAULT_REDUCER_CONFIG, coalitionReducer, type ReducerConfig } from '../../coordination/reducer.js';
import type { KindDef } from '../../coordination/kinds/define.js';
import type { BoardTimeRule } from '../../board/board-time.js';
import { authorDid } from '../../board/envelope.js';

/** Whose signed time an author's entries count as: its organization's, once its card is on the board. */
export function organizationVoter(state: CoalitionState, author: string): string | undefined {
  return state.cards.get(authorDid(author))?.card.provider.did;
}

/**
 * A node's own copy of the board state: it folds the store's log in index order, catching up
 * on whatever it missed (at start, or when a notification skips ahead), and tells listeners
 * about each record.
 */
export class BoardReplica {
  readonly fold: BoardFold<CoalitionState>;
  private readonly listeners = new Set<(record: FoldRecord, entry: StoredEntry) => void>();
  private unsubscribe: Unsubscribe | undefined;
  private stopped = false;
  private readonly pump = new SerialQueue();
  private readonly byId = new Map<string, StoredEntry>();
  readonly config: ReducerConfig;
  /**
   * Told when a listener throws. A listener's failure is its own: one that escaped used to
   * reject the fold's pump for good (the node stopped folding) and, unhandled, end the process
   * with every node that shares it (a console's listener could do that to `murmur demo`).
   */
  onListenerError: (e: unknown) => void = () => undefined;
  /**
   * The store failure the replica is retrying past (with backoff, until the store answers), for
   * the console's Problems; undefined while reads succeed. A failed read used to reject the
   * pump for good: the replica stopped folding, and the rejection went unhandled.
   */
  storeProblem: { since: number; attempts: number; error: string } | undefined;
  /** The clock the retries wait on (the simulator's, in a simulation). */
  clock: Clock = systemClock;

  constructor(
    private readonly store: BoardStore,
    keys: KeyResolver,
    config: Partial<ReducerConfig> = {},
    private readonly admission?: Admission<CoalitionState>,
    /** Definitions that replace the registry's (the access layer's kinds with their rules). */
    kinds: readonly KindDef[] = [],
    time?: BoardTimeRule,
  ) {
    this.config = { ...DEFAULT_REDUCER_CONFIG, ...config };
    // Board time counts an author's signed time under its organization, once its card is on
    // the board (board-time.ts): fresh keys of one member do not outvote the others.
    this.fold = new BoardFold(keys, coalitionReducer(this.config, kinds), time, organizationVoter);
  }

  get state(): CoalitionState {
    return this.fold.state;
  }

  /** The entry behind an id, for reading its sections. */
  entry(id: string): StoredEntry | undefined {
    return this.byId.get(id);
  }

  onRecord(listener: (record: FoldRecord, entry: StoredEntry) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    // A notification's catch-up that fails has its failure in storeProblem; nothing is unhandled.
    this.unsubscribe = this.store.subscribe(() => void this.catchUp().catch(() => undefined));
    await this.catchUp();
  }

  /** Stops following the store; resolves once an ongoing catch-up has finished. */
  stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    return this.pump.idle();
  }

  /**
   * Folds everything the store holds beyond what this replica has; serialized. A failing read is
   * retried with backoff until the store answers (or the replica stops), the failure shown in
   * `storeProblem` meanwhile; one catch-up's failure never stops the next.
   */
  catchUp(): Promise<void> {
    return this.pump.run(async () => {
      while (!this.stopped) {
        const batch = await retry('board read', () => this.store.read(this.fold.lastIndex + 1, 500), {
          baseMs: 100,
          maxMs: 5_000,
          stopped: () => this.stopped,
          clock: this.clock,
          onRetry: (e, attempts) => {
            this.storeProblem = { since: this.storeProblem?.since ?? this.clock.now(), attempts, error: e instanceof Error ? e.name + (isMurmurError(e) ? ` ${e.code}` : '') : 'unknown' };
          },
        });
        this.storeProblem = undefined;
        if (batch.length === 0) return;
        for (const entry of batch) await this.ingest(entry);
      }
    });
  }

  private async ingest(entry: StoredEntry): Promise<void> {
    if (entry.index <= this.fold.lastIndex) return;
    const record = this.admission ? await this.fold.admit(entry, this.admission) : this.fold.apply(entry);
    this.byId.set(record.id, entry);
    for (const listener of [...this.listeners]) {
      try {
        listener(record, entry);
      } catch (e) {
        try {
          this.onListenerError(e);
        } catch {
          // the report of a failure must not become one
        }
      }
    }
  }
}
