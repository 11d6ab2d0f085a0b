/**
 * Board time as the fold counts it. A store stamps each entry (the SQLite host's clock, or on
 * etcd the writing member's), and the author signs its own `at`; neither alone is trusted. The
 * fold's time for an entry is the stamp, bounded: never before the previous entry's time, never
 * more than `maxSkewMs` past the author's signed time (a host cannot run the board ahead), and
 * never more than `maxSkewMs` past the median of the latest signed times of the `quorum` most
 * recently posting authors (one member signing a day ahead cannot either: the others' times
 * outvote it). Every replica folds the same entries, so every replica computes the same times,
 * whatever store holds them. The failure it leaves is lag (a board with a single active author
 * advances no faster than the others last said), which only delays expirations.
 */
export interface BoardTimeRule {
  maxSkewMs: number;
  /** How many of the most recently posting authors' signed times the median is taken over. */
  quorum: number;
}

/** Clocks of honest nodes agree within seconds (NTP); the skew stays well below a lease (≥ 60 s). */
export const DEFAULT_BOARD_TIME: BoardTimeRule = { maxSkewMs: 15_000, quorum: 3 };

export class BoardClock {
  private last = 0;
  /** Latest signed time per author, in order of their latest post (most recent last). */
  private readonly latest = new Map<string, number>();

  constructor(private readonly rule: BoardTimeRule) {}

  /** The fold's time for an authentic entry stamped `stamp`, signed by `author` at `signedAt`. */
  next(stamp: number, author: string, signedAt: number): number {
    this.latest.delete(author);
    this.latest.set(author, signedAt);
    const recent = [...this.latest.values()].slice(-this.rule.quorum).sort((a, b) => a - b);
    // The lower median for an even count: with two authors, the one further behind.
    const median = recent[Math.floor((recent.length - 1) / 2)]!;
    const at = Math.max(this.last, Math.min(stamp, signedAt + this.rule.maxSkewMs, median + this.rule.maxSkewMs));
    this.last = at;
    return at;
  }
}
