/**
 * A thread of the envelope verify pool (verify-pool.ts): runs the fold's own `authenticity`
 * check on copies of the envelopes it is sent, and answers true where id and signature hold.
 */
import { parentPort } from 'node:worker_threads';
import type { VerifyItem } from '../../core/board/batch-verify.js';
import { authenticity } from '../../core/board/envelope.js';

export interface VerifyJob {
  id: number;
  items: VerifyItem[];
}

export interface VerifyAnswer {
  id: number;
  ok: boolean[];
}

function holds(item: VerifyItem): boolean {
  try {
    return authenticity(item.envelope, item.publicKey) === undefined;
  } catch {
    return false; // a malformed envelope: the fold's own check names what is wrong
  }
}

parentPort!.on('message', (job: VerifyJob) => {
  parentPort!.postMessage({ id: job.id, ok: job.items.map(holds) } satisfies VerifyAnswer);
});
