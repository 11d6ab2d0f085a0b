import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuditTrail, auditEntryHash, verifyAuditTrail } from '../../core/access/audit.js';
import type { AuditEntry, AuditEvent } from '../../core/access/audit.js';
import { ManualClock } from '../../core/common/clock.js';
import { isMurmurError } from '../../core/common/errors.js';

const ORG = 'did:prism:lab';
const events: AuditEvent[] = [
  { kind: 'credential-check', actor: 'did:peer:2.a', outcome: 'ok', counterparty: 'did:peer:2.b', case: 'case-1', subtask: 'st-1', credentials: ['urn:c:1'] },
  { kind: 'grant', actor: 'did:peer:2.a', outcome: 'ok', counterparty: 'did:peer:2.b', case: 'case-1', subtask: 'st-1', section: 'detail' },
  {
    kind: 'denial',
    actor: 'did:peer:2.a',
    outcome: 'denied',
    counterparty: 'did:peer:2.c',
    case: 'case-1',
    subtask: 'st-1',
    section: 'detail',
    reasons: ['role-not-allowed'],
  },
  { kind: 'decrypt', actor: 'did:peer:2.a', outcome: 'ok', case: 'case-1', subtask: 'st-1', section: 'summary', envelope: 'env-9' },
];

function trail(): AuditEntry[] {
  const clock = new ManualClock();
  const t = new AuditTrail(ORG, clock);
  for (const e of events) {
    t.append(e);
    clock.advance(1000);
  }
  return [...t.entries()];
}

test('an intact trail verifies and reports its head', () => {
  const entries = trail();
  const v = verifyAuditTrail(entries, ORG);
  assert.deepEqual(v, { ok: true, count: 4, head: entries[3]!.hash });
});

test('an edited audit entry is found by verify, at its index', () => {
  const entries = trail();
  entries[2] = { ...entries[2]!, event: { ...entries[2]!.event, outcome: 'ok', reasons: [] } };
  assert.deepEqual(verifyAuditTrail(entries, ORG), { ok: false, index: 2, reason: 'hash does not match the entry contents (entry edited)' });
});

test('an edit that also recomputes its hash is found at the next link', () => {
  const entries = trail();
  const edited = { ...entries[1]!, event: { ...entries[1]!.event, counterparty: 'did:peer:2.z' } };
  entries[1] = { ...edited, hash: auditEntryHash(edited) };
  const v = verifyAuditTrail(entries, ORG);
  assert.equal(v.ok, false);
  assert.equal(v.ok ? -1 : v.index, 2);
  assert.match(v.ok ? '' : v.reason, /prev does not match/);
});

test('a dropped, reordered or foreign entry, and a truncated tail, are named', () => {
  const entries = trail();
  const dropped = [entries[0]!, entries[2]!, entries[3]!];
  assert.deepEqual(verifyAuditTrail(dropped, ORG), { ok: false, index: 1, reason: 'index is 2, expected 1 (entry dropped, inserted or reordered)' });
  assert.equal((verifyAuditTrail(entries, 'did:prism:other') as { index: number }).index, 0);
  const head = entries[3]!.hash;
  assert.deepEqual(verifyAuditTrail(entries.slice(0, 3), ORG, head), {
    ok: false,
    index: 3,
    reason: 'the trail ends before the expected head (entries removed at the end)',
  });
  assert.equal(verifyAuditTrail([{ nope: true }]).ok, false);
});

test('a loaded trail is verified before use, and appends persist through onAppend', () => {
  const entries = trail();
  const persisted: AuditEntry[] = [];
  const t = new AuditTrail(ORG, new ManualClock(Date.UTC(2026, 1, 1)), entries, (e) => persisted.push(e));
  t.append({ kind: 'decrypt', actor: 'did:peer:2.a', outcome: 'failed', reasons: ['E_CRYPTO'] });
  assert.equal(persisted.length, 1);
  assert.equal(persisted[0]!.prev, entries[3]!.hash);
  assert.ok(verifyAuditTrail(t.entries(), ORG).ok);
  const bad = entries.map((e, i) => (i === 0 ? { ...e, at: e.at + 1 } : e));
  assert.throws(
    () => new AuditTrail(ORG, new ManualClock(), bad),
    (e: unknown) => isMurmurError(e, 'E_CONFLICT') && /entry 0/.test((e as Error).message),
  );
  assert.throws(
    () => t.append({ kind: 'peek' } as unknown as AuditEvent),
    (e: unknown) => isMurmurError(e, 'E_SCHEMA'),
  );
});

// A trail kept in a file is read back from it, not held in memory: what it returns must be
// what was appended, and a node started again on the file must extend the same chain.
test('a file-backed trail reads back what it appended and, reopened, extends the same chain', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { fileAuditTrail } = await import('../../app/node/audit-file.js');
  const dir = mkdtempSync(join(tmpdir(), 'murmur-audit-'));
  try {
    const path = join(dir, 'lab.jsonl');
    const clock = new ManualClock();
    const firstFile = fileAuditTrail(path, ORG, clock);
    const first = firstFile.trail;
    const appended = events.slice(0, 2).map((e) => first.append(e));
    assert.deepEqual(first.entries(), appended);
    assert.equal(first.length, 2);
    await firstFile.close();
    const againFile = fileAuditTrail(path, ORG, clock);
    const again = againFile.trail;
    assert.equal(again.head(), first.head());
    const third = again.append(events[2]!);
    assert.equal(third.index, 2);
    assert.equal(third.prev, appended[1]!.hash);
    assert.deepEqual(again.entries(), [...appended, third]);
    assert.equal(verifyAuditTrail(again.entries(), ORG).ok, true);
    // Closed: the descriptor and the exit listener are gone; an action still in flight is recorded all the same.
    const listeners = process.listenerCount('exit');
    await againFile.close();
    await againFile.close();
    assert.equal(process.listenerCount('exit'), listeners - 1);
    const late = again.append(events[3]!);
    await again.synced();
    const reread = fileAuditTrail(path, ORG, clock);
    assert.deepEqual(reread.trail.entries(), [...appended, third, late]);
    await reread.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
