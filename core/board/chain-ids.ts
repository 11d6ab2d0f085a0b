/** How many of an author's latest envelope ids are kept whole (equivocations are reported with both). */
const WHOLE = 64;

interface Chain {
  /** Two 52-bit words of each id's first 26 hex digits, by seq - 1. */
  words: Float64Array;
  length: number;
  /** The latest ids whole, at (seq - 1) % WHOLE. */
  recent: string[];
}

const word = (id: string, from: number): number => Number.parseInt(id.slice(from, from + 13), 16);

/**
 * The id of every authentic envelope of each author, by seq, for replay and equivocation
 * checks. An id string per entry was the largest part of what a fold kept of history once its
 * verdicts spilled to disk (≈ 90 B each); this keeps 16 bytes per entry: 104 bits of the
 * SHA-256 id (a crafted clash needs ≈ 2^52 work, and would only file a refused second envelope
 * as a replay instead of an equivocation), and the latest 64 ids of each author whole.
 */
export class ChainIds {
  private readonly chains = new Map<string, Chain>();

  /** Records the id at an author's next seq (the fold checks that seqs are dense). */
  append(author: string, seq: number, id: string): void {
    let c = this.chains.get(author);
    if (!c) this.chains.set(author, (c = { words: new Float64Array(64), length: 0, recent: [] }));
    if (seq !== c.length + 1) throw new Error(`chain ids: seq ${seq} after ${c.length}`);
    if (2 * seq > c.words.length) {
      const grown = new Float64Array(c.words.length * 2);
      grown.set(c.words);
      c.words = grown;
    }
    c.words[2 * (seq - 1)] = word(id, 0);
    c.words[2 * (seq - 1) + 1] = word(id, 13);
    c.recent[(seq - 1) % WHOLE] = id;
    c.length = seq;
  }

  /** Whether the author's envelope at `seq` has this id. */
  holds(author: string, seq: number, id: string): boolean {
    const c = this.chains.get(author);
    if (!c || seq < 1 || seq > c.length) return false;
    if (seq > c.length - WHOLE) return c.recent[(seq - 1) % WHOLE] === id;
    return c.words[2 * (seq - 1)] === word(id, 0) && c.words[2 * (seq - 1) + 1] === word(id, 13);
  }

  /** The id at an author's seq: whole for the latest 64, else its first 26 hex digits and "…". */
  at(author: string, seq: number): string | undefined {
    const c = this.chains.get(author);
    if (!c || seq < 1 || seq > c.length) return undefined;
    if (seq > c.length - WHOLE) return c.recent[(seq - 1) % WHOLE];
    const hex = (w: number): string => w.toString(16).padStart(13, '0');
    return `${hex(c.words[2 * (seq - 1)]!)}${hex(c.words[2 * (seq - 1) + 1]!)}…`;
  }
}
