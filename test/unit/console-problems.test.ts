import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BoardReplica } from '../../core/agents/runtime/replica.js';
import type { FoldRecord } from '../../core/board/fold.js';
import { MemoryBoardStore } from '../../core/board/memory-store.js';
import { MemoryRecordSpill } from '../../core/board/record-log.js';
import { didKeyResolver } from '../../core/crypto/did-key.js';
import { Projection } from '../../app/node/console/projection.js';
import { testEnvelopes } from '../support/board-contract.js';

// The console polls its Problems: each poll must read what was folded since, not the whole
// history of verdicts (on a long-running node most of it is spilled to the node's file).
test("the console's Problems read each verdict once: a poll costs what was folded since, and the latest 1,000 are kept", async () => {
  const reads = { records: 0 };
  class CountingSpill extends MemoryRecordSpill {
    override range(from: number, limit: number): FoldRecord[] {
      const out = super.range(from, limit);
      reads.records += out.length;
      return out;
    }
  }
  const store = new MemoryBoardStore();
  // Heartbeats on a case that was never opened: each one is refused, each one a problem.
  const envs = testEnvelopes(3_010, 'noisy');
  for (const e of envs.slice(0, 3_000)) await store.append(e);
  const replica = new BoardReplica(store, didKeyResolver);
  replica.fold.records.spillInto(new CountingSpill(), 64);
  await replica.catchUp();
  const node = { spec: { id: 'northwind', name: 'Northwind', kind: 'payer' }, did: 'did:example:n', replica } as unknown as ConstructorParameters<
    typeof Projection
  >[0];
  const p = new Projection(node, []);
  const expected = () =>
    replica.fold.records
      .filter((r) => r.status === 'rejected')
      .slice(-1_000)
      .map((r) => r.index);
  const shown = () =>
    p
      .problems(0)
      .filter((x) => x.kind === 'rejected')
      .map((x) => x.index);
  assert.equal(replica.fold.records.filter((r) => r.status === 'rejected').length, 3_000);
  assert.deepEqual(shown(), expected());

  const want = expected();
  reads.records = 0;
  const again = shown();
  assert.deepEqual(again, want);
  assert.ok(reads.records <= 20, `a second poll read ${reads.records} spilled verdicts`);

  for (const e of envs.slice(3_000)) await store.append(e);
  await replica.catchUp();
  const wantAfter = expected();
  reads.records = 0;
  const after = shown();
  assert.deepEqual(after, wantAfter);
  assert.equal(after.at(-1), 3_010);
  assert.ok(reads.records <= 20, `a poll after 10 new entries read ${reads.records} spilled verdicts`);
  await replica.stop();
});
