import type { StoredEntry } from './store.js';

/**
 * The entries a store committed last, a contiguous run of indexes, oldest dropped first. In an
 * embedded coalition four replicas read every entry just after it is committed; served from
 * here they share one parsed copy (and the first replica's full check of it, verified-cache.ts)
 * instead of each running the range query and parsing the JSON again.
 *
 * The run is contiguous: one broken by an index this process did not commit (another writer of
 * the same file) starts again. The store answers from it only when the run ends at the file's
 * last row, and a read outside it goes to the store's own query.
 */
export class RecentEntries {
  private readonly ring: StoredEntry[] = [];

  constructor(private readonly capacity = 1_024) {}

  add(entry: StoredEntry): void {
    const last = this.ring.at(-1);
    if (last && entry.index !== last.index + 1) this.ring.length = 0;
    this.ring.push(entry);
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
  }

  /** The run's last index (0 when empty). */
  get last(): number {
    return this.ring.at(-1)?.index ?? 0;
  }

  /** Entries from `from` on (at most `limit`), or undefined when `from` is not in the run. */
  from(from: number, limit: number): StoredEntry[] | undefined {
    const first = this.ring[0];
    if (!first || from < first.index || from > this.ring.at(-1)!.index) return undefined;
    const start = from - first.index;
    return this.ring.slice(start, start + limit);
  }

  clear(): void {
    this.ring.length = 0;
  }
}
