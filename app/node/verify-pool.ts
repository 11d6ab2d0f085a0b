/**
 * Envelope checks (id and Ed25519 signature) on worker threads, one per core, for replicas
 * catching up on a long log: the event loop folds one batch while the workers verify the next.
 * One pool per process serves every node in it. Its workers are unref'd, so an idle pool never
 * keeps a process alive, and one that fails only sends its batch back to the fold's own checks.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BatchVerify, VerifyItem } from '../../core/board/batch-verify.js';
import type { VerifyAnswer, VerifyJob } from './verify-worker.js';

interface Lane {
  worker: Worker;
  waiting: Map<number, { resolve(ok: boolean[]): void; reject(e: Error): void }>;
}

export class EnvelopeVerifyPool {
  readonly size: number;
  private lanes: Lane[] = [];
  private nextId = 1;
  /** Entries verified on the workers, for benchmarks. */
  verified = 0;

  constructor(size = availableParallelism()) {
    this.size = Math.max(1, size);
  }

  /** The batch split across the workers, in order; true where id and signature hold. */
  readonly verify: BatchVerify = async (items) => {
    const per = Math.ceil(items.length / this.size);
    const parts: Promise<boolean[]>[] = [];
    for (let i = 0; i * per < items.length; i++) parts.push(this.send(this.lane(i), items.slice(i * per, (i + 1) * per)));
    const answers = (await Promise.all(parts)).flat();
    this.verified += items.length;
    return answers;
  };

  async close(): Promise<void> {
    const lanes = this.lanes.splice(0);
    await Promise.all(lanes.map((l) => l.worker.terminate()));
  }

  private send(lane: Lane, items: VerifyItem[]): Promise<boolean[]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      lane.waiting.set(id, { resolve, reject });
      lane.worker.ref(); // a batch in flight keeps the process alive until it is answered
      lane.worker.postMessage({ id, items } satisfies VerifyJob);
    });
  }

  private lane(i: number): Lane {
    const existing = this.lanes[i];
    if (existing) return existing;
    const worker = new Worker(new URL('./verify-worker.js', import.meta.url));
    worker.unref();
    const lane: Lane = { worker, waiting: new Map() };
    worker.on('message', (answer: VerifyAnswer) => {
      lane.waiting.get(answer.id)?.resolve(answer.ok);
      lane.waiting.delete(answer.id);
      if (lane.waiting.size === 0) worker.unref();
    });
    const fail = (reason: string): void => {
      // A lane that died is dropped (the next batch starts a new one); its batches go back unverified.
      if (this.lanes[i] === lane) delete this.lanes[i];
      for (const w of lane.waiting.values()) w.reject(new Error(`verify worker failed: ${reason}`));
      lane.waiting.clear();
    };
    worker.on('error', (e) => fail(e instanceof Error ? e.name : 'error'));
    worker.on('exit', (code) => fail(`exited with code ${code}`));
    this.lanes[i] = lane;
    return lane;
  }
}

let shared: EnvelopeVerifyPool | undefined;

/** The process's pool, started on first use. */
export function sharedVerifyPool(): EnvelopeVerifyPool {
  return (shared ??= new EnvelopeVerifyPool());
}
