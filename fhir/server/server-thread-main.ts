/** The thread of server-thread.ts: starts the embedded FHIR server, says where, and closes it when told. */
import { parentPort, workerData } from 'node:worker_threads';
import { startFhirServer } from './embedded-server.js';
import type { FhirThreadOptions, FhirThreadReady } from './server-thread.js';

const port = parentPort!;
try {
  const server = await startFhirServer(workerData as FhirThreadOptions);
  port.postMessage({ ok: true, baseUrl: server.baseUrl, stats: server.stats } satisfies FhirThreadReady);
  port.on('message', (m) => {
    if (m !== 'close') return;
    // Closing drains the journal and the connections; then the thread has nothing left and ends.
    void server.close().finally(() => port.close());
  });
} catch (e) {
  const code = (e as { code?: unknown }).code;
  port.postMessage({
    ok: false,
    message: e instanceof Error ? e.message : String(e),
    ...(typeof code === 'string' ? { code } : {}),
  } satisfies FhirThreadReady);
  port.close();
}
