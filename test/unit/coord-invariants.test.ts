import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FoldRecord } from '../../core/board/fold.js';
import type { StoredEntry } from '../../core/board/store.js';
import { doubleClaims } from '../../app/sim/invariants.js';

/** Synthetic accepted records (the checker reads kind, author, case, subtask, time and header). */
function log(items: { kind: string; author: string; at: number; subtask?: string; header?: Record<string, unknown> }[]) {
  const records: FoldRecord[] = [];
  const entries = new Map<number, StoredEntry>();
  items.forEach((x, i) => {
    const index = i + 1;
    records.push({
      index,
      at: x.at,
      id: String(index),
      kind: x.kind,
      author: `did:key:${x.author}#k`,
      case: 'c',
      ...(x.subtask ? { subtask: x.subtask } : {}),
      status: 'accepted',
    });
    entries.set(index, { index, at: x.at, envelope: { header: x.header ?? {} } as StoredEntry['envelope'] });
  });
  return { records, entries };
}

test('the double-claim checker flags overlapping holders and accepts hand-overs', () => {
  const ok = log([
    { kind: 'Claim', author: 'a', at: 0, subtask: 's', header: { leaseMs: 1000 } },
    { kind: 'Heartbeat', author: 'a', at: 900, subtask: 's' },
    { kind: 'Release', author: 'a', at: 1500, subtask: 's' },
    { kind: 'Claim', author: 'b', at: 1600, subtask: 's', header: { leaseMs: 1000 } },
    { kind: 'Claim', author: 'c', at: 2700, subtask: 's', header: { leaseMs: 1000 } },
  ]);
  assert.deepEqual(doubleClaims(ok.records, ok.entries, 60_000, 1000), []);
  const bad = log([
    { kind: 'Claim', author: 'a', at: 0, subtask: 's', header: { leaseMs: 1000 } },
    { kind: 'Heartbeat', author: 'a', at: 900, subtask: 's' },
    { kind: 'Claim', author: 'b', at: 1500, subtask: 's', header: { leaseMs: 1000 } },
  ]);
  assert.equal(doubleClaims(bad.records, bad.entries, 60_000, 1000).length, 1);
  const capped = log([
    { kind: 'Claim', author: 'a', at: 0, subtask: 's', header: { leaseMs: 1000 } },
    { kind: 'Heartbeat', author: 'a', at: 900, subtask: 's' },
    { kind: 'Claim', author: 'b', at: 1500, subtask: 's', header: { leaseMs: 1000 } },
  ]);
  assert.deepEqual(doubleClaims(capped.records, capped.entries, 1_000, 1000), [], 'the hold cap ended the first claim');
});
