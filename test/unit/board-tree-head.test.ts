import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { memoryLogger, type LogRecord } from '../../core/common/log.js';
import { didKeyResolver, didKeySigner } from '../../core/crypto/did-key.js';
import { MerkleTree, leafHash, toHex } from '../../core/board/merkle.js';
import { BoardTree, checkTreeHead, leafBytes, signTreeHead, type LeafEntry, type TreeHead } from '../../core/board/tree-head.js';
import { TreeWitness } from '../../app/node/witness.js';
import { checkAgainstHeads, readHeads, type BoardRow } from '../../app/node/audit/board-log.js';

const dir = mkdtempSync(join(tmpdir(), 'murmur-heads-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const seed = (n: number): Uint8Array => new Uint8Array(32).fill(n);
const alice = didKeySigner(seed(1));
const bob = didKeySigner(seed(2));
const id = (n: number): string => createHash('sha256').update(`envelope ${n}`).digest('hex');
const entries = (n: number, at = 1_000): LeafEntry[] => Array.from({ length: n }, (_, i) => ({ index: i + 1, at: at + i, id: id(i + 1) }));

describe('the board as a log: leaves and signed tree heads', () => {
  test('a leaf is the RFC 8785 JSON of {at, id, index}, hashed with the 0x00 prefix', () => {
    const e = { index: 7, at: 1_700_000_000_123, id: id(7) };
    assert.equal(new TextDecoder().decode(leafBytes(e)), `{"at":1700000000123,"id":"${id(7)}","index":7}`);
    const t = new BoardTree();
    for (const x of entries(7)) t.append(x.index === 7 ? e : x);
    assert.equal(toHex(t.tree.leaf(6)), createHash('sha256').update(Uint8Array.of(0)).update(leafBytes(e)).digest('hex'));
    assert.deepEqual(t.tree.leaf(6), leafHash(leafBytes(e)));
  });

  test('the tree refuses a gap in board indexes, so no head covers a hole', () => {
    const t = new BoardTree();
    t.append({ index: 1, at: 1, id: id(1) });
    assert.throws(() => t.append({ index: 3, at: 2, id: id(3) }), /entry 3 arrived where entry 2 was due/);
  });

  test('a signed head verifies, and any change to size, root, time or witness breaks it', () => {
    const t = new BoardTree();
    for (const e of entries(5)) t.append(e);
    const head = signTreeHead(alice, t.head());
    assert.deepEqual({ size: head.size, at: head.at }, { size: 5, at: 1_004 });
    assert.equal(head.root, toHex(t.tree.root()));
    assert.ok(checkTreeHead(head, didKeyResolver).ok);
    const changed: Partial<TreeHead>[] = [{ size: 4 }, { root: toHex(new MerkleTree().root()) }, { at: 1_005 }, { witness: bob.keyId }];
    for (const c of changed)
      assert.deepEqual(checkTreeHead({ ...head, ...c }, didKeyResolver), { ok: false, reason: 'signature does not verify' }, JSON.stringify(c));
    assert.match((checkTreeHead({ ...head, size: -1 }, didKeyResolver) as { reason: string }).reason, /^schema: size/);
    assert.match((checkTreeHead({ ...head, extra: 1 }, didKeyResolver) as { reason: string }).reason, /^schema/);
    assert.deepEqual(checkTreeHead({ ...head, witness: 'did:example:nobody#k' }, didKeyResolver), { ok: false, reason: 'the witness key cannot be resolved' });
  });
});

describe('an organization’s witness', () => {
  /** The signed heads of a witness's file (lines with a signature). */
  const heads = (path: string): TreeHead[] =>
    lines(path)
      .filter((l) => 'sig' in l)
      .map((l) => l as TreeHead);
  const lines = (path: string): Record<string, unknown>[] =>
    readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  /** A witness whose batches end when the test says (`end()`), as a fold yielding would. */
  const batched = (path: string, log: LogRecord[] = []) => {
    const due: (() => void)[] = [];
    const w = new TreeWitness(path, alice, didKeyResolver, memoryLogger(log), (run) => due.push(run));
    return { w, end: () => due.splice(0).forEach((run) => run()) };
  };
  /** What `audit verify` reads of a data folder's heads files: a root per size. */
  const rootsBySize = (dataDir: string): Map<number, string> => {
    const found = readHeads(dataDir, didKeyResolver);
    assert.deepEqual(found.problems, []);
    return new Map(found.heads.map((h) => [h.head.size, h.head.root]));
  };

  test('signs a head per batch after a leaf line per entry, and restarted on the same board signs only what is new', () => {
    const data = join(dir, 'same');
    const path = join(data, 'heads', 'alice.jsonl');
    const { w, end } = batched(path);
    for (const e of entries(3)) w.observe(e);
    end();
    w.observe(entries(4)[3]!);
    w.close(); // the batch in progress is signed on close
    assert.deepEqual(
      lines(path).map((l) => ('sig' in l ? `head ${l.size}` : `leaf ${l.size}`)),
      ['leaf 1', 'leaf 2', 'leaf 3', 'head 3', 'leaf 4', 'head 4'],
    );
    const again = new TreeWitness(path, alice, didKeyResolver, memoryLogger());
    for (const e of entries(6)) again.observe(e);
    again.close();
    assert.deepEqual(
      heads(path).map((h) => h.size),
      [3, 4, 6],
    );
    for (const h of heads(path)) assert.ok(checkTreeHead(h, didKeyResolver).ok);
    // Every size has its root, from the leaf lines the signed heads vouch for.
    const full = new BoardTree();
    for (const e of entries(6)) full.append(e);
    const roots = rootsBySize(data);
    assert.deepEqual([...roots.keys()].sort(), [1, 2, 3, 4, 5, 6]);
    for (const [size, root] of roots) assert.equal(root, toHex(full.tree.root(size)), `root of ${size}`);
  });

  test("holds one hash per bit of the board size, not the whole history, and signs the full tree's roots", () => {
    const data = join(dir, 'frontier');
    const { w, end } = batched(join(data, 'heads', 'alice.jsonl'));
    const full = new BoardTree();
    const all = entries(1_100);
    for (const e of all) {
      w.observe(e);
      full.append(e);
      if (e.index % 100 === 0) end();
    }
    w.close();
    // 1,100 entries = 0b10001001100: four perfect subtrees (a tree of every leaf held 2,200 hashes).
    assert.equal(w.heldHashes, 4);
    const signed = heads(join(data, 'heads', 'alice.jsonl'));
    assert.deepEqual(
      signed.map((h) => h.size),
      Array.from({ length: 11 }, (_, i) => (i + 1) * 100),
    );
    for (const h of signed) assert.equal(h.root, toHex(full.tree.root(h.size)));
    const roots = rootsBySize(data);
    for (const n of [1, 2, 3, 5, 64, 100, 1_023, 1_024, 1_025, 1_100]) assert.equal(roots.get(n), toHex(full.tree.root(n)), `root of ${n}`);
  });

  test('an edited, removed or moved leaf line is named, and vouches for nothing', () => {
    const data = join(dir, 'edited');
    const path = join(data, 'heads', 'alice.jsonl');
    const { w, end } = batched(path);
    for (const e of entries(3)) w.observe(e);
    end();
    for (const e of entries(6).slice(3)) w.observe(e);
    w.close();
    const text = readFileSync(path, 'utf8').split('\n');
    // Line 6 is leaf 5: give it another entry's leaf hash.
    const edited = [...text];
    edited[5] = JSON.stringify({ ...(JSON.parse(text[5]!) as object), leaf: toHex(leafHash(leafBytes({ index: 5, at: 1, id: id(99) }))) });
    writeFileSync(path, edited.join('\n'));
    let found = readHeads(data, didKeyResolver);
    assert.deepEqual(found.problems, ['heads alice: line 8: the leaf lines before this head do not hash to its root (#4–#6 edited)']);
    assert.deepEqual(
      found.heads.map((h) => h.head.size),
      [1, 2, 3, 6],
      'the signed heads still count; the sizes the edited batch gave do not',
    );
    writeFileSync(path, text.filter((_, i) => i !== 4).join('\n'));
    found = readHeads(data, didKeyResolver);
    assert.deepEqual(found.problems, ['heads alice: line 5: a leaf for #5 where #4 was due (lines removed or moved)']);
  });

  test('restarted on a board changed under it, it signs nothing more and says why', () => {
    const path = join(dir, 'fork.jsonl');
    const w = new TreeWitness(path, alice, didKeyResolver, memoryLogger());
    for (const e of entries(3)) w.observe(e);
    w.close();
    const log: LogRecord[] = [];
    const again = new TreeWitness(path, alice, didKeyResolver, memoryLogger(log));
    for (const e of entries(5)) again.observe(e.index === 2 ? { ...e, id: id(99) } : e);
    again.close();
    assert.deepEqual(
      heads(path).map((h) => h.size),
      [3],
    );
    assert.deepEqual(
      log.map((l) => [l.level, l.event, l.fields.size]),
      [['error', 'board.witness.fork', 3]],
    );
  });

  test('a line torn by a crash mid-write, or leaf lines whose head was never written, are dropped on restart, and the next batch follows on whole lines', () => {
    const data = join(dir, 'torn');
    const path = join(data, 'heads', 'alice.jsonl');
    const w = new TreeWitness(path, alice, didKeyResolver, memoryLogger());
    for (const e of entries(3)) w.observe(e);
    w.close();
    const whole = readFileSync(path, 'utf8');
    const leaf4 = JSON.stringify({ v: 1, size: 4, leaf: toHex(leafHash(leafBytes(entries(4)[3]!))) });
    writeFileSync(path, `${whole}${leaf4}\n${whole.split('\n')[0]!.slice(0, 40)}`);
    const again = new TreeWitness(path, alice, didKeyResolver, memoryLogger());
    for (const e of entries(5)) again.observe(e);
    again.close();
    assert.deepEqual(
      lines(path).map((l) => ('sig' in l ? `head ${l.size}` : `leaf ${l.size}`)),
      ['leaf 1', 'leaf 2', 'leaf 3', 'head 3', 'leaf 4', 'leaf 5', 'head 5'],
    );
    assert.equal(rootsBySize(data).size, 5);
  });

  test('a store that skips an index gets no head past the hole', () => {
    const path = join(dir, 'gap.jsonl');
    const log: LogRecord[] = [];
    const w = new TreeWitness(path, alice, didKeyResolver, memoryLogger(log));
    for (const e of entries(5)) if (e.index !== 3) w.observe(e);
    w.close();
    assert.deepEqual(
      heads(path).map((h) => h.size),
      [2],
    );
    assert.equal(log[0]?.event, 'board.witness.gap');
  });
});

describe('the archive against the heads', () => {
  const rows = (es: LeafEntry[]): BoardRow[] => es.map((e) => ({ ...e }));
  const headsOver = (signer: typeof alice, es: LeafEntry[]): { head: TreeHead; file: string; line: number }[] => {
    const t = new BoardTree();
    return es.map((e, i) => {
      t.append(e);
      return { head: signTreeHead(signer, t.head()), file: 'f', line: i + 1 };
    });
  };
  const name = (w: string): string => (w === alice.keyId ? 'Alice' : 'Bob');

  test('heads that agree with the archive: the largest covers it, with every inclusion proof', () => {
    const es = entries(9);
    const c = checkAgainstHeads(rows(es), [...headsOver(alice, es), ...headsOver(bob, es)], name);
    assert.deepEqual(c.problems, []);
    assert.deepEqual(c.notes, []);
    assert.deepEqual(c.covered && { ...c.covered, root: undefined }, { size: 9, root: undefined, witnesses: ['Alice', 'Bob'], inclusion: 9 });
  });

  test('two witnesses shown different logs (a split view) are named, with the first index they differ at', () => {
    const es = entries(6);
    const other = es.map((e) => (e.index === 4 ? { ...e, id: id(44) } : e));
    const c = checkAgainstHeads(rows(es), [...headsOver(alice, es), ...headsOver(bob, other)], name);
    assert.equal(c.notes.length, 3, 'sizes 4, 5 and 6 differ');
    assert.match(c.notes[0]!, /^split view: for 4 entries the witnesses signed 2 different roots \(Alice \/ Bob\)/);
    assert.deepEqual(c.problems, [], 'the archive is what Alice signed');
  });
});
