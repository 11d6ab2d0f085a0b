import Database from 'better-sqlite3';
import { Etcd3, type IKeyValue, type IOptions, type Namespace, type Watcher } from 'etcd3';
import type { Clock } from '../common/clock.js';
import { systemClock } from '../common/clock.js';
import { BoardClock, DEFAULT_BOARD_TIME } from './board-time.js';
import { SerialQueue, withTimeout } from '../common/concurrency.js';
import { MurmurError } from '../common/errors.js';
import type { Envelope } from './envelope.js';
import type { BoardStore, StoredEntry, Unsubscribe } from './store.js';
import { checkClaimKey, checkEnvelopeForStore, retryTransient } from './store-checks.js';

/**
 * The distributed board: an etcd cluster (one member per organization, Raft), seen through
 * one node's client.
 *
 * Layout under `prefix`: `e/<envelope id>` holds `{at, envelope}` (JSON) and is written once,
 * in a transaction that creates it only if absent (idempotent by id); `c/<claim key>` holds
 * a claim's owner, written once the same way (first writer wins).
 *
 * Order: entries are ordered by their keys' create revision, which Raft assigns in commit
 * order; the index of an entry is its rank in that order (dense 1..N, the same on every
 * node, since entry keys are never modified or deleted). No counter key: appends from many
 * writers never contend. Board time: the writer proposes its clock's time and the store
 * folds it in log order with the fold's own bounds (board-time.ts: never backwards, never far
 * past the author's signed time or the other recent authors'), so every node computes the
 * same stamps and no single writer's clock runs the board ahead.
 *
 * A node learns the log by one range read (at open, after a watch failure, or when an
 * append's entry does not arrive in time) and then by a prefix watch from the next
 * revision. `read` and `head` answer from this node's view (sequentially consistent: an
 * append resolves once its entry is in the view). Because entries are never overwritten,
 * compacting etcd's history (auto-compaction) loses nothing of the log; a watch whose start
 * was compacted away errors and the store re-reads by range.
 *
 * With `archivePath`, the view is mirrored to a local SQLite file (index, revision, at,
 * envelope), so a restarted node reloads what it had and reads only what it missed.
 */
export interface EtcdStoreOptions {
  /** Client URLs of the members, e.g. `['127.0.0.1:2379', ...]` (any member will do). */
  hosts: string[];
  /** Key prefix of this board (default `murmur/board/`). */
  prefix?: string;
  clock?: Clock;
  /** Local SQLite mirror of the log. */
  archivePath?: string;
  /** Deadline of one etcd call (default 3 s: a leader election takes ≈ 1 s). */
  callTimeoutMs?: number;
  /** How long an operation keeps retrying transient failures (default 30 s). */
  retryForMs?: number;
  /** How long an append waits for its entry on the watch before re-reading (default 1.5 s). */
  stallMs?: number;
}

/** The board's etcd client settings (the benchmark's raw-etcd client uses the same ones). */
export function etcdClientOptions(hosts: string[], callTimeoutMs = 3_000): IOptions {
  return {
    hosts: hosts.map((h) => (h.includes('://') ? h : `http://${h}`)),
    dialTimeout: callTimeoutMs,
    // A per-call deadline, or a call hangs ≈ 7 s while a leader is re-elected.
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
    grpcOptions: { 'grpc.max_receive_message_length': 64 * 1024 * 1024 },
  };
}

/** Largest value etcd accepts by default is 1.5 MiB; keep headroom for the key and framing. */
const MAX_VALUE_BYTES = 1_500_000;
const PAGE = 500;

interface Waiter {
  rev: bigint;
  resolve: () => void;
}

export class EtcdBoardStore implements BoardStore {
  private readonly client: Etcd3;
  private readonly ns: Namespace;
  private readonly clock: Clock;
  private readonly retryForMs: number;
  private readonly stallMs: number;
  private readonly entries: StoredEntry[] = [];
  private readonly indexById = new Map<string, number>();
  private readonly listeners = new Set<(entry: StoredEntry) => void>();
  private waiters: Waiter[] = [];
  private lastRev = 0n;
  private readonly clockView = new BoardClock(DEFAULT_BOARD_TIME);
  private watcher: Watcher | undefined;
  private readonly lane = new SerialQueue();
  private closed = false;
  private readonly archive: EntryArchive | undefined;
  readonly ready: Promise<void>;

  constructor(o: EtcdStoreOptions) {
    if (o.hosts.length === 0) throw new MurmurError('E_INPUT', 'etcd board: at least one member host is needed', { field: 'hosts' });
    const callTimeoutMs = o.callTimeoutMs ?? 3_000;
    this.client = new Etcd3(etcdClientOptions(o.hosts, callTimeoutMs));
    this.ns = this.client.namespace(o.prefix ?? 'murmur/board/');
    this.clock = o.clock ?? systemClock;
    this.retryForMs = o.retryForMs ?? 30_000;
    this.stallMs = o.stallMs ?? 1_500;
    if (o.archivePath) {
      this.archive = new EntryArchive(o.archivePath);
      for (const row of this.archive.all()) {
        this.clockView.next(row.entry.at, row.entry.envelope.author, row.entry.envelope.at);
        this.remember(row.entry, row.rev, false);
      }
    }
    this.ready = this.serial(() => this.resync());
    this.ready.catch(() => undefined);
  }

  /** Opens a store and waits until its view holds the whole log. */
  static async open(o: EtcdStoreOptions): Promise<EtcdBoardStore> {
    const store = new EtcdBoardStore(o);
    try {
      await store.ready;
    } catch (e) {
      await store.close();
      throw e;
    }
    return store;
  }

  async append(envelope: Envelope): Promise<StoredEntry> {
    checkEnvelopeForStore(envelope);
    await this.ready;
    const known = this.indexById.get(envelope.id);
    if (known !== undefined) return this.entries[known - 1]!;
    const key = `e/${envelope.id}`;
    const value = JSON.stringify({ at: this.clock.now(), envelope });
    if (Buffer.byteLength(value) > MAX_VALUE_BYTES) {
      throw new MurmurError('E_STORE', `envelope too large for the etcd board (${Buffer.byteLength(value)} bytes > ${MAX_VALUE_BYTES})`, { field: 'envelope' });
    }
    // Create-if-absent, else read: a retried call whose first try committed reads its own entry.
    const rev = await retryTransient('append', this.retryForMs, async () => {
      const res = await this.ns.if(key, 'Create', '==', 0).then(this.ns.put(key).value(value)).else(this.ns.get(key)).commit();
      if (res.succeeded) return BigInt(res.header.revision);
      const kv = res.responses[0]?.response_range?.kvs[0];
      if (!kv) throw new Error('entry vanished between compare and read');
      return BigInt(kv.create_revision);
    });
    await this.reach(rev);
    const index = this.indexById.get(envelope.id);
    if (index === undefined) throw new MurmurError('E_STORE', 'etcd board: an appended entry is missing from the view', { id: envelope.id });
    return this.entries[index - 1]!;
  }

  async read(from: number, limit = 10_000): Promise<StoredEntry[]> {
    await this.ready;
    const start = Math.max(1, from) - 1;
    return this.entries.slice(start, start + limit);
  }

  async head(): Promise<number> {
    await this.ready;
    return this.entries.length;
  }

  subscribe(listener: (entry: StoredEntry) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async tryClaim(key: string, owner: string): Promise<{ won: boolean; owner: string }> {
    checkClaimKey(key, owner);
    const k = `c/${key}`;
    // The owner is the value, read back in the same transaction when the slot is taken: a
    // retried claim whose first try committed reads itself and still reports the win.
    const current = await retryTransient('claim', this.retryForMs, async () => {
      const res = await this.ns.if(k, 'Create', '==', 0).then(this.ns.put(k).value(owner)).else(this.ns.get(k)).commit();
      if (res.succeeded) return owner;
      const kv = res.responses[0]?.response_range?.kvs[0];
      if (!kv) throw new Error('claim vanished between compare and read');
      return kv.value.toString();
    });
    return { won: current === owner, owner: current };
  }

  /** Re-reads the log from etcd (a linearizable range read), e.g. before comparing heads. */
  sync(): Promise<void> {
    return this.serial(() => this.resync());
  }

  /** Compacts etcd's history up to the current revision; the log itself is untouched. */
  async compact(): Promise<string> {
    const res = await this.ns.get('e/').exec();
    await this.client.kv.compact({ revision: res.header.revision, physical: false });
    return res.header.revision;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
    const w = this.watcher;
    this.watcher = undefined;
    if (w) await withTimeout(w.cancel(), 1_000, 'cancel').catch(() => undefined);
    this.client.close();
    await this.lane.idle();
    this.archive?.close();
  }

  /** Resolves once the view holds every entry up to revision `rev`. */
  private async reach(rev: bigint): Promise<void> {
    for (let attempt = 0; attempt < 20 && this.lastRev < rev && !this.closed; attempt++) {
      const arrived = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), this.stallMs);
        this.waiters.push({ rev, resolve: () => (clearTimeout(timer), resolve(true)) });
      });
      // The watch is late: read by range (the watch stays; what it brings later is skipped).
      if (!(await arrived) && this.lastRev < rev) await this.serial(async () => void (await this.rangeCatchUp(false)));
    }
    if (this.lastRev < rev && !this.closed)
      throw new MurmurError('E_STORE', 'etcd board: the view does not reach an appended entry', { revision: rev.toString() });
  }

  private serial(task: () => Promise<void>): Promise<void> {
    return this.lane.run(task);
  }

  /** Range-reads every entry created after the view's last revision, then watches from there. */
  private async resync(): Promise<void> {
    if (this.closed) return;
    const old = this.watcher;
    this.watcher = undefined;
    // Not awaited: a cancel on a broken stream may never be answered.
    void old?.cancel().catch(() => undefined);
    const header = await this.rangeCatchUp(true);
    if (this.closed) return;
    const watcher = await retryTransient('watch', this.retryForMs, () =>
      withTimeout(
        this.ns
          .watch()
          .prefix('e/')
          .startRevision((header + 1n).toString())
          .create(),
        5_000,
        'watch did not start',
      ),
    );
    if (this.closed) {
      void watcher.cancel().catch(() => undefined);
      return;
    }
    this.watcher = watcher;
    watcher.on('data', (res) => {
      if (this.watcher !== watcher) return;
      this.ingest(res.events.filter((e) => e.type === 'Put').map((e) => e.kv));
      this.release();
    });
    // A compacted start revision or a canceled stream: fall back to a range read.
    watcher.on('error', () => {
      if (this.watcher === watcher && !this.closed) void this.sync().catch(() => undefined);
    });
  }

  /**
   * Reads the entries created after the view's last revision, in pages pinned to the first
   * page's revision. With `complete`, the view then counts as whole up to that revision.
   */
  private async rangeCatchUp(complete: boolean): Promise<bigint> {
    let header = 0n;
    for (let page = 0; page < 1_000_000 && !this.closed; page++) {
      const res = await retryTransient('read', this.retryForMs, () => {
        const range = this.ns
          .getAll()
          .prefix('e/')
          .sort('Create', 'Ascend')
          .minCreateRevision((this.lastRev + 1n).toString())
          .limit(PAGE);
        return (header === 0n ? range : range.revision(header.toString())).exec();
      });
      if (header === 0n) header = BigInt(res.header.revision);
      this.ingest(res.kvs);
      if (!res.more || res.kvs.length === 0) break;
    }
    if (complete && this.lastRev < header) this.lastRev = header;
    this.release();
    return header;
  }

  /** Adds entry keys in create-revision order, skipping what the view has. */
  private ingest(kvs: IKeyValue[]): void {
    for (const kv of kvs) {
      const rev = BigInt(kv.create_revision);
      if (rev <= this.lastRev || kv.version !== '1') continue;
      const stored = JSON.parse(kv.value.toString()) as { at: number; envelope: Envelope };
      // The writer's proposal, bounded as the fold bounds it (board-time.ts): one member whose
      // clock runs a day ahead does not drag every later stamp with it.
      const at = this.clockView.next(stored.at, stored.envelope.author, stored.envelope.at);
      const entry: StoredEntry = { index: this.entries.length + 1, at, envelope: stored.envelope };
      this.remember(entry, rev, true);
    }
  }

  private remember(entry: StoredEntry, rev: bigint, fresh: boolean): void {
    if (this.indexById.has(entry.envelope.id)) return;
    this.entries.push(entry);
    this.indexById.set(entry.envelope.id, entry.index);
    this.lastRev = rev;
    if (!fresh) return;
    this.archive?.put(entry, rev);
    for (const listener of [...this.listeners]) listener(entry);
  }

  private release(): void {
    const due = this.waiters.filter((w) => w.rev <= this.lastRev);
    if (due.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.rev > this.lastRev);
    for (const w of due) w.resolve();
  }
}

/** A node's local copy of the etcd log (its archive): survives restarts and compaction. */
class EntryArchive {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec('CREATE TABLE IF NOT EXISTS log (idx INTEGER PRIMARY KEY, rev TEXT NOT NULL, at INTEGER NOT NULL, body TEXT NOT NULL)');
    this.insert = this.db.prepare('INSERT OR IGNORE INTO log (idx, rev, at, body) VALUES (?, ?, ?, ?)');
  }

  all(): { entry: StoredEntry; rev: bigint }[] {
    const rows = this.db.prepare('SELECT idx, rev, at, body FROM log ORDER BY idx').all() as { idx: number; rev: string; at: number; body: string }[];
    const out: { entry: StoredEntry; rev: bigint }[] = [];
    for (const r of rows) {
      if (r.idx !== out.length + 1) break; // a hole: trust only the dense prefix
      out.push({ entry: { index: r.idx, at: r.at, envelope: JSON.parse(r.body) as Envelope }, rev: BigInt(r.rev) });
    }
    return out;
  }

  put(entry: StoredEntry, rev: bigint): void {
    this.insert.run(entry.index, rev.toString(), entry.at, JSON.stringify(entry.envelope));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
