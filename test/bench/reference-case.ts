// Benchmark: the reference case's wall time on the embedded default (SQLite board, embedded
// FHIR server), with the privacy layer on and off in the same run, and the board's
// append-and-fold rate (SQLite beside the in-memory store).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { signEnvelope, type Envelope } from '../../core/board/envelope.js';
import { BoardFold } from '../../core/board/fold.js';
import { MemoryBoardStore } from '../../core/board/memory-store.js';
import { SqliteBoardStore } from '../../core/board/sqlite-store.js';
import type { BoardStore } from '../../core/board/store.js';
import { seededRandom } from '../../core/common/random.js';
import { didKeyResolver, didKeySigner } from '../../core/crypto/did-key.js';
import { coalitionReducer } from '../../core/coordination/reducer.js';
import { startEmbedded } from '../../app/node/embedded.js';
import { parsePasRequest } from '../../fhir/pas/request.js';
import { syntheticRequest } from '../../fhir/synthetic/index.js';
import { shutdownZk } from '../../core/zk/index.js';
import { median, report, type Row } from './table.js';

async function caseWallTimes(runs: number, privacy: boolean, proofs = false): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-bench-'));
  const env = await startEmbedded({ dataDir: dir, privacy, proofs });
  const times: number[] = [];
  try {
    await env.run(parsePasRequest(syntheticRequest('reference'))); // warm-up: JIT, FHIR definitions, JSON-LD contexts
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const r = await env.run(parsePasRequest(syntheticRequest('reference')));
      times.push(performance.now() - t0);
      if (r.outcome !== 'approved') throw new Error(`reference case decided ${r.outcome}`);
      process.stderr.write(`  case ${i + 1}/${runs} (privacy ${privacy ? 'on' : 'off'}${proofs ? ', proofs on' : ''}): ${times.at(-1)!.toFixed(0)} ms\n`);
    }
  } finally {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return times;
}

function envelopes(n: number): Envelope[] {
  const random = seededRandom('bench');
  const signers = Array.from({ length: 8 }, () => didKeySigner(random.bytes(32)));
  const heads = signers.map(() => ({ seq: 0, prev: null as string | null }));
  const out: Envelope[] = [];
  for (let i = 0; i < n; i++) {
    const k = i % signers.length;
    const h = heads[k]!;
    const env = signEnvelope(signers[k]!, { case: 'case-bench', kind: 'Heartbeat', seq: h.seq + 1, prev: h.prev, at: i, header: {}, sections: [] });
    h.seq++;
    h.prev = env.id;
    out.push(env);
  }
  return out;
}

async function appendAndFold(name: string, store: BoardStore, envs: Envelope[]): Promise<Row> {
  const t0 = performance.now();
  for (const e of envs) await store.append(e);
  const t1 = performance.now();
  const fold = new BoardFold(didKeyResolver, coalitionReducer());
  for (const e of await store.read(1, envs.length)) fold.apply(e);
  const t2 = performance.now();
  await store.close();
  return {
    store: name,
    entries: envs.length,
    'appends/s': Math.round(envs.length / ((t1 - t0) / 1000)),
    'folds/s (verify + reduce)': Math.round(envs.length / ((t2 - t1) / 1000)),
    'append+fold/s': Math.round(envs.length / ((t2 - t0) / 1000)),
  };
}

export async function runReferenceCaseBench(opts: { runs: number; entries: number }): Promise<void> {
  process.stderr.write(`reference case, ${opts.runs} runs each with privacy on and off…\n`);
  const on = await caseWallTimes(opts.runs, true);
  const off = await caseWallTimes(opts.runs, false);
  const zk = await caseWallTimes(opts.runs, true, true);
  const mOn = median(on);
  const mOff = median(off);
  const mZk = median(zk);
  report(
    'reference-case',
    [
      {
        configuration: 'privacy off (did:key, plaintext sections)',
        runs: off.length,
        'median ms': mOff,
        'min ms': Math.min(...off),
        'max ms': Math.max(...off),
      },
      { configuration: 'privacy on (VCs, HPKE grants, AEAD, audit)', runs: on.length, 'median ms': mOn, 'min ms': Math.min(...on), 'max ms': Math.max(...on) },
      {
        configuration: 'added cost of the privacy layer',
        runs: '',
        'median ms': mOn - mOff,
        'min ms': '',
        'max ms': `${((mOn / mOff - 1) * 100).toFixed(0)} %`,
      },
      { configuration: 'privacy on + ZK clinical predicate proof', runs: zk.length, 'median ms': mZk, 'min ms': Math.min(...zk), 'max ms': Math.max(...zk) },
    ],
    { on, off, zk },
  );
  const dir = mkdtempSync(join(tmpdir(), 'murmur-bench-board-'));
  const envs = envelopes(opts.entries);
  const rows = [
    await appendAndFold('memory (baseline)', new MemoryBoardStore(), envs),
    await appendAndFold('sqlite (WAL, synchronous=FULL)', new SqliteBoardStore(join(dir, 'b.db')), envs),
  ];
  rmSync(dir, { recursive: true, force: true });
  report('board-append-fold', rows);
  await shutdownZk();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, entries: { type: 'string', default: '5000' } } });
  await runReferenceCaseBench({ runs: Number(values.runs), entries: Number(values.entries) });
}
