import type { FoldRecord } from './fold.js';

/**
 * Where a record log puts its older records (a node's SQLite file): the verdicts stay readable
 * (a feed, an audit, the console's problems), out of the heap.
 */
export interface RecordSpill {
  /** Appends records after those already spilled, in log order. */
  append(records: readonly FoldRecord[]): void;
  /** Spilled records from position `from` (0-based, in log order), at most `limit`. */
  range(from: number, limit: number): FoldRecord[];
  /** The spilled record of an envelope id: the accepted one if any, else the first. */
  byId(id: string): FoldRecord | undefined;
}

const PAGE = 1_000;

/**
 * What the fold made of every entry, in log order. In memory by default; with a spill
 * (`spillInto`), all but the latest records move out of the heap in batches, so a node's
 * memory follows what is recent, not the board's history. Reads cover both: `byId`, `at`,
 * iteration and the array-like helpers see every record as before.
 */
export class RecordLog implements Iterable<FoldRecord> {
  private recent: FoldRecord[] = [];
  /** The record of each id among the recent ones (see `byId`). */
  private recentById = new Map<string, FoldRecord>();
  private spilled = 0;
  private spill: RecordSpill | undefined;
  private keep = Number.POSITIVE_INFINITY;

  /** From now on, keeps `keep` to 2 × `keep` records in memory and the older ones in `spill`. */
  spillInto(spill: RecordSpill, keep = 4_096): void {
    this.spill = spill;
    this.keep = keep;
    this.trim();
  }

  get length(): number {
    return this.spilled + this.recent.length;
  }

  push(record: FoldRecord): void {
    if (record.id) {
      // The fold accepts an id once (a later copy is a duplicate), so an accepted record is its
      // id's record with no lookup; any other is kept only if its id has none yet.
      if (record.status === 'accepted') this.recentById.set(record.id, record);
      else if (!this.recentById.has(record.id) && !(this.spilled && this.spill?.byId(record.id))) this.recentById.set(record.id, record);
    }
    this.recent.push(record);
    if (this.recent.length >= 2 * this.keep) this.trim();
  }

  /**
   * The record of an envelope id: the accepted one if the fold accepted it, else the first that
   * named it. A record's id is what the envelope claims, so a copy with a bad signature can
   * name a real envelope's id; a board host storing such a copy first must not make the
   * author read its accepted envelope as refused.
   */
  byId(id: string): FoldRecord | undefined {
    return this.recentById.get(id) ?? (this.spilled ? this.spill?.byId(id) : undefined);
  }

  /** The record at a position (negative from the end), as `Array.prototype.at`. */
  at(position: number): FoldRecord | undefined {
    const p = position < 0 ? this.length + position : position;
    if (p < 0 || p >= this.length) return undefined;
    return p >= this.spilled ? this.recent[p - this.spilled] : this.spill?.range(p, 1)[0];
  }

  /**
   * Records with a board index of at least `index`, in order, at most `limit`. Indexes grow
   * with position (the fold takes entries in order), so the first is found by bisection: a
   * feed's page costs a few reads, not a walk over the history before it.
   */
  from(index: number, limit: number): FoldRecord[] {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid)!.index < index) lo = mid + 1;
      else hi = mid;
    }
    const out = lo < this.spilled ? this.spill!.range(lo, Math.min(limit, this.spilled - lo)) : [];
    const start = Math.max(0, lo - this.spilled);
    for (let p = start; p < this.recent.length && out.length < limit; p++) out.push(this.recent[p]!);
    return out;
  }

  *[Symbol.iterator](): IterableIterator<FoldRecord> {
    for (let p = 0; p < this.spilled; p += PAGE) yield* this.spill!.range(p, Math.min(PAGE, this.spilled - p));
    yield* this.recent;
  }

  filter(keep: (r: FoldRecord) => boolean): FoldRecord[] {
    const out: FoldRecord[] = [];
    for (const r of this) if (keep(r)) out.push(r);
    return out;
  }

  find(match: (r: FoldRecord) => boolean): FoldRecord | undefined {
    for (const r of this) if (match(r)) return r;
    return undefined;
  }

  some(match: (r: FoldRecord) => boolean): boolean {
    return this.find(match) !== undefined;
  }

  map<T>(f: (r: FoldRecord) => T): T[] {
    const out: T[] = [];
    for (const r of this) out.push(f(r));
    return out;
  }

  flatMap<T>(f: (r: FoldRecord) => T | readonly T[]): T[] {
    return this.map(f).flat() as T[];
  }

  /** Moves all but the latest `keep` records to the spill. */
  private trim(): void {
    if (!this.spill || this.recent.length <= this.keep) return;
    const out = this.recent.length - this.keep;
    this.spill.append(this.recent.slice(0, out));
    this.spilled += out;
    this.recent = this.recent.slice(out);
    const byId = new Map<string, FoldRecord>();
    for (const r of this.recent) if (this.recentById.get(r.id) === r) byId.set(r.id, r);
    this.recentById = byId;
  }
}

/** A spill in memory (tests): the same contract as a node's file, without the file. */
export class MemoryRecordSpill implements RecordSpill {
  private readonly records: FoldRecord[] = [];
  private readonly ids = new Map<string, FoldRecord>();
  append(records: readonly FoldRecord[]): void {
    for (const r of records) {
      this.records.push({ ...r });
      if (r.id && (!this.ids.has(r.id) || (r.status === 'accepted' && this.ids.get(r.id)!.status !== 'accepted'))) this.ids.set(r.id, { ...r });
    }
  }
  range(from: number, limit: number): FoldRecord[] {
    return this.records.slice(from, from + limit).map((r) => ({ ...r }));
  }
  byId(id: string): FoldRecord | undefined {
    const r = this.ids.get(id);
    return r ? { ...r } : undefined;
  }
}
