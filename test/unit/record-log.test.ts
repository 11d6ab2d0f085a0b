import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteColdStore } from '../../app/node/sqlite-cold-store.js';
import type { FoldRecord } from '../../core/board/fold.js';
import { MemoryRecordSpill, RecordLog } from '../../core/board/record-log.js';

const rec = (index: number, id: string, status: FoldRecord['status'] = 'accepted'): FoldRecord => ({
  index,
  at: 1_000 + index,
  id,
  kind: 'Heartbeat',
  author: 'did:key:z6Mk',
  case: index % 2 ? 'case-1' : null,
  status,
});

// The log a node spills to its file must read exactly as the one that keeps every record.
test('a record log that spills its older records reads the same as one that keeps them all', () => {
  const whole = new RecordLog();
  const spilling = new RecordLog();
  const spill = new MemoryRecordSpill();
  spilling.spillInto(spill, 4);
  for (let i = 1; i <= 37; i++) {
    // Entry 30 replays entry 3: its duplicate record must not become the record of that id.
    const r = i === 30 ? rec(i, 'id-3', 'duplicate') : rec(i, `id-${i}`);
    whole.push(r);
    spilling.push({ ...r });
  }
  assert.ok(spilling.length === 37 && whole.length === 37);
  assert.deepEqual([...spilling], [...whole]);
  assert.ok(spill.range(0, 100).length >= 29, 'the older records went to the spill');
  assert.equal(spilling.byId('id-3')?.index, 3);
  assert.equal(spilling.byId('id-3')?.status, 'accepted');
  assert.deepEqual(spilling.byId('id-36'), whole.byId('id-36'));
  assert.equal(spilling.byId('no-such'), undefined);
  for (const p of [0, 5, 32, 36, -1, -37, 37, -38]) assert.deepEqual(spilling.at(p), whole.at(p), `at(${p})`);
  assert.deepEqual(spilling.from(20, 5), whole.from(20, 5));
  assert.deepEqual(
    spilling.filter((r) => r.case === 'case-1').map((r) => r.index),
    whole.filter((r) => r.case === 'case-1').map((r) => r.index),
  );
  assert.equal(spilling.find((r) => r.status === 'duplicate')?.index, 30);
});

// A feed page (`/v1/records?from=`, the console's board view) must not read the history before it.
test('from(index) finds its first record by bisection: the same page as a scan, reading a few records of the spill', () => {
  const reads = { records: 0 };
  class CountingSpill extends MemoryRecordSpill {
    override range(from: number, limit: number): FoldRecord[] {
      const out = super.range(from, limit);
      reads.records += out.length;
      return out;
    }
  }
  const log = new RecordLog();
  log.spillInto(new CountingSpill(), 64);
  const all: FoldRecord[] = [];
  // Every other index: a page may start between two records.
  for (let i = 1; i <= 10_000; i++) {
    const r = rec(2 * i, `id-${i}`);
    all.push(r);
    log.push({ ...r });
  }
  const scan = (index: number, limit: number) => all.filter((r) => r.index >= index).slice(0, limit);
  for (const [index, limit] of [
    [0, 3],
    [1, 3],
    [2, 3],
    [3, 3],
    [7_777, 10],
    [19_900, 50],
    [19_999, 5],
    [20_000, 5],
    [20_001, 5],
  ] as const) {
    reads.records = 0;
    assert.deepEqual(log.from(index, limit), scan(index, limit), `from(${index}, ${limit})`);
    assert.ok(reads.records <= 20 + limit, `from(${index}) read ${reads.records} spilled records`);
  }
});

// A record's id is what its envelope claims: a board host can store a bad-signature copy of a
// real envelope, same id, before it. The author asking what became of its envelope must read
// the acceptance, wherever the two records sit (both in memory, both spilled, or split).
test("a forged copy stored first does not become the record of the real envelope's id, in memory or spilled", () => {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-record-log-'));
  const cold = new SqliteColdStore(join(dir, 'cold.sqlite'));
  try {
    for (const [name, spill] of [
      ['in memory', undefined],
      ['memory spill', new MemoryRecordSpill()],
      ['SQLite spill', cold],
    ] as const) {
      const log = new RecordLog();
      if (spill) log.spillInto(spill, 4);
      const forged = (index: number, id: string): FoldRecord => ({ ...rec(index, id, 'rejected'), code: 'E_SIGNATURE', reason: 'signature does not verify' });
      const records = [rec(1, 'id-1'), forged(2, 'id-a'), rec(3, 'id-a'), forged(4, 'id-b')];
      for (let i = 5; i <= 14; i++) records.push(rec(i, `id-${i}`)); // past a spill of 4
      records.push(rec(15, 'id-b'), forged(16, 'id-c'));
      for (let i = 17; i <= 20; i++) records.push(rec(i, `id-${i}`));
      for (const r of records) log.push(r);
      assert.deepEqual([log.byId('id-a')?.status, log.byId('id-a')?.index], ['accepted', 3], `${name}: the real envelope right after its forgery`);
      assert.deepEqual([log.byId('id-b')?.status, log.byId('id-b')?.index], ['accepted', 15], `${name}: the real envelope after a spill`);
      assert.equal(log.byId('id-c')?.status, 'rejected', `${name}: a forgery never followed stays the record of its id`);
      // A later replay (a duplicate) does not replace the acceptance.
      log.push(rec(21, 'id-b', 'duplicate'));
      assert.equal(log.byId('id-b')?.index, 15, `${name}: after a replay`);
      assert.equal(log.length, 21);
    }
  } finally {
    cold.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
