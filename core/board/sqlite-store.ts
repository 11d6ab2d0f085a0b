import Database from 'better-sqlite3';
import type { Clock } from '../common/clock.js';
import { systemClock } from '../common/clock.js';
import { BoardClock, DEFAULT_BOARD_TIME } from './board-time.js';
import type { Envelope } from './envelope.js';
import { RecentEntries } from './recent-entries.js';
import { checkEnvelopeForStore } from './store-checks.js';
import type { BoardStore, EntryLookup, StoredEntry, SubscriberFailures, Unsubscribe } from './store.js';

/**
 * The embedded board: one SQLite file in WAL mode with synchronous=FULL, so an append is on
 * disk before it is acknowledged and a killed process loses nothing it acknowledged.
 *
 * Appends (and claims) are committed in groups: those made while the event loop runs one turn
 * are written in one transaction, hence one fsync, before any of them is acknowledged. The WAL's
 * fsync blocks the thread (better-sqlite3 is synchronous), and in the embedded coalition one
 * fsync per entry was the largest single item of the volume benchmark's main thread.
 */
export class SqliteBoardStore implements BoardStore, EntryLookup, SubscriberFailures {
  private readonly db: Database.Database;
  private readonly listeners = new Set<(entry: StoredEntry) => void>();
  private readonly insert: Database.Statement;
  private readonly byId: Database.Statement;
  private readonly range: Database.Statement;
  private readonly last: Database.Statement;
  private readonly ofCase: Database.Statement;
  private readonly claimInsert: Database.Statement;
  private readonly claimOwner: Database.Statement;
  private readonly time = new BoardClock(DEFAULT_BOARD_TIME);
  /** Writes queued this turn: each runs inside the group's transaction and returns its acknowledgement. */
  private pending: { write: () => () => void; reject: (e: unknown) => void }[] = [];
  subscriberFailures: SubscriberFailures['subscriberFailures'];
  onSubscriberError: (e: unknown) => void = () => undefined;
  /** What this store committed last, read back without the query and the parse (recent-entries.ts). */
  private readonly recent = new RecentEntries();
  /** Transactions committed (each one fsync of the WAL): benchmarks read it. */
  commits = 0;

  constructor(
    path: string,
    private readonly clock: Clock = systemClock,
  ) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS entries (
        idx INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        at INTEGER NOT NULL,
        body TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, owner TEXT NOT NULL);
    `);
    // A case's archive reads its own entries, not the whole board (cost flat in history). The
    // case is a column of its own ('' for coalition-wide entries), written from the envelope at
    // append: an index on json_extract(body) would make SQLite parse every body it writes, and
    // refuse to hold a damaged one, which a reviewer's verifier must still be able to name.
    const columns = (this.db.prepare('PRAGMA table_info(entries)').all() as { name: string }[]).map((c) => c.name);
    if (!columns.includes('case_id')) {
      this.db.exec('ALTER TABLE entries ADD COLUMN case_id TEXT');
      this.db.exec("UPDATE entries SET case_id = coalesce(json_extract(body, '$.case'), '') WHERE json_valid(body)");
    }
    this.db.exec('DROP INDEX IF EXISTS entries_case; CREATE INDEX IF NOT EXISTS entries_case_id ON entries (case_id)');
    this.insert = this.db.prepare('INSERT OR IGNORE INTO entries (id, at, body, case_id) VALUES (?, ?, ?, ?)');
    this.byId = this.db.prepare('SELECT idx, at, body FROM entries WHERE id = ?');
    this.range = this.db.prepare('SELECT idx, at, body FROM entries WHERE idx >= ? ORDER BY idx LIMIT ?');
    this.last = this.db.prepare('SELECT idx, at FROM entries ORDER BY idx DESC LIMIT 1');
    this.ofCase = this.db.prepare("SELECT idx, at, body FROM entries WHERE case_id = ? OR case_id = '' ORDER BY idx");
    this.claimInsert = this.db.prepare('INSERT OR IGNORE INTO claims (key, owner) VALUES (?, ?)');
    this.claimOwner = this.db.prepare('SELECT owner FROM claims WHERE key = ?');
    // The board-time rule's state: the recent authors' signed times, from the log's tail.
    const tail = (this.db.prepare('SELECT at, body FROM entries ORDER BY idx DESC LIMIT 64').all() as { at: number; body: string }[]).reverse();
    for (const row of tail) {
      const env = parseQuietly(row.body);
      if (env) this.time.next(row.at, env.author, env.at);
    }
    this.time.resume(tail.at(-1)?.at ?? 0);
  }

  async append(envelope: Envelope): Promise<StoredEntry> {
    checkEnvelopeForStore(envelope);
    return this.queue((resolve) => {
      const { entry, fresh } = this.insertOne(envelope);
      return () => {
        this.committed(entry, fresh);
        resolve(entry);
        if (fresh) this.announce(entry);
      };
    });
  }

  private queue<T>(write: (resolve: (value: T) => void) => () => void): Promise<T> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => this.commitPending());
      this.pending.push({ write: () => write(resolve), reject });
    });
  }

  /** Writes what was queued this turn in one transaction, then acknowledges (and announces) each. */
  private commitPending(): void {
    const group = this.pending;
    if (group.length === 0) return;
    this.pending = [];
    let acks: (() => void)[];
    try {
      acks = this.db.transaction(() => group.map((p) => p.write()))();
      this.commits++;
    } catch (e) {
      for (const p of group) p.reject(e);
      return;
    }
    for (const ack of acks) ack();
  }

  /** After its transaction committed: an entry shared with readers is one that is durable. */
  private committed(entry: StoredEntry, fresh: boolean): void {
    if (fresh) this.recent.add(entry);
  }

  private announce(entry: StoredEntry): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(entry);
      } catch (e) {
        // The entry is durable and acknowledged; a subscriber's failure is its own (and must
        // not become an uncaught exception of this turn), but it is counted and told, not lost.
        const count = (this.subscriberFailures?.count ?? 0) + 1;
        this.subscriberFailures = { count, lastAt: entry.at, error: e instanceof Error ? e.name : 'unknown' };
        try {
          this.onSubscriberError(e);
        } catch {
          // the report of a failure must not become one
        }
      }
    }
  }

  private insertOne(envelope: Envelope): { entry: StoredEntry; fresh: boolean } {
    const known = this.byId.get(envelope.id) as Row | undefined;
    if (known) return { entry: this.entryOf(known), fresh: false };
    // The host's clock, bounded by the board-time rule (board-time.ts), as on every store:
    // never backwards, never past the signed times of the author and the recent others.
    const at = this.time.next(this.clock.now(), envelope.author, envelope.at);
    const body = JSON.stringify(envelope);
    const result = this.insert.run(envelope.id, at, body, envelope.case ?? '');
    if (result.changes === 0) return { entry: this.entryOf(this.byId.get(envelope.id) as Row), fresh: false };
    // Readers get the text as written, parsed (as a read of the row would give), not the
    // poster's own object, which stays the poster's to change.
    return { entry: { index: Number(result.lastInsertRowid), at, envelope: JSON.parse(body) as Envelope }, fresh: true };
  }

  async read(from: number, limit = 10_000): Promise<StoredEntry[]> {
    const start = Math.max(1, from);
    const head = (this.last.get() as { idx: number } | undefined)?.idx ?? 0;
    // A follower asks once more after each batch: past the end there is nothing to query.
    if (start > head) return [];
    // The run answers only when it reaches the file's last row (another writer may have added more).
    const recent = this.recent.last === head ? this.recent.from(start, limit) : undefined;
    return recent ?? (this.range.all(start, limit) as Row[]).map((r) => this.entryOf(r));
  }

  /** A case's entries and the coalition-wide ones (cards), in order: what its archive holds. */
  async readCase(caseId: string): Promise<StoredEntry[]> {
    return (this.ofCase.all(caseId) as Row[]).map((r) => this.entryOf(r));
  }

  async head(): Promise<number> {
    return (this.last.get() as { idx: number } | undefined)?.idx ?? 0;
  }

  entryById(id: string): StoredEntry | undefined {
    const row = this.byId.get(id) as Row | undefined;
    return row ? this.entryOf(row) : undefined;
  }

  subscribe(listener: (entry: StoredEntry) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Committed in the same groups as appends: first insert wins; the owner is read back in the transaction. */
  tryClaim(key: string, owner: string): Promise<{ won: boolean; owner: string }> {
    return this.queue((resolve) => {
      this.claimInsert.run(key, owner);
      const current = (this.claimOwner.get(key) as { owner: string }).owner;
      return () => resolve({ won: current === owner, owner: current });
    });
  }

  async close(): Promise<void> {
    if (this.pending.length > 0 && this.db.open) this.commitPending();
    this.listeners.clear();
    if (this.db.open) this.db.close();
  }

  private entryOf(row: Row): StoredEntry {
    return { index: row.idx, at: row.at, envelope: JSON.parse(row.body) as Envelope };
  }
}

/** A stored body's author and signed time, or undefined for a damaged row (audit verify names it). */
function parseQuietly(body: string): { author: string; at: number } | undefined {
  try {
    const env = JSON.parse(body) as { author?: unknown; at?: unknown };
    return typeof env.author === 'string' && typeof env.at === 'number' ? { author: env.author, at: env.at } : undefined;
  } catch {
    return undefined;
  }
}

interface Row {
  idx: number;
  at: number;
  body: string;
}
