import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { artifactsHash, withFileLock } from '../../core/zk/artifacts.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('the build lock serializes concurrent builders and is released', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'murmur-zk-lock-'));
  const lock = join(dir, 'build.lock');
  const events: string[] = [];
  const job = (name: string) =>
    withFileLock(
      lock,
      10_000,
      () => undefined,
      async () => {
        events.push(`${name}:start`);
        await sleep(150);
        events.push(`${name}:end`);
      },
    );
  await Promise.all([job('a'), job('b')]);
  assert.deepEqual(
    events.map((e) => e.split(':')[1]),
    ['start', 'end', 'start', 'end'],
  );
  assert.equal(existsSync(lock), false);
  await rm(dir, { recursive: true, force: true });
});

test('a lock left by a dead process is taken over', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'murmur-zk-lock-'));
  const lock = join(dir, 'build.lock');
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
  await writeFile(lock, JSON.stringify({ pid: Number(dead), host: hostname(), at: Date.now() }));
  const steps: string[] = [];
  assert.equal(
    await withFileLock(
      lock,
      5_000,
      (s) => steps.push(s),
      async () => 42,
    ),
    42,
  );
  assert.ok(steps.some((s) => s.includes('stale')));
  await rm(dir, { recursive: true, force: true });
});

test('the cache key is stable for unchanged sources', async () => {
  assert.equal(await artifactsHash(), await artifactsHash());
  assert.match(await artifactsHash(), /^[0-9a-f]{20}$/);
});
