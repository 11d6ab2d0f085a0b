import type { Envelope } from './envelope.js';

/** An envelope as the board ordered it: a global index and the store's time stamp. */
export interface StoredEntry {
  index: number;
  /** Board time (ms since epoch), stamped by the store; the fold's only clock. */
  at: number;
  envelope: Envelope;
}

export type Unsubscribe = () => void;

/**
 * The board's storage: an append-only, totally ordered log. Untrusted: it sees envelopes
 * (ciphertext and PHI-free headers), stamps and orders them, and can do nothing else that
 * the fold would accept. Every store passes the same suite (test/unit/board-store.test.ts).
 */
export interface BoardStore {
  /**
   * Appends an envelope; resolves once it is durable. Idempotent by envelope id: appending
   * an envelope already stored resolves with the stored entry.
   */
  append(envelope: Envelope): Promise<StoredEntry>;
  /** Entries with index ≥ `from`, in order, at most `limit`. Indexes start at 1. */
  read(from: number, limit?: number): Promise<StoredEntry[]>;
  /** The last index, 0 when empty. */
  head(): Promise<number>;
  /** Calls `listener` for each entry appended after this call, in order. */
  subscribe(listener: (entry: StoredEntry) => void): Unsubscribe;
  /**
   * First-writer-wins slot, so a loser learns at once that it lost a claim. Advisory: the
   * fold's rule (first valid claim in the log wins) is what all nodes agree on.
   */
  tryClaim(key: string, owner: string): Promise<{ won: boolean; owner: string }>;
  close(): Promise<void>;
}

/**
 * A store that can hand back any entry it holds by id, at once (SQLite's and the memory
 * store's reads are synchronous underneath). A replica keeps in memory only the entries of
 * live cases and reads a settled case's back from such a store when someone looks (an audit,
 * an appeal, the console's view of an old case): its memory follows the live cases, not the
 * history.
 */
export interface EntryLookup {
  entryById(id: string): StoredEntry | undefined;
}

export function hasEntryLookup(store: BoardStore): store is BoardStore & EntryLookup {
  return typeof (store as Partial<EntryLookup>).entryById === 'function';
}

/**
 * A store that catches its subscribers' failures (the entry is durable and acknowledged before
 * they hear of it, so a throwing subscriber must not fail the append or stop the others) and
 * counts them, for the node's log and the console's Problems.
 */
export interface SubscriberFailures {
  /** How many subscriber calls threw, and the last one's store time and error name (never its message). */
  readonly subscriberFailures: { count: number; lastAt: number; error: string } | undefined;
  /** Told of each failure (the node logs it). */
  onSubscriberError: (e: unknown) => void;
}

export function hasSubscriberFailures(store: BoardStore): store is BoardStore & SubscriberFailures {
  return 'subscriberFailures' in store && 'onSubscriberError' in store;
}
