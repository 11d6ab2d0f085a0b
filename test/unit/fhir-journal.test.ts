import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMurmurError } from '../../core/common/errors.js';
import { memoryLogger } from '../../core/common/log.js';
import type { LogRecord } from '../../core/common/log.js';
import { openJournal, readJournal } from '../../fhir/server/journal.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'murmur-journal-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const put = (id: string) => ({ op: 'put' as const, resource: { resourceType: 'Patient' as const, id } });

test('appended groups read back in order, a missing journal reads as empty', () =>
  withDir(async (dir) => {
    const path = join(dir, 'j.jsonl');
    assert.deepEqual(await readJournal(path, memoryLogger()), []);
    const journal = await openJournal(path);
    await journal.append([put('a'), put('b')]);
    await journal.append([]);
    await journal.append([{ op: 'delete', resourceType: 'Patient', id: 'a' }]);
    await journal.close();
    const groups = await readJournal(path, memoryLogger());
    assert.equal(groups.length, 2, 'an empty group writes no line');
    assert.deepEqual(
      groups[0]!.map((o) => (o.op === 'put' ? o.resource.id : o.id)),
      ['a', 'b'],
    );
    assert.equal(groups[1]![0]!.op, 'delete');
  }));

test('a torn last line (crash mid-append) is dropped, logged and truncated away', () =>
  withDir(async (dir) => {
    const path = join(dir, 'j.jsonl');
    const good = `${JSON.stringify({ v: 1, ops: [put('a')] })}\n`;
    await writeFile(path, `${good}{"v":1,"ops":[{"op":"put","reso`);
    const sink: LogRecord[] = [];
    const groups = await readJournal(path, memoryLogger(sink));
    assert.equal(groups.length, 1);
    assert.equal(await readFile(path, 'utf8'), good);
    assert.ok(sink.some((r) => r.event === 'fhir.journal.torn-tail'));
  }));

test('a corrupt line in the middle refuses to start instead of serving a partial store', () =>
  withDir(async (dir) => {
    const path = join(dir, 'j.jsonl');
    await writeFile(path, `not json\n${JSON.stringify({ v: 1, ops: [put('a')] })}\n`);
    await assert.rejects(readJournal(path, memoryLogger()), (e) => isMurmurError(e, 'E_FHIR') && e.details.line === 1);
  }));
