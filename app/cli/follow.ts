import type { OrgNode } from '../node/org-node.js';
import { formatTraceLine, PHASE_TITLES, traceLine, type Phase } from '../node/trace.js';

/** Prints the trace of the log as a node folds it, with a heading when a phase begins. */
export function followTrace(node: OrgNode, write: (line: string) => void, color: boolean): () => void {
  let phase: Phase | undefined;
  return node.replica.onRecord((record, entry) => {
    const t = traceLine(record, entry, node.replica.state);
    if (!t) return;
    if (t.phase && t.phase !== phase && t.phase > (phase ?? 'T')) {
      phase = t.phase;
      write(`── ${t.phase} ${PHASE_TITLES[t.phase]} ${'─'.repeat(Math.max(0, 60 - PHASE_TITLES[t.phase].length))}`);
    }
    write(formatTraceLine(t, color));
  });
}
