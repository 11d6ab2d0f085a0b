// Board stores side by side in one run: appends/s and claims/s on SQLite (one file) and on
// etcd (three members on loopback), sequential and with 50 in flight. Prints a table and
// writes test/bench/results/board.json. Run: npm run build && node dist/test/bench/board.js
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EtcdBoardStore } from '../../core/board/etcd-store.js';
import { SqliteBoardStore } from '../../core/board/sqlite-store.js';
import type { BoardStore } from '../../core/board/store.js';
import { startEtcdCluster } from '../../app/node/process/etcd-cluster.js';
import { testEnvelopes } from '../support/board-contract.js';

const N = Number(process.env.BENCH_N ?? 1_000);
const dir = mkdtempSync(join(tmpdir(), 'murmur-bench-'));

async function rate(n: number, inFlight: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < n) await op(next++);
  }));
  return Math.round(n / ((performance.now() - started) / 1000));
}

async function measure(name: string, make: (tag: string) => Promise<BoardStore>): Promise<Record<string, number | string>> {
  const row: Record<string, number | string> = { store: name };
  for (const inFlight of [1, 50]) {
    const store = await make(`a${inFlight}`);
    // One author chain per writer so every append is a valid, distinct envelope.
    const envs = Array.from({ length: inFlight }, (_, w) => testEnvelopes(Math.ceil(N / inFlight), `bench-${name}-${inFlight}-${w}`)).flat();
    row[`appends/s (${inFlight} in flight)`] = await rate(envs.length, inFlight, (i) => store.append(envs[i]!));
    row[`claims/s (${inFlight} in flight)`] = await rate(N, inFlight, (i) => store.tryClaim(`case/${inFlight}/subtask-${i}`, 'agent'));
    await store.close();
  }
  return row;
}

const cluster = await startEtcdCluster({ dir: join(dir, 'etcd'), members: 3 });
try {
  const rows = [
    await measure('sqlite (1 file, synchronous=FULL)', async (tag) => new SqliteBoardStore(join(dir, `${tag}.db`))),
    await measure('etcd (3 members, loopback)', async (tag) => EtcdBoardStore.open({ hosts: cluster.hosts, prefix: `bench-${tag}/` })),
  ];
  const cols = Object.keys(rows[0]!);
  console.log(`Board stores, ${N} operations each, same run (${new Date().toISOString()})`);
  console.log(`| ${cols.join(' | ')} |\n|${cols.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${cols.map((c) => r[c]).join(' | ')} |`);
  const out = fileURLToPath(new URL('../../../test/bench/results/board.json', import.meta.url));
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ at: new Date().toISOString(), operations: N, cores: (await import('node:os')).cpus().length, rows }, null, 2)}\n`);
  console.log(`written ${out}`);
} finally {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}
