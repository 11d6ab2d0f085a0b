import Database from 'better-sqlite3';
import type { FoldRecord } from '../../core/board/fold.js';
import type { RecordSpill } from '../../core/board/record-log.js';
import type { ColdStore } from '../../core/coordination/case-table.js';

/**
 * A replica's history out of the heap, in a SQLite file of its own: frozen settled cases
 * (case-table.ts) and the fold's older verdicts (record-log.ts). A cache of what the log
 * proves, not a record: it is emptied on open (the replica folds the log anew at start), and
 * written without a journal or fsync, since a crash loses nothing the log lacks.
 */
export class SqliteColdStore implements ColdStore, RecordSpill {
  private readonly db: Database.Database;
  private readonly putStmt: Database.Statement<[string, Uint8Array]>;
  private readonly getStmt: Database.Statement<[string], { bytes: Buffer }>;
  private readonly deleteStmt: Database.Statement<[string]>;
  private readonly appendStmt: Database.Statement<[number, string, number, string]>;
  private readonly rangeStmt: Database.Statement<[number, number], { json: string }>;
  private readonly byIdStmt: Database.Statement<[string], { json: string }>;
  private next = 0;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.exec(`
      DROP TABLE IF EXISTS cold; DROP TABLE IF EXISTS records;
      CREATE TABLE cold (key TEXT PRIMARY KEY, bytes BLOB NOT NULL) WITHOUT ROWID;
      CREATE TABLE records (pos INTEGER PRIMARY KEY, id TEXT NOT NULL, accepted INTEGER NOT NULL, json TEXT NOT NULL);
      CREATE INDEX records_id ON records (id, pos);`);
    this.putStmt = this.db.prepare('INSERT OR REPLACE INTO cold (key, bytes) VALUES (?, ?)');
    this.getStmt = this.db.prepare('SELECT bytes FROM cold WHERE key = ?');
    this.deleteStmt = this.db.prepare('DELETE FROM cold WHERE key = ?');
    this.appendStmt = this.db.prepare('INSERT INTO records (pos, id, accepted, json) VALUES (?, ?, ?, ?)');
    this.rangeStmt = this.db.prepare('SELECT json FROM records WHERE pos >= ? ORDER BY pos LIMIT ?');
    // An id's record: the accepted one, else the first (record-log.ts, `byId`).
    this.byIdStmt = this.db.prepare('SELECT json FROM records WHERE id = ? ORDER BY accepted DESC, pos LIMIT 1');
  }

  put(key: string, bytes: Uint8Array): void {
    this.putStmt.run(key, bytes);
  }

  get(key: string): Uint8Array | undefined {
    return this.getStmt.get(key)?.bytes;
  }

  delete(key: string): void {
    this.deleteStmt.run(key);
  }

  append(records: readonly FoldRecord[]): void {
    this.db.transaction(() => {
      for (const r of records) this.appendStmt.run(this.next++, r.id, r.status === 'accepted' ? 1 : 0, JSON.stringify(r));
    })();
  }

  range(from: number, limit: number): FoldRecord[] {
    return this.rangeStmt.all(from, limit).map((row) => JSON.parse(row.json) as FoldRecord);
  }

  byId(id: string): FoldRecord | undefined {
    const row = this.byIdStmt.get(id);
    return row ? (JSON.parse(row.json) as FoldRecord) : undefined;
  }

  close(): void {
    this.db.close();
  }
}
