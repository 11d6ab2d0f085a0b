import type { KeyResolver } from '../../crypto/signing.js';
import { BoardFold, type Admission, type FoldRecord } from '../../board/fold.js';
import { hasEntryLookup, type BoardStore, type EntryLookup, type StoredEntry, type Unsubscribe } from '../../board/store.js';
import type { CoalitionState } from '../../coordination/case-state.js';
import { DEFAULT_REDUCER_CONFIG, coalitionReducer, type ReducerConfig, type Rule } from '../../coordination/reducer.js';
import type { Kind } from '../../board/kinds.js';
import type { BoardTimeRule } from '../../board/board-time.js';

/**
 * A node's own copy of the board state: it folds the store's log in index order, catching up
 * on whatever it missed (at start, or when a notification skips ahead), and tells listeners
 * about each record.
 *
 * It holds in memory the entries of live cases (and the coalition-wide ones, the cards). Once
 * a case is settled (dissolved, its reputation update folded) and the store can hand entries
 * back by id (SQLite, memory), the case's entries leave memory and `entry` reads them back
 * from the store: an audit, an appeal or the console's view of an old case still finds every
 * entry, and the replica's memory follows the live cases, not the board's history. A new entry
 * on a settled case (an access request of an appeal) is held again until the case settles anew.
 */
export class BoardReplica {
  readonly fold: BoardFold<CoalitionState>;
  private readonly listeners = new Set<(record: FoldRecord, entry: StoredEntry) => void>();
  private unsubscribe: Unsubscribe | undefined;
  private stopped = false;
  private pumping: Promise<void> = Promise.resolve();
  private readonly byId = new Map<string, StoredEntry>();
  /** Ids held in `byId`, per case. */
  private readonly idsOfCase = new Map<string, string[]>();
  private readonly lookup: EntryLookup | undefined;
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
    extraRules: Partial<Record<Kind, Rule>> = {},
    time?: BoardTimeRule,
  ) {
    this.config = { ...DEFAULT_REDUCER_CONFIG, ...config };
    this.lookup = hasEntryLookup(store) ? store : undefined;
    this.fold = new BoardFold(keys, coalitionReducer(this.config, extraRules), time);
  }

  get state(): CoalitionState {
    return this.fold.state;
  }

  /** The entry behind an id, for reading its sections (one this replica has folded). */
  entry(id: string): StoredEntry | undefined {
    const held = this.byId.get(id);
    if (held || !this.lookup) return held;
    const stored = this.lookup.entryById(id);
    return stored && stored.index <= this.fold.lastIndex ? stored : undefined;
  }

  /** How many entries this replica holds in memory (the live cases' and the cards). */
  get heldEntries(): number {
    return this.byId.size;
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
    this.hold(record.id, entry);
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
    this.retireIfSettled(entry.envelope?.case);
  }

  private hold(id: string, entry: StoredEntry): void {
    this.byId.set(id, entry);
    const caseId = entry.envelope?.case;
    if (typeof caseId !== 'string') return;
    const ids = this.idsOfCase.get(caseId);
    if (ids) ids.push(id);
    else this.idsOfCase.set(caseId, [id]);
  }

  /** Drops a settled case's entries from memory (the store keeps them; `entry` reads them back). */
  private retireIfSettled(caseId: unknown): void {
    if (!this.lookup || typeof caseId !== 'string') return;
    const c = this.state.cases.get(caseId);
    if (c && (c.status !== 'dissolved' || c.reputation === undefined)) return;
    for (const id of this.idsOfCase.get(caseId) ?? []) this.byId.delete(id);
    this.idsOfCase.delete(caseId);
  }
}
