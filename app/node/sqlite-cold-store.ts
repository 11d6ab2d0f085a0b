import Database from 'better-sqlite3';
import type { ColdStore } from '../../core/coordination/case-table.js';

/**
 * A replica's frozen cases in a SQLite file of its own: what the log proves, kept off the heap.
 * A cache, not a record: it is emptied on open (the replica folds the log anew at start and
 * freezes what settles), and written without fsync, since a crash loses nothing the log lacks.
 */
export class SqliteColdStore implements ColdStore {
  private readonly db: Database.Database;
  private readonly putStmt: Database.Statement<[string, Uint8Array]>;
  private readonly getStmt: Database.Statement<[string], { bytes: Buffer }>;
  private readonly deleteStmt: Database.Statement<[string]>;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.exec('DROP TABLE IF EXISTS cold; CREATE TABLE cold (key TEXT PRIMARY KEY, bytes BLOB NOT NULL) WITHOUT ROWID');
    this.putStmt = this.db.prepare('INSERT OR REPLACE INTO cold (key, bytes) VALUES (?, ?)');
    this.getStmt = this.db.prepare('SELECT bytes FROM cold WHERE key = ?');
    this.deleteStmt = this.db.prepare('DELETE FROM cold WHERE key = ?');
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

  close(): void {
    this.db.close();
  }
}
