import Database from 'better-sqlite3';
import type { Subscription } from '@medplum/fhirtypes';
import type { CaseDataRef } from '../../../core/agents/ports.js';
import type { RequestParties, RequestUrls } from '../../../fhir/pas/identity.js';

/** A PAS submission the payer accepted: which case it opened, for which client, where its data lives. */
export interface Submission {
  caseId: string;
  clientId: string;
  /** The Claim identifiers (`system|value`) it answers to on $inquire, the update's included. */
  identifiers: string[];
  /** Where the latest round's request data lives. */
  ref: CaseDataRef;
  /** The case round the latest submission asked for (0: the first; n: the n-th update). */
  round: number;
  createdAt: number;
  /** The latest response version the submitter was notified of ("" when none). */
  notified: string;
  /** Who the first request is about (an update must name the same parties). */
  parties?: RequestParties;
  /** The request Bundle's fullUrls of its Claim, Patient, insurer and provider (echoed in answers). */
  urls: RequestUrls;
}

/** A Claim identifier the payer holds: the case it belongs to and the content hash of the request that used it. */
export interface IdentifierRecord {
  key: string;
  caseId: string;
  /** "" for identifiers recorded before hashes were kept. */
  hash: string;
}

export interface DeliveryRecord {
  subscription: string;
  caseId: string;
  event: number;
  attempt: number;
  at: number;
  /** HTTP status of the endpoint's answer; 0 when it could not be reached. */
  status: number;
  outcome: 'delivered' | 'failed' | 'gave-up';
}

export interface SubscriptionRecord {
  id: string;
  clientId: string;
  resource: Subscription;
  /** Events sent so far (the backport's events-since-subscription-start). */
  events: number;
  /** `requested` until the handshake succeeds; `off` once deleted. */
  status: 'requested' | 'active' | 'error' | 'off';
}

/**
 * The payer's PAS ledger on disk (SQLite, fsync on commit): submissions, the identifiers they
 * answer to, subscriptions and every notification attempt. Nothing accepted over the API is
 * kept only in memory, so a restarted node still answers $inquire and still notifies.
 */
export class PasRecords {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS submission (case_id TEXT PRIMARY KEY, client_id TEXT NOT NULL, ref TEXT NOT NULL, round INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, notified TEXT NOT NULL DEFAULT '');
      CREATE TABLE IF NOT EXISTS identifier (key TEXT NOT NULL, client_id TEXT NOT NULL, case_id TEXT NOT NULL, PRIMARY KEY (key, client_id));
      CREATE TABLE IF NOT EXISTS subscription (id TEXT PRIMARY KEY, client_id TEXT NOT NULL, resource TEXT NOT NULL, events INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS delivery (n INTEGER PRIMARY KEY AUTOINCREMENT, subscription TEXT NOT NULL, case_id TEXT NOT NULL, event INTEGER NOT NULL, attempt INTEGER NOT NULL, at INTEGER NOT NULL, status INTEGER NOT NULL, outcome TEXT NOT NULL);
    `);
    // Ledgers written before request identity was kept gain its columns (empty: unknown).
    this.addColumn('submission', 'parties', "TEXT NOT NULL DEFAULT ''");
    this.addColumn('submission', 'urls', "TEXT NOT NULL DEFAULT '{}'");
    this.addColumn('identifier', 'content_hash', "TEXT NOT NULL DEFAULT ''");
  }

  private addColumn(table: string, column: string, type: string): void {
    const has = this.db
      .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`)
      .all()
      .some((c) => c.name === column);
    if (!has) this.db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
  }

  addSubmission(s: Omit<Submission, 'notified' | 'round'>, hash: string): void {
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO submission (case_id, client_id, ref, created_at, parties, urls) VALUES (?, ?, ?, ?, ?, ?)')
        .run(s.caseId, s.clientId, JSON.stringify(s.ref), s.createdAt, s.parties ? JSON.stringify(s.parties) : '', JSON.stringify(s.urls));
      for (const key of s.identifiers) this.addIdentifier(key, s.clientId, s.caseId, hash);
    })();
  }

  /** An update's Claim identifiers join the case's; its data ref and round become the current ones. */
  updateSubmission(caseId: string, clientId: string, identifiers: string[], ref: CaseDataRef, round: number, hash: string, urls: RequestUrls): void {
    this.db.transaction(() => {
      // The answer now speaks of the update's Bundle: its fullUrls and identifier are echoed.
      this.db.prepare('UPDATE submission SET ref = ?, round = ?, urls = ? WHERE case_id = ?').run(JSON.stringify(ref), round, JSON.stringify(urls), caseId);
      for (const key of identifiers) this.addIdentifier(key, clientId, caseId, hash);
    })();
  }

  /** Identifiers a request used that change nothing of the case's data (a cancel's). */
  addIdentifiers(caseId: string, clientId: string, identifiers: string[], hash: string): void {
    this.db.transaction(() => {
      for (const key of identifiers) this.addIdentifier(key, clientId, caseId, hash);
    })();
  }

  private addIdentifier(key: string, clientId: string, caseId: string, hash: string): void {
    // A trace number is bound once: a later request under it is refused before it gets here.
    this.db.prepare('INSERT OR IGNORE INTO identifier (key, client_id, case_id, content_hash) VALUES (?, ?, ?, ?)').run(key, clientId, caseId, hash);
  }

  /** The client's identifiers among `identifiers` the payer already holds (another client's are not visible). */
  identifiersOf(clientId: string, identifiers: readonly string[]): IdentifierRecord[] {
    const q = this.db.prepare<[string, string], { case_id: string; content_hash: string }>(
      'SELECT case_id, content_hash FROM identifier WHERE key = ? AND client_id = ?',
    );
    return identifiers.flatMap((key) => {
      const row = q.get(key, clientId);
      return row ? [{ key, caseId: row.case_id, hash: row.content_hash }] : [];
    });
  }

  /** The case a client's Claim identifier belongs to (another client's identifiers are not visible). */
  caseFor(clientId: string, identifiers: readonly string[]): string | undefined {
    const q = this.db.prepare<[string, string], { case_id: string }>('SELECT case_id FROM identifier WHERE key = ? AND client_id = ?');
    for (const key of identifiers) {
      const row = q.get(key, clientId);
      if (row) return row.case_id;
    }
    return undefined;
  }

  submission(caseId: string): Submission | undefined {
    const row = this.db
      .prepare<
        [string],
        { case_id: string; client_id: string; ref: string; round: number; created_at: number; notified: string; parties: string; urls: string }
      >('SELECT * FROM submission WHERE case_id = ?')
      .get(caseId);
    if (!row) return undefined;
    const identifiers = this.db
      .prepare<[string], { key: string }>('SELECT key FROM identifier WHERE case_id = ?')
      .all(caseId)
      .map((r) => r.key);
    return {
      caseId: row.case_id,
      clientId: row.client_id,
      identifiers,
      ref: JSON.parse(row.ref) as CaseDataRef,
      round: row.round,
      createdAt: row.created_at,
      notified: row.notified,
      ...(row.parties ? { parties: JSON.parse(row.parties) as RequestParties } : {}),
      urls: JSON.parse(row.urls) as RequestUrls,
    };
  }

  submissions(): Submission[] {
    return this.db
      .prepare<[], { case_id: string }>('SELECT case_id FROM submission ORDER BY created_at')
      .all()
      .map((r) => this.submission(r.case_id)!);
  }

  markNotified(caseId: string, version: string): void {
    this.db.prepare('UPDATE submission SET notified = ? WHERE case_id = ?').run(version, caseId);
  }

  addSubscription(s: SubscriptionRecord): void {
    this.db
      .prepare('INSERT INTO subscription (id, client_id, resource, events, status) VALUES (?, ?, ?, ?, ?)')
      .run(s.id, s.clientId, JSON.stringify(s.resource), s.events, s.status);
  }

  subscription(id: string): SubscriptionRecord | undefined {
    const row = this.db
      .prepare<[string], { id: string; client_id: string; resource: string; events: number; status: SubscriptionRecord['status'] }>(
        'SELECT * FROM subscription WHERE id = ?',
      )
      .get(id);
    return row
      ? { id: row.id, clientId: row.client_id, resource: JSON.parse(row.resource) as Subscription, events: row.events, status: row.status }
      : undefined;
  }

  subscriptionsOf(clientId: string): SubscriptionRecord[] {
    return this.db
      .prepare<[string], { id: string }>("SELECT id FROM subscription WHERE client_id = ? AND status != 'off' ORDER BY rowid")
      .all(clientId)
      .map((r) => this.subscription(r.id)!);
  }

  /** Every subscription not deleted (their heartbeats resume on start). */
  liveSubscriptions(): SubscriptionRecord[] {
    return this.db
      .prepare<[], { id: string }>("SELECT id FROM subscription WHERE status != 'off' ORDER BY rowid")
      .all()
      .map((r) => this.subscription(r.id)!);
  }

  /** Reserves the next event number of a subscription. */
  nextEvent(id: string): number {
    return this.db.prepare<[string], { events: number }>('UPDATE subscription SET events = events + 1 WHERE id = ? RETURNING events').get(id)!.events;
  }

  setSubscriptionStatus(id: string, status: SubscriptionRecord['status']): void {
    this.db.prepare('UPDATE subscription SET status = ? WHERE id = ?').run(status, id);
  }

  addDelivery(d: DeliveryRecord): void {
    this.db
      .prepare('INSERT INTO delivery (subscription, case_id, event, attempt, at, status, outcome) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(d.subscription, d.caseId, d.event, d.attempt, d.at, d.status, d.outcome);
  }

  deliveries(subscription: string): DeliveryRecord[] {
    return this.db
      .prepare<
        [string],
        { subscription: string; case_id: string; event: number; attempt: number; at: number; status: number; outcome: DeliveryRecord['outcome'] }
      >('SELECT subscription, case_id, event, attempt, at, status, outcome FROM delivery WHERE subscription = ? ORDER BY n')
      .all(subscription)
      .map((r) => ({ subscription: r.subscription, caseId: r.case_id, event: r.event, attempt: r.attempt, at: r.at, status: r.status, outcome: r.outcome }));
  }

  close(): void {
    this.db.close();
  }
}
