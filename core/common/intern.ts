/**
 * A string interner: one copy of each distinct value, so state that outlives the parsed
 * envelopes it came from (fold records, case state) does not keep a fresh copy per entry.
 * Bounded by the distinct values it is given (DIDs, kinds, case ids), which the state names anyway.
 */
export function interner(): (s: string) => string {
  const known = new Map<string, string>();
  return (s) => {
    const k = known.get(s);
    if (k !== undefined) return k;
    known.set(s, s);
    return s;
  };
}
