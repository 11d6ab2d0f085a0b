import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { GroupSync } from '../../app/node/group-sync.js';

test('group sync: writes made together share an fsync; a write made while one runs waits for the next, never for the one already running', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-sync-'));
  const fd = openSync(join(dir, 'trail.jsonl'), 'a');
  try {
    const disk = new GroupSync(fd);
    const order: string[] = [];
    writeSync(fd, 'a\n');
    const first = disk.synced().then(() => order.push(`a after ${disk.syncs}`));
    // Written while the first fsync is in flight: covered only by a later one.
    const late = [1, 2, 3, 4, 5].map((i) => {
      writeSync(fd, `b${i}\n`);
      return disk.synced().then(() => order.push(`b${i} after ${disk.syncs}`));
    });
    await Promise.all([first, ...late]);
    assert.deepEqual(order, ['a after 1', 'b1 after 2', 'b2 after 2', 'b3 after 2', 'b4 after 2', 'b5 after 2']);
    assert.equal(disk.syncs, 2, 'six writes, two fsyncs');
    // Idle again: the next write starts its own fsync at once.
    writeSync(fd, 'c\n');
    await disk.synced();
    assert.equal(disk.syncs, 3);
    assert.equal(readFileSync(join(dir, 'trail.jsonl'), 'utf8'), 'a\nb1\nb2\nb3\nb4\nb5\nc\n');
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('group sync: a failed fsync rejects its waiters, and the next write gets a fsync of its own', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-sync-'));
  const fd = openSync(join(dir, 'trail.jsonl'), 'a');
  closeSync(fd);
  try {
    const disk = new GroupSync(fd);
    await assert.rejects(disk.synced(), /EBADF/);
    assert.equal(disk.syncs, 0);
    await assert.rejects(disk.synced(), /EBADF/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
