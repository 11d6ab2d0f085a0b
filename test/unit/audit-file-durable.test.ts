import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as NodeFs from 'node:fs';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditTrail, verifyAuditTrail, type AuditEvent } from '../../core/access/audit.js';
import { ManualClock } from '../../core/common/clock.js';
import { fileAuditTrail, readAuditFile } from '../../app/node/audit-file.js';

const ORG = 'did:prism:lab';
const read = (n: number): AuditEvent => ({ kind: 'decrypt', actor: 'did:peer:2.a', outcome: 'ok', case: 'case-1', subtask: 'st-1', section: `s${n}` });

test('record resolves only once the store holds the entry, and fails when the store fails', async () => {
  let durable!: () => void;
  const t = new AuditTrail(ORG, new ManualClock(Date.UTC(2026, 1, 1)), [], () => new Promise<void>((r) => (durable = r)));
  let done = false;
  const pending = t.record(read(1)).then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(done, false, 'the action went ahead before its record was durable');
  durable();
  await pending;
  assert.equal(done, true);
  const failing = new AuditTrail(ORG, new ManualClock(), [], () => Promise.reject(new Error('disk full')));
  await assert.rejects(failing.record(read(2)), /disk full/);
});

test("a file trail's records of one event-loop turn share one fsync, each on disk when its record resolves", async () => {
  const fs = createRequire(import.meta.url)('node:fs') as typeof NodeFs;
  const originals = { fsync: fs.fsync, fsyncSync: fs.fsyncSync };
  let flushes = 0;
  fs.fsync = ((fd: number, cb: (e: NodeJS.ErrnoException | null) => void) => {
    flushes++;
    return originals.fsync(fd, cb);
  }) as typeof fs.fsync;
  fs.fsyncSync = (fd: number) => {
    flushes++;
    originals.fsyncSync(fd);
  };
  syncBuiltinESMExports();
  try {
    const path = join(mkdtempSync(join(tmpdir(), 'murmur-audit-')), 'lab.jsonl');
    const t = fileAuditTrail(path, ORG, new ManualClock(Date.UTC(2026, 1, 1)));
    const lines = await Promise.all([1, 2, 3].map((n) => t.record(read(n)).then(() => readAuditFile(path).length)));
    assert.equal(flushes, 1);
    assert.deepEqual(lines, [3, 3, 3]);
    await t.record(read(4)); // a later turn: its own flush
    assert.equal(flushes, 2);
    const again = readAuditFile(path);
    assert.ok(verifyAuditTrail(again, ORG).ok);
    assert.equal(readFileSync(path, 'utf8').trim().split('\n').length, 4);
  } finally {
    Object.assign(fs, originals);
    syncBuiltinESMExports();
  }
});
