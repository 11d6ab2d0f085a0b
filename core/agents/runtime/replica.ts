import type { KeyResolver } from '../../crypto/signing.js';
import { BoardFold, type Admission, type FoldRecord } from '../../board/fold.js';
import type { BoardStore, StoredEntry, Unsubscribe } from '../../board/store.js';
import type { CoalitionState } from '../../coordination/case-state.js';
import { DEFAULT_REDUCER_CONFIG, coalitionReducer, type ReducerConfig } from '../../coordination/reducer.js';
import type { KindDef } from '../../coordination/kinds/define.js';
import type { BoardTimeRule } from '../../board/board-time.js';

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
  private pumping: Promise<void> = Promise.resolve();
  private readonly byId = new Map<string, StoredEntry>();
  readonly config: ReducerConfig;
  /**
   * Told when a listener throws. A listener's failure is its own: one that escaped used to
   * reject the fold's pump for good (the node stopped folding) and, unhandled, end the process
   * with every node that shares it (a console's listener could do that to `murmur demo`).
   */
  onListenerError: (e: unknown) => void = () => undefined;

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
    this.fold = new BoardFold(keys, coalitionReducer(this.config, kinds), time);
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
    this.unsubscribe = this.store.subscribe(() => void this.catchUp());
    await this.catchUp();
  }

  /** Stops following the store; resolves once an ongoing catch-up has finished. */
  stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    return this.pumping;
  }

  /** Folds everything the store holds beyond what this replica has; serialized. */
  catchUp(): Promise<void> {
    this.pumping = this.pumping.then(async () => {
      while (!this.stopped) {
        const batch = await this.store.read(this.fold.lastIndex + 1, 500);
        if (batch.length === 0) return;
        for (const entry of batch) await this.ingest(entry);
      }
    });
    return this.pumping;
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
