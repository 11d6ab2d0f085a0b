import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { fhirClient, withReadRetry } from '../../fhir/adapters/fhir-client.js';

// A FHIR server that drops the first `drops` connections without answering (as a restarted
// server or a proxy does), then serves Patient/p1, and answers 404 for anything else.
let drops = 0;
let requests = 0;
let server: Server;
let base: string;

before(async () => {
  server = createServer((req, res) => {
    requests++;
    if (drops > 0) {
      drops--;
      req.socket.destroy();
      return;
    }
    if (req.url?.startsWith('/Patient/p1')) {
      res.writeHead(200, { 'content-type': 'application/fhir+json' }).end(JSON.stringify({ resourceType: 'Patient', id: 'p1' }));
    } else {
      res
        .writeHead(404, { 'content-type': 'application/fhir+json' })
        .end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] }));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

const read = (id: string) => {
  const client = fhirClient(base);
  return withReadRetry({}, () => client.read({ resourceType: 'Patient', id }), [1, 1]);
};

test('a read whose connection was dropped is tried again and gets the resource', async () => {
  drops = 2;
  requests = 0;
  const patient = (await read('p1')) as { id?: string };
  assert.equal(patient.id, 'p1');
  assert.equal(requests, 3, 'two dropped attempts, then the answer');
});

test('a server that never answers fails after three attempts; an answered 404 is not retried', async () => {
  drops = 5;
  requests = 0;
  await assert.rejects(read('p1'), (e: unknown) => (e as { response?: unknown }).response === undefined);
  assert.equal(requests, 3);
  drops = 0;
  requests = 0;
  await assert.rejects(read('missing'), (e: unknown) => (e as { response?: { status?: number } }).response?.status === 404);
  assert.equal(requests, 1, "the server's answer is its word");
});
