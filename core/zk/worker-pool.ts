/**
 * Proofs and verifications on a pool of worker threads, one per core, so that proving never
 * stalls the event loop and every core proves. Each worker runs snarkjs on its own (its curve,
 * its keys in memory) one job at a time; the pool hands each job to an idle worker, else queues
 * it. Same interfaces as the in-thread snarkjs backend.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { MurmurError, type ErrorCode } from '../common/errors.js';
import type { Artifacts, CircuitName } from './artifacts.js';
import type { ZkProof, ZkProver, ZkVerifier } from './prover.js';
import type { ZkAnswer, ZkJob, ZkRan } from './zk-worker.js';

type JobBody = ZkJob extends infer J ? (J extends { id: number } ? Omit<J, 'id'> : never) : never;

interface Pending {
  body: JobBody;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  n: number;
  busy: Pending | undefined;
  jobId: number;
}

/** One finished job, as the worker timed it. */
export interface ZkRun extends ZkRan {
  op: 'prove' | 'verify';
  circuit: CircuitName;
  worker: number;
  ok: boolean;
}

export interface ZkPoolOptions {
  /** Worker threads (default: the cores this process may use). */
  size?: number;
  /** Told of every finished job (benchmarks count proving time; tests see overlap). */
  onRun?: (run: ZkRun) => void;
}

export class ZkWorkerPool implements ZkProver, ZkVerifier {
  readonly size: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private spawned = 0;
  private closed = false;
  /** Jobs that have run, per worker index: lets tests and benchmarks see the spread. */
  readonly jobsPerWorker: number[];

  constructor(
    private readonly artifacts: Artifacts,
    private readonly options: ZkPoolOptions = {},
  ) {
    this.size = Math.max(1, options.size ?? availableParallelism());
    this.jobsPerWorker = Array.from({ length: this.size }, () => 0);
  }

  prove(circuit: CircuitName, input: Record<string, unknown>): Promise<ZkProof> {
    return this.submit({ op: 'prove', circuit, input }) as Promise<ZkProof>;
  }

  /** False when the proof does not verify; rejects only when the pool itself failed. */
  verify(circuit: CircuitName, proof: unknown, publicSignals: unknown): Promise<boolean> {
    return this.submit({ op: 'verify', circuit, proof, publicSignals }) as Promise<boolean>;
  }

  /** Terminates every worker; queued and running jobs are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    const error = new MurmurError('E_INTERNAL', 'the zk worker pool was closed');
    for (const p of this.queue.splice(0)) p.reject(error);
    await Promise.all(
      this.slots.splice(0).map(async (slot) => {
        slot.busy?.reject(error);
        slot.busy = undefined;
        slot.worker.removeAllListeners();
        await slot.worker.terminate();
      }),
    );
  }

  private submit(body: JobBody): Promise<unknown> {
    if (this.closed) return Promise.reject(new MurmurError('E_INTERNAL', 'the zk worker pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ body, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.busy);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const job = this.queue.shift()!;
      slot.busy = job;
      slot.jobId = this.nextId++;
      this.jobsPerWorker[this.slots.indexOf(slot)]!++;
      slot.worker.ref(); // a running job keeps the process alive until it answers
      slot.worker.postMessage({ id: slot.jobId, ...job.body });
    }
  }

  private spawn(): Slot {
    // `mod` and `type` are for the `web-worker` package that snarkjs's curve library loads: in
    // any non-main thread it takes itself for one of its own workers and imports `mod`; an empty
    // module keeps it from failing. The curve then runs single-threaded in each pool worker.
    const workerData = { artifacts: this.artifacts, mod: 'data:text/javascript,', type: 'module' };
    const worker = new Worker(new URL('./zk-worker.js', import.meta.url), { workerData });
    const slot: Slot = { worker, n: this.spawned++, busy: undefined, jobId: 0 };
    worker.unref(); // an idle pool must not keep the process alive
    worker.on('message', (answer: ZkAnswer) => {
      const job = slot.busy;
      if (!job || answer.id !== slot.jobId) return;
      slot.busy = undefined;
      worker.unref();
      const body = job.body;
      this.options.onRun?.({ op: body.op, circuit: body.circuit, worker: slot.n, ok: answer.ok, ...answer.ran });
      if (answer.ok) job.resolve(answer.value);
      else job.reject(new MurmurError(answer.code as ErrorCode, answer.message, answer.details));
      this.dispatch();
    });
    const fail = (reason: string): void => {
      // A worker that died takes its job with it: report it, replace the worker, carry on.
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1);
      slot.busy?.reject(new MurmurError('E_INTERNAL', `zk worker failed: ${reason}`));
      slot.busy = undefined;
      if (!this.closed) this.dispatch();
    };
    worker.on('error', (e) => fail(e instanceof Error ? e.message.slice(0, 200) : 'error'));
    worker.on('exit', (code) => fail(`exited with code ${code}`));
    this.slots.push(slot);
    return slot;
  }
}
