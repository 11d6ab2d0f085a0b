import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { envelopeId, signEnvelope, type Envelope } from '../../core/board/envelope.js';
import { SqliteBoardStore } from '../../core/board/sqlite-store.js';
import { silentLogger } from '../../core/common/log.js';
import { didKeySigner } from '../../core/crypto/did-key.js';
import { boardKeys } from '../../app/node/audit/board-state.js';
import { verifyRun } from '../../app/node/audit/verify.js';
import { TreeWitness } from '../../app/node/witness.js';

const root = mkdtempSync(join(tmpdir(), 'murmur-witnessed-'));
after(() => rmSync(root, { recursive: true, force: true }));

const alice = didKeySigner(new Uint8Array(32).fill(1));
const mallory = didKeySigner(new Uint8Array(32).fill(2));

/** A member's envelope whose signature is not its own, with an id that still hashes it. */
function forged(seq: number): Envelope {
  const good = signEnvelope(mallory, { case: 'case-1', kind: 'Heartbeat', seq, prev: null, at: 5, header: {}, sections: [] });
  const sig = signEnvelope(alice, { case: 'case-1', kind: 'Heartbeat', seq: 99, prev: null, at: 5, header: {}, sections: [] }).sig;
  const { sig: _s, id: _i, ...body } = good;
  return { ...body, sig, id: envelopeId(body, sig) };
}

/** A board of alice's card, three heartbeats and a forged envelope at #4, witnessed by alice. */
async function board(name: string, witnessedUpTo = Infinity): Promise<string> {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const s = new SqliteBoardStore(join(dir, 'board.db'));
  const witness = new TreeWitness(join(dir, 'heads', 'alice.jsonl'), alice, boardKeys, silentLogger);
  let prev: string | null = null;
  const own = (seq: number, kind: 'AgentCard' | 'Heartbeat'): Envelope => {
    const e = signEnvelope(alice, {
      case: kind === 'AgentCard' ? null : 'case-1',
      kind,
      seq,
      prev,
      at: seq,
      header: kind === 'AgentCard' ? { provider: { organization: 'Alice Org' } } : {},
      sections: [],
    });
    prev = e.id;
    return e;
  };
  for (const env of [own(1, 'AgentCard'), own(2, 'Heartbeat'), own(3, 'Heartbeat'), forged(1), own(4, 'Heartbeat')]) {
    const entry = await s.append(env);
    if (entry.index <= witnessedUpTo) witness.observe({ index: entry.index, at: entry.at, id: entry.envelope.id });
  }
  witness.close();
  await s.close();
  return dir;
}

describe('audit verify tells a bad envelope put on the board from an edit of the archive', () => {
  test('an envelope every node refused, as the witnesses signed it: named, and the board still holds', async () => {
    const r = await verifyRun(await board('witnessed'));
    assert.equal(r.ok, true, JSON.stringify(r.findings));
    assert.ok(
      r.findings.some(
        (f) => f.ok && /1 entry refused by every node's fold as the witnesses signed it \(first #4: \(Heartbeat\) signature does not verify\)/.test(f.detail),
      ),
    );
  });

  test('the same envelope edited afterwards (its id kept): a broken link at #4', async () => {
    const dir = await board('edited');
    const db = new Database(join(dir, 'board.db'));
    const body = JSON.parse((db.prepare('SELECT body FROM entries WHERE idx = 4').get() as { body: string }).body) as Envelope;
    db.prepare('UPDATE entries SET body = ? WHERE idx = 4').run(JSON.stringify({ ...body, header: { note: 'x' } }));
    db.close();
    const r = await verifyRun(dir);
    assert.equal(r.ok, false);
    assert.match(r.findings[0]!.detail, /^first broken link: entry #4: \(Heartbeat\) id does not match the envelope content/);
  });

  test('the same envelope where no witness signed it: a broken link at #4', async () => {
    const r = await verifyRun(await board('unwitnessed', 3));
    assert.equal(r.ok, false);
    assert.match(r.findings[0]!.detail, /^first broken link: entry #4: \(Heartbeat\) signature does not verify/);
  });
});
