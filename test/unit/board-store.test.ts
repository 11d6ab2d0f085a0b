import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { signEnvelope, type Envelope } from '../../core/board/envelope.js';
import { MemoryBoardStore } from '../../core/board/memory-store.js';
import { SqliteBoardStore } from '../../core/board/sqlite-store.js';
import type { BoardStore } from '../../core/board/store.js';
import { ManualClock } from '../../core/common/clock.js';
import { testSigner } from '../support/keys.js';

const dir = mkdtempSync(join(tmpdir(), 'murmur-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const signer = testSigner('store');
function envs(n: number): Envelope[] {
  const out: Envelope[] = [];
  for (let i = 0; i < n; i++) {
    out.push(signEnvelope(signer, { case: 'c-1', kind: 'Heartbeat', seq: i + 1, prev: out.at(-1)?.id ?? null, at: i, header: {}, sections: [] }));
  }
  return out;
}

/** Every BoardStore passes this suite. */
const stores: [string, (clock: ManualClock) => BoardStore][] = [
  ['memory', (clock) => new MemoryBoardStore(clock)],
  ['sqlite', (clock) => new SqliteBoardStore(join(dir, `suite-${Math.random()}.db`), clock)],
];

for (const [name, make] of stores) {
  describe(`BoardStore contract: ${name}`, () => {
    test('appends in order with monotonic board time, idempotent by id', async () => {
      const clock = new ManualClock(1_000);
      const store = make(clock);
      const [a, b] = envs(2);
      const ea = await store.append(a!);
      clock.set(500); // a host clock going backwards does not reorder board time
      const eb = await store.append(b!);
      const again = await store.append(a!);
      assert.deepEqual([ea.index, eb.index, again.index], [1, 2, 1]);
      assert.ok(eb.at >= ea.at);
      assert.equal(await store.head(), 2);
      assert.deepEqual((await store.read(2)).map((e) => e.envelope.id), [b!.id]);
      await store.close();
    });

    test('subscribers see each new entry once, in order', async () => {
      const store = make(new ManualClock());
      const seen: number[] = [];
      const stop = store.subscribe((e) => seen.push(e.index));
      for (const e of envs(3)) await store.append(e);
      await store.append(envs(1)[0]!);
      stop();
      assert.deepEqual(seen, [1, 2, 3]);
      await store.close();
    });

    test('tryClaim: the first owner wins, later claimants learn who', async () => {
      const store = make(new ManualClock());
      assert.deepEqual(await store.tryClaim('c-1/s-1', 'alice'), { won: true, owner: 'alice' });
      assert.deepEqual(await store.tryClaim('c-1/s-1', 'bob'), { won: false, owner: 'alice' });
      await store.close();
    });
  });
}

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
