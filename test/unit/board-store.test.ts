import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MemoryBoardStore } from '../../core/board/memory-store.js';
import { SqliteBoardStore } from '../../core/board/sqlite-store.js';
import { boardStoreContract, testEnvelopes } from '../support/board-contract.js';
import { signEnvelope } from '../../core/board/envelope.js';
import { testSigner } from '../support/keys.js';

const dir = mkdtempSync(join(tmpdir(), 'murmur-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const envs = (n: number) => testEnvelopes(n);

/** Every BoardStore passes this suite (etcd: board-etcd.test.ts; remote: board-service.test.ts). */
boardStoreContract('memory', (clock) => new MemoryBoardStore(clock), { boardTimeRule: false });
boardStoreContract('sqlite', (clock) => new SqliteBoardStore(join(dir, `suite-${Math.random()}.db`), clock));

test('sqlite store rejects a malformed envelope with the field named, and stores nothing', async () => {
  const store = new SqliteBoardStore(join(dir, 'bad.db'));
  await assert.rejects(store.append({ ...envs(1)[0]!, seq: 0 }), /envelope rejected by the store: seq/);
  assert.equal(await store.head(), 0);
  await store.close();
});

test('a killed writer loses no acknowledged entry', async () => {
  const path = join(dir, 'killed.db');
  const writer = fileURLToPath(new URL('../support/store-writer.js', import.meta.url));
  const child = spawn(process.execPath, [writer, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const acked: string[] = [];
  let buffer = '';
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      acked.push(...lines.filter(Boolean));
      if (acked.length >= 200 && !child.killed) child.kill('SIGKILL');
    });
    child.on('exit', () => resolve());
  });
  assert.ok(acked.length >= 200, `writer acknowledged ${acked.length} entries before the kill`);
  const reopened = new SqliteBoardStore(path);
  const ids = new Set((await reopened.read(1, 1_000_000)).map((e) => e.envelope.id));
  const lost = acked.filter((id) => !ids.has(id));
  assert.deepEqual(lost, [], `${lost.length} acknowledged entries lost`);
  await reopened.close();
});

test("sqlite readCase returns one case's entries and the coalition-wide ones, in board order", async () => {
  const store = new SqliteBoardStore(join(dir, 'by-case.db'));
  const a = testEnvelopes(3, 'writer-a', 'case-a');
  const b = testEnvelopes(2, 'writer-b', 'case-b');
  const card = signEnvelope(testSigner('card'), { case: null, kind: 'AgentCard', seq: 1, prev: null, at: 0, header: {}, sections: [] });
  for (const e of [a[0]!, b[0]!, card, a[1]!, b[1]!, a[2]!]) await store.append(e);
  const ofA = await store.readCase('case-a');
  assert.deepEqual(
    ofA.map((e) => e.envelope.id),
    [a[0]!.id, card.id, a[1]!.id, a[2]!.id],
  );
  assert.deepEqual(
    ofA.map((e) => e.index),
    [1, 3, 4, 6],
  );
  assert.deepEqual(
    (await store.readCase('case-b')).map((e) => e.envelope.id),
    [b[0]!.id, card.id, b[1]!.id],
  );
  await store.close();
});

test('sqlite appends and claims made together are committed as one group: in call order, each announced once, a repeat answered with the stored entry', async () => {
  const store = new SqliteBoardStore(join(dir, 'group.db'));
  const a = testEnvelopes(5, 'group-a', 'case-a');
  const b = testEnvelopes(4, 'group-b', 'case-b');
  const seen: number[] = [];
  store.subscribe((e) => seen.push(e.index));
  const order = [a[0]!, b[0]!, a[1]!, a[2]!, b[1]!, a[0]!, b[2]!, a[3]!, b[3]!, a[4]!];
  const entries = await Promise.all(order.map((e) => store.append(e)));
  assert.deepEqual(
    entries.map((e) => e.index),
    [1, 2, 3, 4, 5, 1, 6, 7, 8, 9],
  );
  assert.deepEqual(entries[5], entries[0]);
  assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.ok(entries.every((e, i) => i === 0 || e.at >= entries[i - 1]!.at || e.index < entries[i - 1]!.index));
  // Claims raced in one group: the first in call order wins, the others learn who.
  const raced = await Promise.all(['alice', 'bob', 'carol'].map((owner) => store.tryClaim('case-a/s-1', owner)));
  assert.deepEqual(raced, [
    { won: true, owner: 'alice' },
    { won: false, owner: 'alice' },
    { won: false, owner: 'alice' },
  ]);
  await store.close();
  const reopened = new SqliteBoardStore(join(dir, 'group.db'));
  assert.deepEqual(
    (await reopened.read(1)).map((e) => e.envelope.id),
    [...new Set(order.map((e) => e.id))],
  );
  await reopened.close();
});

test('sqlite: a throwing subscriber neither wedges the store nor is lost: counted by error name, told, and the others hear every entry', async () => {
  const store = new SqliteBoardStore(join(dir, 'throwing-subscriber.db'));
  const told: unknown[] = [];
  store.onSubscriberError = (e) => told.push(e);
  store.subscribe(() => {
    throw new TypeError('Patient/123 has no name');
  });
  const seen: number[] = [];
  store.subscribe((e) => seen.push(e.index));
  const envs = testEnvelopes(3, 'throwing', 'case-t');
  for (const e of envs) await store.append(e);
  assert.deepEqual(seen, [1, 2, 3]);
  assert.equal(await store.head(), 3);
  assert.equal(told.length, 3);
  assert.equal(store.subscriberFailures?.count, 3);
  assert.equal(store.subscriberFailures?.error, 'TypeError', 'the error name only: its message may carry PHI');
  assert.ok(!JSON.stringify(store.subscriberFailures).includes('Patient'));
  await store.close();
});

test('sqlite: readers of just-committed entries share one parsed copy, and still see the file as it is (a second writer, a long history, the poster changing its object)', async () => {
  const path = join(dir, 'recent.db');
  const one = new SqliteBoardStore(path);
  const two = new SqliteBoardStore(path);
  const a = testEnvelopes(4, 'recent-a', 'case-a');
  const b = testEnvelopes(2, 'recent-b', 'case-b');
  await one.append(a[0]!);
  await one.append(a[1]!);
  // Two readers of what `one` just committed get the same object: parsed once, checked once.
  const [r1, r2] = [await one.read(1), await one.read(1)];
  assert.equal(r1[0]!.envelope, r2[0]!.envelope);
  // A second writer of the same file: `one`'s reads must include its entries, in board order.
  await two.append(b[0]!);
  assert.deepEqual(
    (await one.read(2)).map((e) => e.envelope.id),
    [a[1]!.id, b[0]!.id],
  );
  await one.append(a[2]!);
  await two.append(b[1]!);
  await one.append(a[3]!);
  const expected = [a[0]!, a[1]!, b[0]!, a[2]!, b[1]!, a[3]!].map((e) => e.id);
  for (const store of [one, two]) {
    for (let from = 1; from <= 6; from++) {
      assert.deepEqual(
        (await store.read(from)).map((e) => e.envelope.id),
        expected.slice(from - 1),
        `read(${from})`,
      );
    }
  }
  // The poster's object is its own: changing it after the append changes nothing read back.
  const c = testEnvelopes(1, 'recent-c', 'case-c')[0]!;
  const stored = await one.append(c);
  (c as { kind: string }).kind = 'Artifact';
  assert.equal((await one.read(stored.index))[0]!.envelope.kind, 'Heartbeat');
  // More than the run holds, committed in one group: every read, old or recent, is the file's.
  const many = testEnvelopes(1_500, 'recent-d', 'case-d');
  await Promise.all(many.map((e) => one.append(e)));
  const all = await one.read(1, 10_000);
  assert.equal(all.length, 7 + 1_500);
  assert.deepEqual(
    all.map((e) => e.index),
    all.map((_, i) => i + 1),
  );
  assert.deepEqual(
    (await one.read(8, 3)).map((e) => e.envelope.id),
    many.slice(0, 3).map((e) => e.id),
  );
  assert.deepEqual(
    (await one.read(7 + 1_500 - 1)).map((e) => e.envelope.id),
    many.slice(-2).map((e) => e.id),
  );
  await one.close();
  await two.close();
});
