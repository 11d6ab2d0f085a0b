/**
 * The waits-for graph (agent → agents whose work it waits on) and its cycles. A cycle is a
 * deadlock; the lowest-reputation agent in it yields (ties: the greatest DID yields).
 */
export type WaitsFor = ReadonlyMap<string, ReadonlySet<string>>;

/** One simple cycle per strongly connected component that has one (Tarjan), canonical order. */
export function findCycles(graph: WaitsFor): string[][] {
  const nodes = [...new Set([...graph.keys(), ...[...graph.values()].flatMap((s) => [...s])])].sort();
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const sccs: string[][] = [];
  let counter = 0;
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of [...(graph.get(v) ?? [])].sort()) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      sccs.push(scc);
    }
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  const cycles: string[][] = [];
  for (const scc of sccs) {
    const members = new Set(scc);
    const start = [...scc].sort()[0]!;
    if (scc.length === 1 && !graph.get(start)?.has(start)) continue;
    // Walk from the smallest node inside the SCC back to it (BFS for a shortest cycle).
    const prev = new Map<string, string>();
    const queue = [start];
    let closing: string | undefined;
    while (queue.length && !closing) {
      const v = queue.shift()!;
      for (const w of [...(graph.get(v) ?? [])].sort()) {
        if (!members.has(w)) continue;
        if (w === start) {
          closing = v;
          break;
        }
        if (!prev.has(w)) {
          prev.set(w, v);
          queue.push(w);
        }
      }
    }
    const cycle = [closing!];
    while (cycle[0] !== start) cycle.unshift(prev.get(cycle[0]!)!);
    cycles.push(cycle);
  }
  return cycles.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

export function yielder(cycle: readonly string[], reputation: (did: string) => number): string {
  return [...cycle].sort((a, b) => reputation(a) - reputation(b) || (a < b ? 1 : -1))[0]!;
}

/** Whether `cycle` is a cycle of `graph` (each edge present, closing back to the start). */
export function isCycleOf(graph: WaitsFor, cycle: readonly string[]): boolean {
  if (cycle.length === 0 || new Set(cycle).size !== cycle.length) return false;
  return cycle.every((v, i) => graph.get(v)?.has(cycle[(i + 1) % cycle.length]!) ?? false);
}
