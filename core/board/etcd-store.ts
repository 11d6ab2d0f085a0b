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
 *
 * Settled cases leave etcd (`releaseCases`, docs/deployment.md): once a case is archived, its
 * entry keys and its claim keys (`c/<case id>/…`) are deleted, so etcd holds the live cases
 * plus a constant. The log stays whole in every member's archive, which is what the tree
 * heads prove, and indexes stay the same on every node: a key is deleted only once its
 * create revision is at or below the watermark, the least revision that every registered
 * replica's archive holds (`seen/<replica>`, written by the replica after its archive has the
 * entries); `floor` records the highest watermark used. A view that would have to read below
 * `floor` from etcd (a new node with an empty archive, or a store without one) refuses to
 * open instead of renumbering: it starts from a copy of a member's archive.
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
  /**
   * This replica's name in the removal watermark (`seen/<replica>`); needs `archivePath`. A
   * registered replica holds back the removal of entries its archive does not have yet.
   */
  replica?: string;
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
/** Key deletions in flight at once when cases are released. */
const TXN_OPS = 100;
/** Revisions as fixed-width decimal strings, so etcd's byte-wise value compare orders them. */
const padRev = (rev: bigint): string => rev.toString().padStart(20, '0');

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
  /** Create revision of each entry (by index - 1): what the removal watermark is compared with. */
  private readonly revs: bigint[] = [];
  /** Indexes of each case's entries still in etcd (as far as this view knows). */
  private readonly inEtcd = new Map<string, number[]>();
  /** Archived cases whose keys are not all removed yet (some above the watermark). */
  private readonly releasing = new Set<string>();
  private readonly replica: string | undefined;
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
    if (o.replica !== undefined && !o.archivePath)
      throw new MurmurError('E_INPUT', 'etcd board: a replica in the removal watermark needs an archive', { field: 'replica' });
    if (o.replica !== undefined && !/^[A-Za-z0-9._-]{1,80}$/.test(o.replica))
      throw new MurmurError('E_INPUT', 'etcd board: replica name must be 1–80 letters, digits, . _ -', { field: 'replica' });
    this.replica = o.replica;
    if (o.archivePath) {
      this.archive = new EntryArchive(o.archivePath);
      for (const row of this.archive.all()) {
        this.clockView.next(row.entry.at, row.entry.envelope.author, row.entry.envelope.at);
        this.remember(row.entry, row.rev, false);
      }
    }
    // A replica registers its mark at open: from then on nothing it lacks leaves etcd.
    this.ready = this.serial(() => this.resync()).then(() => this.mark());
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

  /** A case's entries and the coalition-wide ones (cards), in order: what its archive holds. */
  async readCase(caseId: string): Promise<StoredEntry[]> {
    await this.ready;
    return this.entries.filter((e) => e.envelope.case === caseId || e.envelope.case === null);
  }

  /**
   * Removes archived cases' keys from etcd (call once each case's archive is written; every
   * replica calls it, which also advances its mark in the watermark). Entries above the
   * watermark stay until a later call; returns how many keys went and how many cases wait.
   */
  async releaseCases(caseIds: Iterable<string>): Promise<{ removed: number; waiting: number }> {
    await this.ready;
    for (const c of caseIds) this.releasing.add(c);
    const watermark = await this.watermark();
    let removed = 0;
    const ops: { key: string; prefix: boolean }[] = [];
    const done: string[] = [];
    for (const caseId of this.releasing) {
      const held = this.inEtcd.get(caseId) ?? [];
      const due = held.filter((i) => this.revs[i - 1]! <= watermark);
      for (const i of due) ops.push({ key: `e/${this.entries[i - 1]!.envelope.id}`, prefix: false });
      const left = held.filter((i) => this.revs[i - 1]! > watermark);
      if (left.length > 0) this.inEtcd.set(caseId, left);
      else {
        this.inEtcd.delete(caseId);
        ops.push({ key: `c/${caseId}/`, prefix: true });
        done.push(caseId);
      }
    }
    // The floor rises before the deletes: it may claim a removal that has not happened yet,
    // never miss one that has.
    if (ops.some((op) => !op.prefix)) await this.raiseFloor(watermark);
    for (let at = 0; at < ops.length; at += TXN_OPS) {
      const chunk = ops.slice(at, at + TXN_OPS);
      // Deleting a key twice is harmless, so a retried chunk needs no compare.
      await Promise.all(
        chunk.map((op) =>
          retryTransient('release', this.retryForMs, () => (op.prefix ? this.ns.delete().prefix(op.key) : this.ns.delete().key(op.key)).exec()),
        ),
      );
      removed += chunk.filter((op) => !op.prefix).length;
    }
    for (const c of done) this.releasing.delete(c);
    return { removed, waiting: this.releasing.size };
  }

  /** Entry and claim keys under this board's prefix in etcd (a count, for operators and tests). */
  async keyCount(): Promise<{ entries: number; claims: number }> {
    const [entries, claims] = await Promise.all([this.ns.getAll().prefix('e/').count(), this.ns.getAll().prefix('c/').count()]);
    return { entries, claims };
  }

  /** Sets `floor` to at least `rev`, compare-and-swap on its last modification. */
  private async raiseFloor(rev: bigint): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const res = await retryTransient('floor', this.retryForMs, () => this.ns.get('floor').exec());
      const kv = res.kvs[0];
      if (kv && BigInt(kv.value.toString()) >= rev) return;
      const swapped = await retryTransient('floor', this.retryForMs, () =>
        this.ns
          .if('floor', 'Mod', '==', kv ? kv.mod_revision : '0')
          .then(this.ns.put('floor').value(padRev(rev)))
          .commit(),
      );
      if (swapped.succeeded) return;
    }
    throw new MurmurError('E_CONFLICT', 'etcd board: the removal floor kept changing under this replica', { field: 'floor' });
  }

  /** Records how far this replica's archive holds the log (its entries are archived as they arrive). */
  private async mark(): Promise<void> {
    if (this.replica === undefined || this.closed) return;
    // The last entry's revision, not the view's: that is what the archive can show after a restart.
    const mine = padRev(this.revs.at(-1) ?? 0n);
    await retryTransient('mark', this.retryForMs, () => this.ns.put(`seen/${this.replica}`).value(mine).exec());
  }

  /** Records this replica's mark, then reads the least mark of all replicas. */
  private async watermark(): Promise<bigint> {
    await this.mark();
    const marks = await retryTransient('watermark', this.retryForMs, () => this.ns.getAll().prefix('seen/').strings());
    const revs = Object.values(marks).map((v) => BigInt(v));
    // No replica registered: nothing is known to be held anywhere, so nothing is removed.
    return revs.length === 0 ? 0n : revs.reduce((a, b) => (a < b ? a : b));
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
    const from = this.lastRev;
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
      if (header === 0n) {
        header = BigInt(res.header.revision);
        await this.checkFloor(from, header);
      }
      this.ingest(res.kvs);
      if (!res.more || res.kvs.length === 0) break;
    }
    if (complete && this.lastRev < header) this.lastRev = header;
    this.release();
    return header;
  }

  /**
   * Refuses to read from etcd a stretch that lost archived entries: their indexes would shift.
   * Read at the range's own revision, so a removal after it is seen in the same snapshot.
   */
  private async checkFloor(from: bigint, at: bigint): Promise<void> {
    const floor = await retryTransient('floor', this.retryForMs, () => this.ns.get('floor').revision(at.toString()).string());
    if (floor !== null && BigInt(floor) > from)
      throw new MurmurError(
        'E_STORE',
        `etcd board: entries up to revision ${BigInt(floor)} left etcd after their cases were archived, and this node's archive ends at revision ${from}; start it from a copy of a member's board archive (board-archive.db)`,
        { floor: BigInt(floor).toString(), archived: from.toString() },
      );
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
    this.revs.push(rev);
    this.indexById.set(entry.envelope.id, entry.index);
    const caseId = entry.envelope.case;
    if (caseId !== null) {
      const held = this.inEtcd.get(caseId);
      if (held) held.push(entry.index);
      else this.inEtcd.set(caseId, [entry.index]);
    }
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
