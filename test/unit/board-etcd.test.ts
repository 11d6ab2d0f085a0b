import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EtcdBoardStore } from '../../core/board/etcd-store.js';
import { ManualClock } from '../../core/common/clock.js';
import { startEtcdCluster, type EtcdCluster } from '../../app/node/process/etcd-cluster.js';
import { boardStoreContract, testEnvelopes } from '../support/board-contract.js';
import { signEnvelope, type Envelope } from '../../core/board/envelope.js';
import { testSigner } from '../support/keys.js';

// One three-member cluster on loopback for the whole file; each store gets its own prefix.
const dir = mkdtempSync(join(tmpdir(), 'murmur-etcd-'));
let cluster: EtcdCluster;
let n = 0;
const prefix = (): string => `t${++n}-${process.pid}/`;

before(async () => {
  cluster = await startEtcdCluster({ dir, members: 3, retention: 1_000_000 });
});
after(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

boardStoreContract('etcd (3 members)', (clock) => new EtcdBoardStore({ hosts: cluster.hosts, prefix: `contract-${prefix()}`, clock }));

test('two nodes on different members see one order, and subscribers get every entry', async () => {
  const p = prefix();
  const a = await EtcdBoardStore.open({ hosts: [cluster.hosts[0]!], prefix: p });
  const b = await EtcdBoardStore.open({ hosts: [cluster.hosts[1]!], prefix: p });
  const seenByB: string[] = [];
  b.subscribe((e) => seenByB.push(e.envelope.id));
  const fromA = testEnvelopes(40, 'writer-a');
  const fromB = testEnvelopes(40, 'writer-b');
  await Promise.all([Promise.all(fromA.map((e) => a.append(e))), Promise.all(fromB.map((e) => b.append(e)))]);
  await a.sync();
  await b.sync();
  const la = (await a.read(1)).map((e) => e.envelope.id);
  const lb = (await b.read(1)).map((e) => e.envelope.id);
  assert.equal(la.length, 80);
  assert.deepEqual(la, lb);
  assert.deepEqual(seenByB, lb);
  const ats = (await a.read(1)).map((e) => e.at);
  assert.ok(
    ats.every((t, i) => i === 0 || t >= ats[i - 1]!),
    'board time never runs backwards',
  );
  await a.close();
  await b.close();
});

test('two nodes racing for the same 100 claims never both win', async () => {
  const p = prefix();
  const a = new EtcdBoardStore({ hosts: [cluster.hosts[0]!], prefix: p });
  const b = new EtcdBoardStore({ hosts: [cluster.hosts[2]!], prefix: p });
  const keys = Array.from({ length: 100 }, (_, i) => `case-1/subtask-${i}`);
  const results = await Promise.all(keys.map((k) => Promise.all([a.tryClaim(k, 'agent-a'), b.tryClaim(k, 'agent-b')])));
  for (const [ra, rb] of results) {
    assert.equal(Number(ra.won) + Number(rb.won), 1, 'exactly one winner');
    assert.equal(ra.owner, rb.owner, 'both learn the same owner');
  }
  await a.close();
  await b.close();
});

test('a restarted node reloads its archive and reads only what it missed', async () => {
  const p = prefix();
  const archivePath = join(dir, 'archive.db');
  const writer = await EtcdBoardStore.open({ hosts: cluster.hosts, prefix: p });
  const reader = await EtcdBoardStore.open({ hosts: cluster.hosts, prefix: p, archivePath });
  const all = testEnvelopes(30, 'archived');
  for (const e of all.slice(0, 10)) await writer.append(e);
  await reader.sync();
  assert.equal(await reader.head(), 10);
  await reader.close();
  for (const e of all.slice(10)) await writer.append(e);
  // Compaction drops history, not entries: a node that was down still reads all of them.
  await writer.compact();
  const again = await EtcdBoardStore.open({ hosts: cluster.hosts, prefix: p, archivePath });
  assert.equal(await again.head(), 30);
  assert.deepEqual(
    (await again.read(1)).map((e) => e.envelope.id),
    (await writer.read(1)).map((e) => e.envelope.id),
  );
  await again.close();
  await writer.close();
});

test('killing one member mid-write loses no acknowledged entry', async () => {
  const p = prefix();
  const store = await EtcdBoardStore.open({ hosts: cluster.hosts, prefix: p });
  const all = testEnvelopes(60, 'survivor');
  const acked: string[] = [];
  for (const [i, e] of all.entries()) {
    if (i === 20) await cluster.kill(0);
    acked.push((await store.append(e)).envelope.id);
  }
  const other = await EtcdBoardStore.open({ hosts: [cluster.hosts[1]!], prefix: p });
  assert.deepEqual(
    (await other.read(1)).map((e) => e.envelope.id),
    acked,
  );
  await other.close();
  await store.close();
  await cluster.restart(0);
});

test("a writer whose clock runs a day ahead does not drag board time: later stamps stay with the other writers' clocks", async () => {
  const p = prefix();
  const start = Date.now();
  const honest = new ManualClock(start);
  const ahead = new ManualClock(start + 86_400_000);
  const a = new EtcdBoardStore({ hosts: [cluster.hosts[0]!], prefix: p, clock: honest });
  const b = new EtcdBoardStore({ hosts: [cluster.hosts[1]!], prefix: p, clock: ahead });
  // Each writer signs with its own clock's time, as an org node does.
  const chain = (name: string, n: number, at: number) => {
    const signer = testSigner(name);
    const out: Envelope[] = [];
    for (let i = 0; i < n; i++)
      out.push(signEnvelope(signer, { case: 'c-1', kind: 'Heartbeat', seq: i + 1, prev: out.at(-1)?.id ?? null, at, header: {}, sections: [] }));
    return out;
  };
  const [w1, w2, w3] = [chain('time-w1', 2, start), chain('time-w2', 2, start), chain('time-fast', 1, start + 86_400_000)];
  for (const e of [w1[0]!, w2[0]!]) await a.append(e);
  await b.append(w3[0]!); // signed and proposed a day ahead by its own writer
  for (const e of [w1[1]!, w2[1]!]) await a.append(e);
  await a.sync();
  const ats = (await a.read(1)).map((e) => e.at);
  assert.equal(ats.length, 5);
  assert.ok(
    ats.every((t) => t >= start && t < start + 60_000),
    `no stamp a day ahead (${ats.map((t) => t - start).join(', ')})`,
  );
  assert.ok(
    ats.every((t, i) => i === 0 || t >= ats[i - 1]!),
    'board time never runs backwards',
  );
  await a.close();
  await b.close();
});
