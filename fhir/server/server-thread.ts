import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { MurmurError } from '../../core/common/errors.js';
import type { Logger } from '../../core/common/log.js';
import { silentLogger } from '../../core/common/log.js';
import type { EmbeddedFhirServer } from './embedded-server.js';

/** What a server thread is started with (embedded-server.ts's options that cross a thread). */
export interface FhirThreadOptions {
  port?: number;
  host?: string;
  journalPath?: string;
}

/** The thread's first message: the server's address, or why it could not start. */
export type FhirThreadReady = { ok: true; baseUrl: string; stats: EmbeddedFhirServer['stats'] } | { ok: false; message: string; code?: string };

/**
 * The embedded FHIR server on a thread of its own. Validation, routing and the journal's
 * fsync were a tenth of the embedded coalition's main thread, the one that also runs four
 * nodes' folds; clients reach it by HTTP exactly as before, only the thread that answers
 * changes. Without SMART (the embedded coalition's server needs none).
 */
export async function startFhirServerThread(opts: FhirThreadOptions = {}, logger: Logger = silentLogger): Promise<EmbeddedFhirServer> {
  const worker = new Worker(new URL('./server-thread-main.js', import.meta.url), { workerData: opts });
  const exited = once(worker, 'exit');
  const ready = await new Promise<FhirThreadReady>((resolve) => {
    worker.once('message', resolve);
    worker.once('error', (e) => resolve({ ok: false, message: e instanceof Error ? e.message : String(e) }));
    void exited.then(([code]) => resolve({ ok: false, message: `the FHIR server thread exited with code ${String(code)}` }));
  });
  if (!ready.ok) {
    await worker.terminate();
    throw new MurmurError('E_FHIR', `FHIR server: ${ready.message}${ready.code ? ` (${ready.code})` : ''}`);
  }
  // After the start, a failure of the thread is the node's to see (its FHIR reads fail meanwhile).
  worker.on('error', (e) => logger.log('error', 'fhir.thread.failed', { error: e instanceof Error ? e.name : 'error' }));
  return {
    baseUrl: ready.baseUrl,
    stats: ready.stats,
    close: async () => {
      worker.postMessage('close');
      await exited;
    },
  };
}
