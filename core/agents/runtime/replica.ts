import { systemClock, type Clock } from '../../common/clock.js';
import { retry, SerialQueue } from '../../common/concurrency.js';
import { isMurmurError } from '../../common/errors.js';
import type { KeyResolver } from '../../crypto/signing.js';
import { BoardFold, type Admission, type FoldRecord } from '../../board/fold.js';
import { hasEntryLookup, type BoardStore, type EntryLookup, type StoredEntry, type Unsubscribe } from '../../board/store.js';
import type { CaseState, CoalitionState } from '../../coordination/case-state.js';
import type { ColdStore } from '../../coordination/case-table.js';
import { DEFAULT_REDUCER_CONFIG, coalitionReducer, type ReducerConfig } from '../../coordination/reducer.js';
import type { KindDef } from '../../coordination/kinds/define.js';
import type { BoardTimeRule } from '../../board/board-time.js';
import { authorDid } from '../../board/envelope.js';
import { BATCH_VERIFY_MIN, preverify, type BatchVerify } from '../../board/batch-verify.js';

/** Whose signed time an author's entries count as: its organization's, once its card is on the board. */
export function organizationVoter(state: CoalitionState, author: string): string | undefined {
  return state.cards.get(authorDid(author))?.card.provider.did;
}

/** A case nothing more is owed on: dissolved, and its reputation update folded. */
export function isSettled(c: CaseState): boolean {
  return c.status === 'dissolved' && c.reputation !== undefined;
}

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
  private readonly pump = new SerialQueue();
  private readonly byId = new Map<string, StoredEntry>();
  /** Ids held in `byId`, per case. */
  private readonly idsOfCase = new Map<string, string[]>();
  private readonly lookup: EntryLookup | undefined;
  /** Settled cases still in memory, oldest first: frozen once more than `keepWarm` wait. */
  private readonly settledWarm = new Set<string>();
  private keepWarm = 0;
  private freezing = false;
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
  /**
   * Where a catch-up checks signatures when it has a long way to go (a restart, a new member,
   * an auditor): a worker pool, so every core verifies while the event loop folds the batch
   * before. Without it every check runs in line, as the fold does for live entries.
   */
  batchVerify: BatchVerify | undefined;
  private readonly keys: KeyResolver;

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
    this.keys = keys;
    this.lookup = hasEntryLookup(store) ? store : undefined;
    // Board time counts an author's signed time under its organization, once its card is on
    // the board (board-time.ts): fresh keys of one member do not outvote the others.
    this.fold = new BoardFold(keys, coalitionReducer(this.config, kinds), time, organizationVoter);
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

  /**
   * Moves settled cases' state out of memory into `cold` (case-table.ts), keeping the latest
   * `keepWarm` settled ones in memory: the late entries of a just-settled case (done votes,
   * archive reads) then find it warm. An entry naming a frozen case warms it before it is folded.
   */
  freezeSettledInto(cold: ColdStore, keepWarm = 16): void {
    this.state.cases.attach(cold);
    this.keepWarm = keepWarm;
    this.freezing = true;
  }

  /** Ids of the cases this replica has settled (dissolved, reputation folded), without decoding frozen ones. */
  *settledCases(): IterableIterator<string> {
    yield* this.state.cases.frozen();
    for (const c of this.state.cases.live()) if (isSettled(c)) yield c.id;
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
      // With a batch verifier, the next batch is read and verified while this one is folded.
      let ahead = this.batchVerify ? this.readChecked(this.fold.lastIndex + 1) : undefined;
      while (!this.stopped) {
        const batch = ahead ? await ahead : await this.read(this.fold.lastIndex + 1);
        if (batch.length === 0) return;
        ahead = this.batchVerify && batch.length >= BATCH_VERIFY_MIN ? this.readChecked(batch.at(-1)!.index + 1) : undefined;
        for (const entry of batch) await this.ingest(entry);
      }
    });
  }

  private readChecked(from: number): Promise<StoredEntry[]> {
    const read = this.read(from).then(async (batch) => {
      if (this.batchVerify && !this.stopped) await preverify(batch, this.keys, this.batchVerify);
      return batch;
    });
    // A read ahead that fails after the loop left (the replica stopped) has no one to tell.
    read.catch(() => undefined);
    return read;
  }

  private async read(from: number): Promise<StoredEntry[]> {
    const batch = await retry('board read', () => this.store.read(from, 500), {
      baseMs: 100,
      maxMs: 5_000,
      stopped: () => this.stopped,
      clock: this.clock,
      onRetry: (e, attempts) => {
        this.storeProblem = {
          since: this.storeProblem?.since ?? this.clock.now(),
          attempts,
          error: e instanceof Error ? e.name + (isMurmurError(e) ? ` ${e.code}` : '') : 'unknown',
        };
      },
    });
    this.storeProblem = undefined;
    return batch;
  }

  private async ingest(entry: StoredEntry): Promise<void> {
    if (entry.index <= this.fold.lastIndex) return;
    const named = entry.envelope?.case;
    // The rules change only the case an entry names: that one must be in memory, not a read copy.
    if (typeof named === 'string') this.state.cases.warm(named);
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
    this.retireIfSettled(named);
  }

  private hold(id: string, entry: StoredEntry): void {
    this.byId.set(id, entry);
    const caseId = entry.envelope?.case;
    if (typeof caseId !== 'string') return;
    const ids = this.idsOfCase.get(caseId);
    if (ids) ids.push(id);
    else this.idsOfCase.set(caseId, [id]);
  }

  /**
   * Drops a settled case's entries from memory (the store keeps them; `entry` reads them back),
   * and queues its state to be frozen.
   */
  private retireIfSettled(caseId: unknown): void {
    if (typeof caseId !== 'string') return;
    const c = this.state.cases.get(caseId);
    const settled = !c || isSettled(c);
    if (this.freezing) this.queueFreeze(caseId, settled);
    if (!this.lookup || !settled) return;
    for (const id of this.idsOfCase.get(caseId) ?? []) this.byId.delete(id);
    this.idsOfCase.delete(caseId);
  }

  private queueFreeze(caseId: string, settled: boolean): void {
    this.settledWarm.delete(caseId);
    if (!settled || !this.state.cases.has(caseId)) return;
    this.settledWarm.add(caseId);
    while (this.settledWarm.size > this.keepWarm) {
      const oldest = this.settledWarm.values().next().value!;
      this.settledWarm.delete(oldest);
      this.state.cases.freeze(oldest);
    }
  }
}
