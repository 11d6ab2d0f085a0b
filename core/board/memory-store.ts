import type { Clock } from '../common/clock.js';
import { systemClock } from '../common/clock.js';
import type { Envelope } from './envelope.js';
import type { BoardStore, EntryLookup, StoredEntry, Unsubscribe } from './store.js';
import { checkEnvelopeForStore } from './store-checks.js';

/**
 * An in-memory board for simulations and tests: same contract as the SQLite store, except
 * that its host's clock is taken as is (never backwards): rule tests and the simulator move
 * time with one author at a time, and the fold applies the board-time rule anyway.
 */
export class MemoryBoardStore implements BoardStore, EntryLookup {
  private readonly entries: StoredEntry[] = [];
  private readonly byId = new Map<string, StoredEntry>();
  private readonly claims = new Map<string, string>();
  private readonly listeners = new Set<(entry: StoredEntry) => void>();

  constructor(private readonly clock: Clock = systemClock) {}

  async append(envelope: Envelope): Promise<StoredEntry> {
    checkEnvelopeForStore(envelope);
    const existing = this.byId.get(envelope.id);
    if (existing) return existing;
    const lastAt = this.entries.at(-1)?.at ?? 0;
    const entry: StoredEntry = { index: this.entries.length + 1, at: Math.max(this.clock.now(), lastAt), envelope };
    this.entries.push(entry);
    this.byId.set(envelope.id, entry);
    for (const listener of [...this.listeners]) listener(entry);
    return entry;
  }

  async read(from: number, limit = 10_000): Promise<StoredEntry[]> {
    return this.entries.slice(Math.max(1, from) - 1, Math.max(1, from) - 1 + limit);
  }

  async head(): Promise<number> {
    return this.entries.length;
  }

  entryById(id: string): StoredEntry | undefined {
    return this.byId.get(id);
  }

  subscribe(listener: (entry: StoredEntry) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async tryClaim(key: string, owner: string): Promise<{ won: boolean; owner: string }> {
    if (!this.claims.has(key)) this.claims.set(key, owner);
    const current = this.claims.get(key)!;
    return { won: current === owner, owner: current };
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
