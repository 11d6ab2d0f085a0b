/**
 * A proving thread of the ZK worker pool (worker-pool.ts): runs snarkjs off the main thread,
 * one operation at a time, with the circuit keys loaded once. Answers each request by its id.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as snarkjs from 'snarkjs';
import { MurmurError } from '../common/errors.js';
import type { Artifacts, CircuitName } from './artifacts.js';
import { SnarkjsProver, SnarkjsVerifier } from './prover.js';

export type ZkJob =
  | { id: number; op: 'prove'; circuit: CircuitName; input: Record<string, unknown> }
  | { id: number; op: 'verify'; circuit: CircuitName; proof: unknown; publicSignals: unknown };

/** When the job ran in the worker (ms since the epoch, sub-ms precision): for observers. */
export interface ZkRan {
  startedAt: number;
  endedAt: number;
}

type ZkOutcome = { id: number; ok: true; value: unknown } | { id: number; ok: false; code: string; message: string; details: Record<string, unknown> };

export type ZkAnswer = ZkOutcome & { ran: ZkRan };

const artifacts = (workerData as { artifacts: Artifacts }).artifacts;
// snarkjs's curve cannot start its own threads from inside a worker (its thread library only
// spawns from the main thread), so each pool worker installs a single-threaded curve where
// snarkjs looks for the shared one; the pool supplies the parallelism.
const curve = snarkjs.curves.getCurveFromName('bn128', { singleThread: true }).then((c) => {
  (globalThis as { curve_bn128?: unknown }).curve_bn128 = c;
});
const prover = new SnarkjsProver(artifacts);
const verifier = new SnarkjsVerifier(artifacts);
const port = parentPort!;

const now = (): number => performance.timeOrigin + performance.now();

port.on('message', (job: ZkJob) => {
  const startedAt = now();
  void (async (): Promise<ZkOutcome> => {
    try {
      await curve;
      const value = job.op === 'prove' ? await prover.prove(job.circuit, job.input) : await verifier.verify(job.circuit, job.proof, job.publicSignals);
      return { id: job.id, ok: true, value };
    } catch (e) {
      // Only codes and fixed messages cross back: a witness error could echo an input value.
      if (e instanceof MurmurError) return { id: job.id, ok: false, code: e.code, message: e.message, details: { ...e.details } };
      return {
        id: job.id,
        ok: false,
        code: 'E_INTERNAL',
        message: `zk worker: ${job.op} failed`,
        details: { circuit: 'circuit' in job ? job.circuit : undefined },
      };
    }
  })().then((answer) => port.postMessage({ ...answer, ran: { startedAt, endedAt: now() } }));
});
