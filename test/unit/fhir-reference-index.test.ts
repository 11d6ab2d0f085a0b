import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSearchRequest } from '@medplum/core';
import { MemoryRepository } from '@medplum/fhir-router';
import type { Observation, Resource } from '@medplum/fhirtypes';
import { loadFhirDefinitions } from '../../fhir/server/definitions.js';
import { JournaledRepository } from '../../fhir/server/journaled-repository.js';
import { ReferenceIndex } from '../../fhir/server/reference-index.js';

loadFhirDefinitions();

const PATIENTS = 40;
const code = { coding: [{ system: 'http://loinc.org', code: '1751-7' }] };

/** A small store with several patients' records, a prescriber's roles and a canonical link. */
function records(): Resource[] {
  const out: Resource[] = [
    { resourceType: 'Practitioner', id: 'dr', name: [{ family: 'Lee' }] },
    { resourceType: 'Organization', id: 'clinic', name: 'Clinic' },
    { resourceType: 'PractitionerRole', id: 'role-1', practitioner: { reference: 'Practitioner/dr' }, organization: { reference: 'Organization/clinic' } },
    { resourceType: 'PractitionerRole', id: 'role-2', practitioner: { reference: 'Practitioner/dr' } },
    { resourceType: 'Questionnaire', id: 'q', status: 'active' },
  ];
  for (let p = 0; p < PATIENTS; p++) {
    out.push({ resourceType: 'Patient', id: `p${p}`, birthDate: '2025-01-01' });
    for (let k = 0; k < 3; k++) {
      out.push({ resourceType: 'Observation', id: `o${p}-${k}`, status: 'final', code, subject: { reference: `Patient/p${p}` }, valueString: `v${k}` });
    }
    out.push({ resourceType: 'Condition', id: `c${p}`, subject: { reference: `Patient/p${p}` }, code });
    out.push({
      resourceType: 'QuestionnaireResponse',
      id: `qr${p}`,
      status: 'completed',
      questionnaire: 'Questionnaire/q',
      subject: { reference: `Patient/p${p}` },
    });
  }
  return out;
}

const QUERIES = [
  'Observation?subject=Patient/p3&_count=1000',
  'Observation?subject=Patient/p3,Patient/p7',
  'Observation?subject=Patient/p3&_count=2&_offset=1',
  'Observation?subject=Patient/p3&_sort=-value-string',
  'Observation?subject=Patient/nobody',
  'Observation?patient=Patient/p9&code=1751-7',
  'Observation?subject:not=Patient/p3&_count=5',
  'Condition?subject=Patient/p12',
  'PractitionerRole?practitioner=Practitioner/dr',
  'PractitionerRole?organization=Organization/clinic',
  'QuestionnaireResponse?questionnaire=Questionnaire/q&_count=3',
  'Observation?status=final&_count=4',
];

async function both(): Promise<{ indexed: JournaledRepository; scanned: MemoryRepository }> {
  const indexed = new JournaledRepository();
  const scanned = new MemoryRepository();
  for (const r of records()) {
    await indexed.createResource(r);
    await scanned.createResource(r);
  }
  // A record moved to another patient and one deleted: the index must follow both.
  const moved: Observation = { ...(await scanned.readResource<Observation>('Observation', 'o3-0')), subject: { reference: 'Patient/p4' } };
  await indexed.updateResource(moved);
  await scanned.updateResource(moved);
  await indexed.deleteResource('Observation', 'o3-1');
  await scanned.deleteResource('Observation', 'o3-1');
  return { indexed, scanned };
}

const answer = async (repo: { search: MemoryRepository['search'] }, q: string) => {
  const b = await repo.search(parseSearchRequest(q));
  return { total: b.total, ids: (b.entry ?? []).map((e) => e.resource!.id) };
};

test('reference searches through the index answer exactly what a full scan answers', async () => {
  const { indexed, scanned } = await both();
  for (const q of QUERIES) assert.deepEqual(await answer(indexed, q), await answer(scanned, q), q);
  assert.deepEqual((await answer(indexed, 'Observation?subject=Patient/p3')).ids, ['o3-2'], 'moved and deleted records are gone');
  assert.deepEqual((await answer(indexed, 'Observation?subject=Patient/p4')).ids.sort(), ['o3-0', 'o4-0', 'o4-1', 'o4-2']);
});

test('after a rebuild (a failed write undone) the index holds what the store holds', async () => {
  const { indexed, scanned } = await both();
  await indexed.rebuild([records().map((resource) => ({ op: 'put' as const, resource: resource as never }))]);
  const fresh = new MemoryRepository();
  for (const r of records()) await fresh.createResource(r);
  for (const q of QUERIES) assert.deepEqual(await answer(indexed, q), await answer(fresh, q), q);
  assert.notDeepEqual(await answer(scanned, QUERIES[0]!), await answer(indexed, QUERIES[0]!), 'the rebuild dropped the later writes');
});

test("a patient's search reads that patient's resources, not every case's", () => {
  const index = new ReferenceIndex();
  for (const r of records()) index.put(r as Resource & { id: string });
  assert.deepEqual(index.candidates(parseSearchRequest('Observation?subject=Patient/p5'))?.sort(), ['o5-0', 'o5-1', 'o5-2']);
  assert.deepEqual(index.candidates(parseSearchRequest('Condition?patient=Patient/p5')), ['c5']);
  // Filters the index cannot narrow leave the full scan to the store.
  assert.equal(index.candidates(parseSearchRequest('Observation?status=final')), undefined);
  assert.equal(index.candidates(parseSearchRequest('Observation?subject:not=Patient/p5')), undefined);
  assert.equal(index.candidates(parseSearchRequest('Observation?subject=p5')), undefined, 'a bare id is not a Type/id');
  index.remove('Observation/o5-0');
  assert.deepEqual(index.candidates(parseSearchRequest('Observation?subject=Patient/p5'))?.sort(), ['o5-1', 'o5-2']);
});
