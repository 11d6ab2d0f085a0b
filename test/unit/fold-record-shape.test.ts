import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { FoldRecord } from '../../core/board/fold.js';
import { FoldBoard } from '../support/fold-board.js';
import { testSigner } from '../support/keys.js';

setFlagsFromString('--allow-natives-syntax');
/** V8's own answer to whether two objects share a hidden class (map). */
const sameMap = runInNewContext('(a, b) => %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

test('fold records of history share hidden classes: memory per record does not carry a V8 map of its own', async () => {
  const b = new FoldBoard();
  const members = Array.from({ length: 4 }, (_, i) => testSigner(`shape-member-${i}`));
  const records: FoldRecord[] = [];
  // Refused entries (no such case), as many of a settled case's records look: all one shape.
  for (let i = 0; i < 40; i++) {
    records.push(await b.post(members[i % 4]!, { case: `case-${i % 7}`, kind: 'Tick', header: {}, sections: [] }));
  }
  assert.ok(records.every((r) => r.status === 'rejected' && r.code !== undefined));
  const distinct: FoldRecord[] = [];
  for (const r of records) if (!distinct.some((d) => sameMap(d, r))) distinct.push(r);
  // Built by spreading a base object, each record had a map of its own (40 here).
  assert.ok(distinct.length <= 2, `${distinct.length} hidden classes for ${records.length} records of one shape`);
});
