import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { startEmbedded } from '../../app/node/embedded.js';
import { fromHex, verifyConsistency, verifyInclusion } from '../../core/board/merkle.js';
import { checkTreeHead, signTreeHead } from '../../core/board/tree-head.js';
import { didKeySigner } from '../../core/crypto/did-key.js';
import { boardKeys } from '../../app/node/audit/board-state.js';
import { parsePasRequest } from '../../fhir/pas/request.js';
import { syntheticRequest } from '../../fhir/synthetic/index.js';

// A reviewer's attacker: a run's folder edited by hand (sqlite3 on board.db, an editor on the
// heads files), then `murmur audit verify` run on it as a reviewer would.
const bin = join(fileURLToPath(new URL('../../../', import.meta.url)), 'bin', 'murmur.js');
const root = mkdtempSync(join(tmpdir(), 'murmur-log-'));
const run = join(root, 'run');
let entries = 0;

before(async () => {
  const env = await startEmbedded({ dataDir: run });
  try {
    await env.run(parsePasRequest(syntheticRequest('reference')));
  } finally {
    await env.close();
  }
  const db = new Database(join(run, 'board.db'), { readonly: true });
  entries = (db.prepare('SELECT COUNT(*) AS n FROM entries').get() as { n: number }).n;
  db.close();
});
after(() => rmSync(root, { recursive: true, force: true }));

let copies = 0;
/** A copy of the run with its board edited by `sql` statements. */
function edited(...sql: string[]): string {
  const dir = join(root, `copy-${++copies}`);
  cpSync(run, dir, { recursive: true });
  const db = new Database(join(dir, 'board.db'));
  for (const s of sql) db.prepare(s).run();
  db.close();
  return dir;
}

function verify(dir: string): { code: number | null; out: string; board: string } {
  const r = spawnSync(process.execPath, [bin, 'audit', 'verify', '--data-dir', dir], { encoding: 'utf8', timeout: 60_000 });
  const board = r.stdout.split('\n').find((l) => /^\S+\s+board:/.test(l)) ?? '';
  return { code: r.status, out: r.stdout + r.stderr, board };
}

describe('murmur audit verify names a cut, edited or reordered board at the first index', () => {
  test('the untouched run verifies, with every head consistent and every inclusion proof', () => {
    assert.ok(entries > 40, `the reference case writes a board (${entries})`);
    const r = verify(run);
    assert.equal(r.code, 0, r.out);
    assert.match(
      r.out,
      new RegExp(`ok\\s+tree heads: the head of ${entries} entries .* co-signed by Evidentia, Helix Genomics, Northwind Health Plan, Vigilant PV`),
    );
    assert.match(r.out, new RegExp(`${entries} of ${entries} inclusion proofs verify`));
  });

  test('the last five entries deleted: named at the first missing index, against the co-signed heads', () => {
    const r = verify(edited(`DELETE FROM entries WHERE idx > ${entries - 5}`));
    assert.equal(r.code, 1, r.out);
    assert.match(
      r.board,
      new RegExp(
        `BROKEN\\s+board: first broken link: entry #${entries - 4}: missing: the archive ends at #${entries - 5}.*entries #${entries - 4}–#${entries} were cut`,
      ),
    );
  });

  test("a middle entry deleted: named at its own index, not at its author's next entry", () => {
    const r = verify(edited('DELETE FROM entries WHERE idx = 20'));
    assert.equal(r.code, 1, r.out);
    assert.match(r.board, /first broken link: entry #20: missing: the board goes from #19 to #21/);
  });

  test('a middle entry deleted and the rest renumbered to hide the gap: named at its index by the heads', () => {
    const r = verify(edited('DELETE FROM entries WHERE idx = 20', 'UPDATE entries SET idx = idx - 1 WHERE idx > 20'));
    assert.equal(r.code, 1, r.out);
    assert.match(r.board, /first broken link: entry #20: not the entry .* signed at #20/);
  });

  test('two entries of different authors swapped (no author chain breaks): named at the first', () => {
    const dir = edited();
    const db = new Database(join(dir, 'board.db'));
    const get = db.prepare("SELECT idx, id, body, json_extract(body, '$.author') AS author FROM entries WHERE idx = ?");
    // Two neighbours by different authors, so each author's chain still holds after the swap.
    let i = 10;
    while ((get.get(i) as { author: string }).author === (get.get(i + 1) as { author: string }).author) i++;
    const a = get.get(i) as { id: string; body: string };
    const b = get.get(i + 1) as { id: string; body: string };
    db.prepare('UPDATE entries SET id = ? WHERE idx = ?').run('swap', i);
    db.prepare('UPDATE entries SET id = ?, body = ? WHERE idx = ?').run(a.id, a.body, i + 1);
    db.prepare('UPDATE entries SET id = ?, body = ? WHERE idx = ?').run(b.id, b.body, i);
    db.close();
    const r = verify(dir);
    assert.equal(r.code, 1, r.out);
    assert.match(r.board, new RegExp(`first broken link: entry #${i}: not the entry .* signed at #${i}`));
  });

  test('broken JSON in an entry: that entry is named, no parser message, no crash', () => {
    const r = verify(edited('UPDATE entries SET body = substr(body, 1, 100) WHERE idx = 25'));
    assert.equal(r.code, 1, r.out);
    assert.match(r.board, /first broken link: entry #25: its envelope is not JSON/);
    assert.doesNotMatch(r.out, /Unterminated|position \d+|SyntaxError/);
  });

  test('an envelope nested too deep to canonicalize: that entry is named, no stack overflow', () => {
    const dir = edited();
    const db = new Database(join(dir, 'board.db'));
    const body = JSON.parse((db.prepare('SELECT body FROM entries WHERE idx = 12').get() as { body: string }).body) as Record<string, unknown>;
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    db.prepare('UPDATE entries SET body = ? WHERE idx = 12').run(JSON.stringify({ ...body, header: { x: 0 } }).replace('{"x":0}', `{"x":${deep}}`));
    db.close();
    const r = verify(dir);
    assert.equal(r.code, 1, r.out);
    assert.match(r.board, /first broken link: entry #12: its envelope cannot be checked/);
    assert.doesNotMatch(r.out, /call stack/);
  });

  test("an edited board time is named at its entry (the fold's clock is part of the leaf)", () => {
    const r = verify(edited('UPDATE entries SET at = at + 1 WHERE idx = 33'));
    assert.equal(r.code, 1, r.out);
    assert.match(r.board, /first broken link: entry #33: not the entry .* signed at #33/);
  });

  test('a head whose root was edited no longer verifies, and its line is named', () => {
    const dir = edited();
    const file = join(dir, 'heads', 'helix.jsonl');
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    // A signed head (the lines between are the leaves it vouches for), not the first.
    const at = lines.findIndex((l, i) => i > 0 && l.includes('"sig"'));
    const head = JSON.parse(lines[at]!) as { root: string };
    head.root = head.root.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    lines[at] = JSON.stringify(head);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const r = verify(dir);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, new RegExp(`BROKEN\\s+tree heads: heads helix: line ${at + 1}: signature does not verify`));
    assert.match(r.board, /ok\s+board:/, 'the board itself still holds');
  });

  test('heads from a key that is no member in the charter count for nothing (an outsider cannot fake a cut)', () => {
    const dir = edited();
    const outsider = didKeySigner(new Uint8Array(32).fill(7));
    const fake = signTreeHead(outsider, { size: entries + 10, root: 'ab'.repeat(32), at: 1 });
    writeFileSync(join(dir, 'heads', 'outsider.jsonl'), `${JSON.stringify(fake)}\n`);
    const r = verify(dir);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /ok\s+tree heads: ignored 1 head signed by keys that are no member agents in the charter \(first: heads outsider, line 1\)/);
  });

  test('a heads file that is not JSON names its line; missing heads are reported, not passed', () => {
    const dir = edited();
    writeFileSync(join(dir, 'heads', 'vigilant.jsonl'), '{"v":1,\n');
    assert.match(verify(dir).out, /heads vigilant: line 1 is not JSON/);
    for (const f of readdirSync(join(dir, 'heads'))) rmSync(join(dir, 'heads', f));
    const r = verify(dir);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /BROKEN\s+tree heads: no co-signed tree heads/);
  });

  test('broken JSON in an audit trail names the line instead of aborting', () => {
    const dir = edited();
    writeFileSync(join(dir, 'audit', 'helix.jsonl'), `${readFileSync(join(dir, 'audit', 'helix.jsonl'), 'utf8')}{"org":\n`);
    const r = verify(dir);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /BROKEN\s+audit helix: first broken link: line \d+ is not JSON/);
    assert.match(r.out, /ok\s+board:/);
  });
});

describe('murmur audit prove', () => {
  test("an entry's inclusion proof and a consistency proof, checkable against the co-signed head", () => {
    const r = spawnSync(process.execPath, [bin, 'audit', 'prove', '--data-dir', run, '--index', '20', '--from', '10'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const p = JSON.parse(r.stdout) as {
      index: number;
      size: number;
      leaf: string;
      leafHash: string;
      inclusion: string[];
      root: string;
      consistency: { from: number; fromRoot: string; proof: string[] };
      heads: unknown[];
    };
    assert.equal(p.size, entries);
    const leaf = JSON.parse(p.leaf) as { index: number; id: string };
    assert.equal(leaf.index, 20);
    const db = new Database(join(run, 'board.db'), { readonly: true });
    assert.equal(leaf.id, (db.prepare('SELECT id FROM entries WHERE idx = 20').get() as { id: string }).id, 'the leaf names the envelope at #20');
    db.close();
    // The leaf hash is SHA-256(0x00 || leaf bytes), recomputed here from the printed bytes.
    assert.equal(p.leafHash, createHash('sha256').update(Uint8Array.of(0)).update(p.leaf).digest('hex'));
    assert.ok(verifyInclusion(fromHex(p.leafHash), 19, p.size, p.inclusion.map(fromHex), fromHex(p.root)));
    assert.ok(verifyConsistency(10, p.size, fromHex(p.consistency.fromRoot), fromHex(p.root), p.consistency.proof.map(fromHex)));
    assert.equal(p.heads.length, 4, 'every organization signed this root for this size');
    for (const h of p.heads) assert.ok(checkTreeHead(h, boardKeys).ok);
  });

  test('a size between two signed batches: the next signed size vouches for it, with the consistency proof to it', () => {
    const signedSizes = new Set<number>();
    for (const f of readdirSync(join(run, 'heads')))
      for (const line of readFileSync(join(run, 'heads', f), 'utf8').split('\n'))
        if (line.includes('"sig"')) signedSizes.add((JSON.parse(line) as { size: number }).size);
    const between = Array.from({ length: entries }, (_, i) => i + 1).find((n) => !signedSizes.has(n) && [...signedSizes].some((s) => s > n));
    assert.ok(between !== undefined, `the run has a size between batches (signed: ${[...signedSizes].sort((a, b) => a - b).join(', ')})`);
    const r = spawnSync(process.execPath, [bin, 'audit', 'prove', '--data-dir', run, '--index', '1', '--size', String(between)], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const p = JSON.parse(r.stdout) as {
      size: number;
      root: string;
      leafHash: string;
      inclusion: string[];
      heads: unknown[];
      vouchedBy?: { size: number; root: string; consistency: string[]; heads: { size: number; root: string }[] };
    };
    assert.equal(p.size, between);
    assert.deepEqual(p.heads, [], 'no witness signed this size itself');
    assert.ok(verifyInclusion(fromHex(p.leafHash), 0, p.size, p.inclusion.map(fromHex), fromHex(p.root)));
    const v = p.vouchedBy;
    assert.ok(v, 'a later signed size vouches for it');
    assert.equal(v.size, Math.min(...[...signedSizes].filter((s) => s > between)), 'the first signed size after it');
    assert.ok(verifyConsistency(p.size, v.size, fromHex(p.root), fromHex(v.root), v.consistency.map(fromHex)), 'the tree of M is a prefix of the signed one');
    assert.ok(v.heads.length >= 1);
    for (const h of v.heads) {
      assert.ok(checkTreeHead(h, boardKeys).ok);
      assert.deepEqual([h.size, h.root], [v.size, v.root]);
    }
  });

  test('an index beyond the board is refused with exit 2, naming the option', () => {
    const r = spawnSync(process.execPath, [bin, 'audit', 'prove', '--data-dir', run, '--index', String(entries + 1)], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, new RegExp(`--index must be within 1\\.\\.${entries}`));
  });
});
