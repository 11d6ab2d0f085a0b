import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Kind } from '../../core/board/kinds.js';
import { hostileDraft, type Draft, type DraftOf } from '../../core/coordination/kinds/draft.js';
import type { HeaderOf } from '../../core/coordination/kinds/registry.js';
import { KIND_DEFS, withKinds } from '../../core/coordination/kinds/registry.js';

// The compile-time half of these tests is the `@ts-expect-error` lines: if the draft type stops
// refusing one of these headers, the build fails ("unused directive"). The run-time half checks
// that each header the compiler refuses is one the fold's schema refuses too (E_HEADER).
const defs = withKinds([]);
const schemaAccepts = (d: { kind: Kind; header: unknown }): boolean => defs.get(d.kind)!.header.safeParse(d.header).success;
const digest = 'a'.repeat(64);

test('a draft header the compiler refuses is one its kind schema refuses', () => {
  // @ts-expect-error a Claim's lease is required
  const noLease: Draft = { case: 'c', kind: 'Claim', header: {}, sections: [] };
  // @ts-expect-error a Claim has no outcome (only the determination's sealed section carries one)
  const extra: DraftOf<'Claim'> = { case: 'c', kind: 'Claim', header: { leaseMs: 60_000, outcome: 'approved' }, sections: [] };
  // @ts-expect-error the header narrows with the kind: an Artifact's header is not a Claim's
  const crossed: Draft = { case: 'c', kind: 'Claim', header: { digest }, sections: [] };
  // @ts-expect-error an Artifact's closure is a code of the schema's enum
  const badCode: Draft = { case: 'c', kind: 'Artifact', header: { digest, closure: 'done' }, sections: [] };
  for (const d of [noLease, extra, crossed, badCode]) assert.equal(schemaAccepts(d), false, `${d.kind} ${JSON.stringify(d.header)}`);
});

test("a draft is typed by the schema's input: a field with a default may be left out, and the parsed header has it", () => {
  const opened: Draft = {
    case: 'c',
    kind: 'TaskAvailable',
    header: { service: { system: 'http://www.ama-assn.org/go/cpt', code: '81225' }, policy: { id: 'p', version: '1', hash: digest }, needs: ['pgx'] },
    sections: [],
  };
  const header: HeaderOf<'TaskAvailable'> = KIND_DEFS.TaskAvailable.header.parse(opened.header);
  assert.deepEqual(header.requestReaders, []);
});

test('hostileDraft is the named way past the type, for headers the fold must refuse', () => {
  const d = hostileDraft({ case: 'c', subtask: 's', kind: 'Artifact', header: { digest, outcome: 'approved' }, sections: [] });
  assert.equal(schemaAccepts(d), false);
});
