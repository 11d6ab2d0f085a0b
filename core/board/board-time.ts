/**
 * Board time: the one rule every store stamps with and every fold counts by (docs/board-time.md).
 *
 * A store proposes a stamp for each entry (the SQLite host's clock, or on etcd the writing
 * member's) and the author signs its own `at`; neither alone is trusted. An entry's time is
 *
 *     max(previous, min(stamp, signedAt + maxSkewMs, median + maxSkewMs))
 *
 * where `median` is the lower median of the latest signed times of the `quorum` voters that
 * posted most recently. So board time never goes back; a host cannot run it past what the
 * author signed (skew limit); and no entry moves it more than `maxSkewMs` past what a quorum
 * of recent voters signed (forward-jump limit): one member signing a day ahead is clamped and
 * leaves every later entry's time alone, because the others outvote it.
 *
 * Voters are organizations, not keys: the fold counts an author's signed time only once its
 * card (verified against the organization's credential) is on the board, under its
 * organization, so a member cannot outvote the others with fresh keys. Stores know no cards:
 * they count every author, which only makes their stamp a tighter upper bound; the fold
 * bounds it again with its own voters. The failure left is lag (a board with one active voter
 * advances no faster than the others last signed); members' Ticks on a quiet board
 * (coordination/rules/tick.ts) keep it moving while a case is open.
 */
export interface BoardTimeRule {
  maxSkewMs: number;
  /** How many of the most recently posting voters' signed times the median is taken over. */
  quorum: number;
}

/** Clocks of honest nodes agree within seconds (NTP); the skew stays well below a lease (≥ 60 s). */
export const DEFAULT_BOARD_TIME: BoardTimeRule = { maxSkewMs: 15_000, quorum: 3 };

/** The rule itself, as a pure function of what the log said before the entry. */
export function boundedTime(rule: BoardTimeRule, previous: number, stamp: number, signedAt: number, median: number | undefined): number {
  const ceiling = Math.min(stamp, signedAt + rule.maxSkewMs, median === undefined ? Number.POSITIVE_INFINITY : median + rule.maxSkewMs);
  return Math.max(previous, ceiling);
}

export class BoardClock {
  private last = 0;
  /** Latest signed time per voter, in order of their latest post (most recent last). */
  private readonly latest = new Map<string, number>();

  constructor(private readonly rule: BoardTimeRule) {}

  /**
   * Continues a log whose last entry was stamped `lastAt`, having replayed (some of) its tail
   * through `next`: a store reopening its file.
   */
  resume(lastAt: number): void {
    this.last = Math.max(this.last, lastAt);
  }

  /** The time of the last entry counted. */
  now(): number {
    return this.last;
  }

  /**
   * The time of an entry stamped `stamp` and signed at `signedAt` by `voter` (undefined: an
   * author whose signed time does not count, bounded by the voters' median all the same).
   */
  next(stamp: number, voter: string | undefined, signedAt: number): number {
    if (voter !== undefined) {
      this.latest.delete(voter);
      this.latest.set(voter, signedAt);
      // Only the most recent `quorum` voters count: older ones are dropped (a map in post order).
      if (this.latest.size > this.rule.quorum) this.latest.delete(this.latest.keys().next().value!);
    }
    const at = boundedTime(this.rule, this.last, stamp, signedAt, this.median());
    this.last = at;
    return at;
  }

  /** The lower median (with two voters, the one further behind) of the recent voters' signed times. */
  private median(): number | undefined {
    const recent = [...this.latest.values()].sort((a, b) => a - b);
    return recent.length === 0 ? undefined : recent[Math.floor((recent.length - 1) / 2)];
  }
}
