import { fromBytes, toBytes } from '../common/serialize.js';
import type { CaseState } from './case-state.js';

/**
 * Where settled cases wait, serialized, out of the heap (a node's SQLite file, or memory in
 * tests). Contents are a cache of what the log already proves: a replica that starts again
 * folds the log anew, so a store may be emptied on open.
 */
export interface ColdStore {
  put(key: string, bytes: Uint8Array): void;
  get(key: string): Uint8Array | undefined;
  delete(key: string): void;
}

/** Read copies of cold cases kept decoded, so a caller polling an old case does not decode it each time. */
const READ_COPIES = 16;

/**
 * The board state's cases by id. Live cases are objects in memory; a replica may move a
 * settled case (dissolved, its reputation folded) to a cold store (`freeze`) so that memory
 * follows the live cases, not the board's history, and brings it back (`warm`) before folding
 * an entry that names it (an appeal's access request, an adjudication, new information).
 *
 * Readers see no difference: `get`, `has`, `size` and the iterators cover cold cases too,
 * decoding them on demand. A decoded cold case is a read copy: the fold only changes a case
 * after `warm`, which the replica calls for the case an entry names (rules touch no other).
 * `live()` iterates the cases in memory only: every unsettled case is among them.
 */
export class CaseTable {
  private readonly hot = new Map<string, CaseState>();
  /** Ids of frozen cases, in the order they were frozen. */
  private readonly cold = new Set<string>();
  private readonly copies = new Map<string, CaseState>();
  private store: ColdStore | undefined;

  constructor(cases: Iterable<readonly [string, CaseState]> = []) {
    for (const [id, c] of cases) this.hot.set(id, c);
  }

  /** Lets this table freeze cases into `store` (without one, `freeze` does nothing). */
  attach(store: ColdStore): void {
    this.store = store;
  }

  get(id: string): CaseState | undefined {
    return this.hot.get(id) ?? (this.cold.has(id) ? this.decode(id) : undefined);
  }

  has(id: string): boolean {
    return this.hot.has(id) || this.cold.has(id);
  }

  set(id: string, c: CaseState): this {
    if (this.cold.delete(id)) this.forget(id);
    this.hot.set(id, c);
    return this;
  }

  get size(): number {
    return this.hot.size + this.cold.size;
  }

  /** How many cases are in memory (the rest are frozen). */
  get liveCount(): number {
    return this.hot.size;
  }

  isCold(id: string): boolean {
    return this.cold.has(id);
  }

  /** The cases in memory, in the order they were opened or warmed: every unsettled case is here. */
  live(): IterableIterator<CaseState> {
    return this.hot.values();
  }

  /** Ids of the frozen cases, in the order they were frozen. */
  frozen(): IterableIterator<string> {
    return this.cold.values();
  }

  *keys(): IterableIterator<string> {
    yield* this.hot.keys();
    yield* this.cold;
  }

  /** Every case: those in memory, then the frozen ones, decoded one at a time. */
  *values(): IterableIterator<CaseState> {
    yield* this.hot.values();
    for (const id of this.cold) yield this.decode(id);
  }

  *entries(): IterableIterator<[string, CaseState]> {
    for (const c of this.values()) yield [c.id, c];
  }

  [Symbol.iterator](): IterableIterator<[string, CaseState]> {
    return this.entries();
  }

  /** Moves a case out of memory into the cold store; false without a store or for an unknown case. */
  freeze(id: string): boolean {
    const c = this.hot.get(id);
    if (!c || !this.store) return false;
    this.store.put(id, toBytes(c));
    this.hot.delete(id);
    this.cold.add(id);
    return true;
  }

  /** Brings a frozen case back into memory, where the fold may change it; a no-op for a live one. */
  warm(id: string): void {
    if (!this.cold.has(id)) return;
    const c = this.decode(id);
    this.cold.delete(id);
    this.forget(id);
    this.hot.set(id, c);
  }

  private decode(id: string): CaseState {
    const kept = this.copies.get(id);
    if (kept) return kept;
    const bytes = this.store?.get(id);
    if (!bytes) throw new Error(`case ${id} is frozen but its cold store has no copy`);
    const c = fromBytes<CaseState>(bytes);
    if (this.copies.size >= READ_COPIES) this.copies.delete(this.copies.keys().next().value!);
    this.copies.set(id, c);
    return c;
  }

  private forget(id: string): void {
    this.copies.delete(id);
    this.store?.delete(id);
  }
}

/** A cold store in memory: serialized bytes outside the V8 heap's object graph (tests, simulations). */
export class MemoryColdStore implements ColdStore {
  private readonly bytes = new Map<string, Uint8Array>();
  put(key: string, bytes: Uint8Array): void {
    this.bytes.set(key, bytes);
  }
  get(key: string): Uint8Array | undefined {
    return this.bytes.get(key);
  }
  delete(key: string): void {
    this.bytes.delete(key);
  }
  get size(): number {
    return this.bytes.size;
  }
}
