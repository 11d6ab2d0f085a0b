import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, CapabilityStatement, Observation, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { startFhirServer } from '../../fhir/server/embedded-server.js';
import type { EmbeddedFhirServer } from '../../fhir/server/embedded-server.js';

let dir: string;
let journalPath: string;
let server: EmbeddedFhirServer;

async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { 'content-type': method === 'PATCH' ? 'application/json-patch+json' : 'application/fhir+json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T, headers: res.headers };
}

const journalLines = async (): Promise<number> => (await readFile(journalPath, 'utf8')).split('\n').filter(Boolean).length;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'murmur-fhir-'));
  journalPath = join(dir, 'fhir-journal.jsonl');
  server = await startFhirServer({ journalPath });
});

after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

test('binds to loopback under /fhir/R4 and answers as application/fhir+json', async () => {
  assert.match(server.baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/fhir\/R4$/);
  const res = await fetch(`${server.baseUrl}/Patient/none`);
  assert.equal(res.status, 404);
  assert.match(res.headers.get('content-type') ?? '', /^application\/fhir\+json/);
  assert.equal(((await res.json()) as OperationOutcome).resourceType, 'OperationOutcome');
});

test('create, read, update, patch and delete a resource', async () => {
  const created = await call<Patient>('POST', '/Patient', { resourceType: 'Patient', gender: 'female' });
  assert.equal(created.status, 201);
  const id = created.body.id!;
  assert.match(created.headers.get('location') ?? '', new RegExp(`/Patient/${id}/_history/`));

  const read = await call<Patient>('GET', `/Patient/${id}`);
  assert.equal(read.body.gender, 'female');

  const updated = await call<Patient>('PUT', `/Patient/${id}`, { resourceType: 'Patient', id, gender: 'male' });
  assert.equal(updated.status, 200);
  assert.notEqual(updated.body.meta?.versionId, created.body.meta?.versionId);

  const patched = await call<Patient>('PATCH', `/Patient/${id}`, [{ op: 'add', path: '/birthDate', value: '2025-06-01' }]);
  assert.equal(patched.status, 200);
  assert.equal((await call<Patient>('GET', `/Patient/${id}`)).body.birthDate, '2025-06-01');

  assert.equal((await call<OperationOutcome>('DELETE', `/Patient/${id}`)).status, 200);
  assert.equal((await call<OperationOutcome>('GET', `/Patient/${id}`)).status, 404);
});

test('search by subject finds the patient’s observations only; a bare patient id works too', async () => {
  const a = (await call<Patient>('POST', '/Patient', { resourceType: 'Patient' })).body.id!;
  const b = (await call<Patient>('POST', '/Patient', { resourceType: 'Patient' })).body.id!;
  const obs = (subject: string): Observation => ({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: subject } });
  await call('POST', '/Observation', obs(`Patient/${a}`));
  await call('POST', '/Observation', obs(`Patient/${a}`));
  await call('POST', '/Observation', obs(`Patient/${b}`));

  const bySubject = await call<Bundle>('GET', `/Observation?subject=Patient/${a}&_count=1000`);
  assert.equal(bySubject.body.entry?.length, 2);
  assert.ok(bySubject.body.entry!.every((e) => (e.resource as Observation).subject?.reference === `Patient/${a}`));
  // 4.5.2 alone matches nothing for a bare id; the server normalises it to Patient/<id>.
  assert.equal((await call<Bundle>('GET', `/Observation?patient=${a}`)).body.entry?.length, 2);
});

test('a transaction resolves urn:uuid references to server-assigned ids', async () => {
  const pid = 'urn:uuid:11111111-1111-4111-8111-111111111111';
  const t0 = performance.now();
  const res = await call<Bundle>('POST', '', {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { fullUrl: pid, resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
      {
        resource: { resourceType: 'Observation', status: 'final', code: { text: 't' }, subject: { reference: pid } },
        request: { method: 'POST', url: 'Observation' },
      },
    ],
  });
  const ms = performance.now() - t0;
  assert.equal(res.status, 200);
  assert.equal(res.body.type, 'transaction-response');
  const [patient, observation] = res.body.entry!.map((e) => e.resource!);
  assert.equal(patient!.resourceType, 'Patient');
  assert.equal((observation as Observation).subject?.reference, `Patient/${patient!.id}`);
  assert.ok(ms < 2000, `transaction took ${ms} ms`);
});

test('a failing transaction leaves no resource behind and journals nothing', async () => {
  const before = (await call<Bundle>('GET', '/Patient?_count=1000')).body.total;
  const lines = await journalLines();
  const res = await call<OperationOutcome>('POST', '', {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { fullUrl: 'urn:uuid:22222222-2222-4222-8222-222222222222', resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
      // Observation.status is required: this entry fails after the Patient was stored.
      { resource: { resourceType: 'Observation', code: { text: 't' } }, request: { method: 'POST', url: 'Observation' } },
    ],
  });
  assert.equal(res.status, 400);
  assert.equal(res.body.resourceType, 'OperationOutcome');
  assert.equal((await call<Bundle>('GET', '/Patient?_count=1000')).body.total, before);
  assert.equal(await journalLines(), lines);
});

test('a patch that makes the resource invalid is refused, and the stored version stays as it was', async () => {
  const created = await call<Patient>('POST', '/Patient', { resourceType: 'Patient', gender: 'female' });
  const id = created.body.id!;
  const lines = await journalLines();
  const res = await call<OperationOutcome>('PATCH', `/Patient/${id}`, [{ op: 'add', path: '/birthDate', value: 'not-a-date' }]);
  assert.equal(res.status, 400);
  const read = await call<Patient>('GET', `/Patient/${id}`);
  assert.equal(read.body.birthDate, undefined);
  assert.equal(read.body.meta?.versionId, created.body.meta?.versionId);
  assert.equal(await journalLines(), lines);
  // The store rebuilt from the journal still takes writes, with the same resources as before.
  const after = await call<Patient>('PUT', `/Patient/${id}`, { resourceType: 'Patient', id, gender: 'male' });
  assert.equal(after.status, 200);
});

test('a memory-only server undoes a failing transaction too', async () => {
  const memory = await startFhirServer();
  try {
    const kept = await fetch(`${memory.baseUrl}/Patient`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient' }),
    });
    assert.equal(kept.status, 201);
    const res = await fetch(memory.baseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
          { resource: { resourceType: 'Observation', code: { text: 't' } }, request: { method: 'POST', url: 'Observation' } },
        ],
      }),
    });
    assert.equal(res.status, 400);
    const all = (await (await fetch(`${memory.baseUrl}/Patient`)).json()) as Bundle;
    assert.equal(all.entry?.length, 1);
  } finally {
    await memory.close();
  }
});

test('an invalid resource is refused with 400 and an OperationOutcome naming the element', async () => {
  const res = await call<OperationOutcome>('POST', '/Patient', { resourceType: 'Patient', birthDate: 'not-a-date' });
  assert.equal(res.status, 400);
  assert.equal(res.body.resourceType, 'OperationOutcome');
  assert.ok(res.body.issue.some((i) => i.expression?.includes('Patient.birthDate')));
  const missing = await call<OperationOutcome>('POST', '/Observation', { resourceType: 'Observation', code: { text: 'x' } });
  assert.equal(missing.status, 400);
  assert.ok(missing.body.issue.some((i) => i.expression?.includes('Observation.status')));
});

test('bodies that are not JSON or not resources get 400, not a crash', async () => {
  const res = await fetch(`${server.baseUrl}/Patient`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: '{"resourceType":' });
  assert.equal(res.status, 400);
  assert.equal((await call<OperationOutcome>('POST', '/Patient', [1, 2])).status, 400);
});

test('/metadata answers a CapabilityStatement listing the supported interactions', async () => {
  const res = await call<CapabilityStatement>('GET', '/metadata');
  assert.equal(res.status, 200);
  assert.equal(res.body.resourceType, 'CapabilityStatement');
  assert.equal(res.body.fhirVersion, '4.0.1');
  const rest = res.body.rest![0]!;
  assert.deepEqual(rest.interaction?.map((i) => i.code).sort(), ['batch', 'search-system', 'transaction']);
  const patient = rest.resource?.find((r) => r.type === 'Patient');
  assert.ok(patient?.interaction?.some((i) => i.code === 'create'));
  assert.ok(patient?.interaction?.some((i) => i.code === 'search-type'));
});

test('concurrent writes are serialized: every one is stored and journaled', async () => {
  const lines = await journalLines();
  const results = await Promise.all(Array.from({ length: 20 }, () => call<Patient>('POST', '/Patient', { resourceType: 'Patient' })));
  assert.ok(results.every((r) => r.status === 201));
  assert.equal(new Set(results.map((r) => r.body.id)).size, 20);
  assert.equal(await journalLines(), lines + 20);
});

test('a restarted server on the same journal has the same resources with the same ids', async () => {
  const kept = (await call<Patient>('POST', '/Patient', { resourceType: 'Patient', gender: 'other' })).body;
  const gone = (await call<Patient>('POST', '/Patient', { resourceType: 'Patient' })).body.id!;
  await call('DELETE', `/Patient/${gone}`);
  const all = (await call<Bundle>('GET', '/Patient?_count=1000')).body;
  await server.close();

  server = await startFhirServer({ journalPath });
  const again = await call<Patient>('GET', `/Patient/${kept.id}`);
  assert.equal(again.status, 200);
  assert.deepEqual(again.body, kept);
  assert.equal((await call<OperationOutcome>('GET', `/Patient/${gone}`)).status, 404);
  const allAgain = (await call<Bundle>('GET', '/Patient?_count=1000')).body;
  const ids = (b: Bundle) => (b.entry ?? []).map((e) => e.resource!.id).sort();
  assert.deepEqual(ids(allAgain), ids(all));
});
