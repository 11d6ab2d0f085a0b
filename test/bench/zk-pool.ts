// ZK throughput and event-loop stalls, same run: K clinical proofs (each verified) through the
// old in-thread backend (snarkjs on the main thread, calls serialized process-wide) and through
// the worker pool (one worker per core). `node dist/test/bench/zk-pool.js [--proofs K]`.
import { availableParallelism, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { seededRandom } from '../../core/common/random.js';
import { ensureCircuitArtifacts } from '../../core/zk/artifacts.js';
import { newZkSigningKey } from '../../core/zk/babyjub.js';
import { clinicalCircuitInput, commitClinical } from '../../core/zk/clinical.js';
import { SnarkjsProver, SnarkjsVerifier, shutdownZk, type ZkProver, type ZkVerifier } from '../../core/zk/prover.js';
import { SELFTEST_CLINICAL, SELFTEST_THRESHOLDS } from '../../core/zk/selftest.js';
import { ZkWorkerPool, type ZkRun } from '../../core/zk/worker-pool.js';
import { median, report, type Row } from './table.js';

const { values } = parseArgs({ options: { proofs: { type: 'string', default: '8' } } });
const k = Number(values.proofs);
const a = await ensureCircuitArtifacts({ onProgress: () => {} });
const random = seededRandom('zk pool bench');
const lab = await newZkSigningKey(random);
const inputs = await Promise.all(
  Array.from({ length: k }, async (_, i) => {
    const c = await commitClinical(lab, `case-${i}`, { ...SELFTEST_CLINICAL }, random);
    return clinicalCircuitInput(c.commitment, c.opening, { ...SELFTEST_THRESHOLDS });
  }),
);

/** `proveMs` gives the prove times recorded since `reset`. */
async function measure(name: string, prover: ZkProver, verifier: ZkVerifier, proveMs: () => number[], reset: () => void): Promise<Row> {
  await prover.prove('clinical', inputs[0]!); // warm-up: keys, curve
  reset();
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  const cpu0 = process.cpuUsage(); // every thread of the process: comparable on a loaded machine, unlike wall time
  const t0 = performance.now();
  const latencies = await Promise.all(
    inputs.map(async (input) => {
      const t = performance.now();
      const p = await prover.prove('clinical', input);
      if (!(await verifier.verify('clinical', p.proof, p.publicSignals))) throw new Error('a bench proof did not verify');
      return performance.now() - t;
    }),
  );
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  lag.disable();
  const proves = proveMs();
  return {
    backend: name,
    proofs: k,
    'proofs/s (prove+verify)': Math.round((k / (wall / 1000)) * 100) / 100,
    'median prove ms (in its thread)': proves.length ? Math.round(median(proves)) : '',
    'median ms per proof (queued, submit→verified)': Math.round(median(latencies)),
    'event loop max stall ms': Math.round(lag.max / 1e6),
    'CPU ms per proof (all threads, prove+verify)': Math.round((cpu.user + cpu.system) / 1000 / k),
  };
}

const inThread: number[] = [];
const timedProver = new SnarkjsProver(a);
const old: ZkProver = {
  prove: async (c, i) => {
    const t = performance.now();
    const p = await timedProver.prove(c, i);
    inThread.push(performance.now() - t);
    return p;
  },
};
const rows = [
  await measure(
    'in-thread, serialized (before)',
    old,
    new SnarkjsVerifier(a),
    () => inThread,
    () => (inThread.length = 0),
  ),
];
await shutdownZk();
const runs: ZkRun[] = [];
const pool = new ZkWorkerPool(a, { onRun: (r) => runs.push(r) });
const poolProves = (): number[] => runs.filter((r) => r.op === 'prove').map((r) => r.endedAt - r.startedAt);
rows.push(await measure(`worker pool, ${pool.size} workers (after)`, pool, pool, poolProves, () => (runs.length = 0)));
await pool.close();
report('zk-pool', rows, { cores: availableParallelism(), circuit: 'clinical', loadavg: loadavg() });
process.exit(0);
