import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EtcdBoardStore } from '../../core/board/etcd-store.js';
import { BoardFold } from '../../core/board/fold.js';
import { signEnvelope } from '../../core/board/envelope.js';
import { BoardTree, signTreeHead } from '../../core/board/tree-head.js';
import type { StoredEntry } from '../../core/board/store.js';
import { startEtcdCluster, type EtcdCluster } from '../../app/node/process/etcd-cluster.js';
import { checkAgainstHeads } from '../../app/node/audit/board-log.js';
import { startReleasingArchived } from '../../app/node/process/release-archived.js';
import { boardKeys } from '../../app/node/audit/board-state.js';
import { testEnvelopes } from '../support/board-contract.js';
import { testSigner } from '../support/keys.js';

// Archived cases leave etcd: the keys follow the live cases, the log stays provable from the
// archives, and replicas (restarted, or new from a member's archive) keep one numbering.
const dir = mkdtempSync(join(tmpdir(), 'murmur-etcd-release-'));
let cluster: EtcdCluster;

before(async () => {
  cluster = await startEtcdCluster({ dir: join(dir, 'etcd'), members: 3 });
});
after(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const PREFIX = 'release/';
const PER_CASE = 4;
const open = (replica: string, archive = join(dir, `${replica}.db`)): Promise<EtcdBoardStore> =>
  EtcdBoardStore.open({ hosts: cluster.hosts, prefix: PREFIX, archivePath: archive, replica });

/** Cases `from`..`to - 1`: a few entries each (written by both stores) and one claim. */
async function writeCases(stores: EtcdBoardStore[], from: number, to: number): Promise<void> {
  for (let k = from; k < to; k++) {
    const store = stores[k % stores.length]!;
    for (const e of testEnvelopes(PER_CASE, `author-${k}`, `case-${k}`)) await store.append(e);
    assert.equal((await store.tryClaim(`case-${k}/subtask-1`, 'agent')).won, true);
  }
  for (const s of stores) await s.sync();
}

const view = (entries: StoredEntry[]): string[] => entries.map((e) => `${e.index}:${e.at}:${e.envelope.id}`);

/** The fold's board-level verdicts (signatures, ids, author chains) over a view. */
function foldVerdicts(entries: StoredEntry[]): string[] {
  const fold = new BoardFold(boardKeys, { init: () => null, apply: () => ({ ok: true }) });
  for (const e of entries) fold.apply(e);
  return fold.records.map((r) => `${r.index}:${r.status}`);
}

test('archived cases leave etcd; the log stays provable; restarted and new replicas agree', async (t) => {
  const opened: EtcdBoardStore[] = [];
  t.after(() => Promise.all(opened.map((s) => s.close())));
  const track = async (s: Promise<EtcdBoardStore>): Promise<EtcdBoardStore> => (opened.push(await s), opened.at(-1)!);
  const a = await track(open('a'));
  let b = await track(open('b'));
  // A coalition-wide entry (a card's place): never removed.
  await a.append(signEnvelope(testSigner('card'), { case: null, kind: 'Tick', seq: 1, prev: null, at: 0, header: {}, sections: [] }));
  const K = 12;
  await writeCases([a, b], 0, K);
  const before = await a.read(1);
  assert.equal(before.length, 1 + K * PER_CASE);
  assert.deepEqual(view(await b.read(1)), view(before));
  // A witness signs the head of the whole log before anything leaves etcd.
  const tree = new BoardTree();
  for (const e of before) tree.append({ index: e.index, at: e.at, id: e.envelope.id });
  const witness = testSigner('witness');
  const head = signTreeHead(witness, tree.head());

  // Both replicas archive cases 0..K-3 (the archive of each is its case's entries and the cards).
  const archived = Array.from({ length: K - 2 }, (_, k) => `case-${k}`);
  for (const c of archived) assert.equal((await a.readCase(c)).filter((e) => e.envelope.case === c).length, PER_CASE);
  await a.releaseCases(archived);
  await b.releaseCases(archived);
  // a's first call ran before b had marked its archive: only now is everything below the mark.
  const released = await a.releaseCases([]);
  assert.equal(released.waiting, 0);
  const live = 2;
  assert.deepEqual(await a.keyCount(), { entries: 1 + live * PER_CASE, claims: live }, 'etcd holds the live cases and the card');

  // The views (what every fold reads) still hold every entry; the heads still verify.
  assert.deepEqual(view(await a.read(1)), view(before));
  const rows = (await a.read(1)).map((e) => ({ index: e.index, at: e.at, id: e.envelope.id, entry: e }));
  const check = checkAgainstHeads(rows, [{ head, file: 'heads/witness.jsonl', line: 1 }], (w) => w);
  assert.deepEqual(check.problems, []);
  assert.equal(check.covered?.size, before.length);
  assert.equal(check.covered?.inclusion, before.length, 'every entry, removed from etcd or not, has an inclusion proof under the signed head');

  // b is down while more cases come and go: its mark holds their removal back.
  await b.close();
  await writeCases([a], K, K + 4);
  const more = Array.from({ length: 4 }, (_, k) => `case-${K + k}`);
  await a.releaseCases(more);
  assert.equal((await a.keyCount()).entries, 1 + (live + 4) * PER_CASE, "entries b's archive does not hold stay in etcd");
  b = await track(open('b'));
  assert.deepEqual(view(await b.read(1)), view(await a.read(1)), 'the restarted replica catches up to the same numbering');
  await b.releaseCases(more);
  await a.releaseCases([]);
  assert.deepEqual(await a.keyCount(), { entries: 1 + live * PER_CASE, claims: live });

  // A new node cannot read the removed stretch from etcd, with or without an empty archive...
  await assert.rejects(() => open('c', join(dir, 'empty.db')), /board-archive\.db/);
  await assert.rejects(() => EtcdBoardStore.open({ hosts: cluster.hosts, prefix: PREFIX }), /left etcd after their cases were archived/);
  // ...but starts from a copy of a member's archive and agrees, entry for entry and verdict for verdict.
  const full = await a.read(1);
  await a.close();
  copyFileSync(join(dir, 'a.db'), join(dir, 'c.db'));
  const c = await track(open('c'));
  assert.deepEqual(view(await c.read(1)), view(full));
  assert.deepEqual(foldVerdicts(await c.read(1)), foldVerdicts(full));
  assert.ok(foldVerdicts(full).every((v) => v.endsWith(':accepted')));
  // Appends after the removal keep the numbering dense on every replica.
  const late = testEnvelopes(2, 'author-late', 'case-late');
  for (const e of late) await c.append(e);
  await b.sync();
  assert.deepEqual(view(await b.read(1)), view(await c.read(1)));
  assert.equal((await b.read(1)).at(-1)!.index, full.length + 2);
});

test("a node's releaser writes each settled case's archive, then its keys leave etcd", async (t) => {
  const prefix = 'releaser/';
  const store = await EtcdBoardStore.open({ hosts: cluster.hosts, prefix, archivePath: join(dir, 'r.db'), replica: 'r' });
  const dataDir = join(dir, 'r-data');
  const settled = new Set<string>();
  const releaser = startReleasingArchived({ store, settled: () => settled, dataDir, intervalMs: 60_000 });
  t.after(async () => {
    await releaser.stop();
    await store.close();
  });
  for (let k = 0; k < 3; k++) for (const e of testEnvelopes(PER_CASE, `r-author-${k}`, `r-case-${k}`)) await store.append(e);
  settled.add('r-case-0').add('r-case-1');
  assert.deepEqual(await releaser.pass(), ['r-case-0', 'r-case-1']);
  assert.deepEqual(await releaser.pass(), [], 'a case is archived once');
  const archived = readFileSync(join(dataDir, 'archive', 'r-case-1.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as StoredEntry);
  assert.deepEqual(
    archived.map((e) => e.envelope.id),
    (await store.readCase('r-case-1')).map((e) => e.envelope.id),
  );
  assert.equal(archived.length, PER_CASE);
  assert.deepEqual(await store.keyCount(), { entries: PER_CASE, claims: 0 }, 'only the live case is left in etcd');
});
