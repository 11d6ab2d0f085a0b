import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Claim, Observation } from '@medplum/fhirtypes';
import type { CaseDataRef } from '../../core/agents/ports.js';
import { isMurmurError } from '../../core/common/errors.js';
import { FhirClinicalData } from '../../fhir/adapters/clinical-data.js';
import { storeRequestBundle } from '../../fhir/adapters/request-intake.js';
import { parsePasRequest } from '../../fhir/pas/request.js';
import { startFhirServer } from '../../fhir/server/embedded-server.js';
import type { EmbeddedFhirServer } from '../../fhir/server/embedded-server.js';
import { FIXTURE_PHI, pasRequestBundle } from '../unit/fhir-fixture.js';

let server: EmbeddedFhirServer;
let ref: CaseDataRef;
let data: FhirClinicalData;

before(async () => {
  server = await startFhirServer({});
  ref = await storeRequestBundle(server.baseUrl, parsePasRequest(pasRequestBundle()));
  // A second patient's record on the same server must never leak into the first one's case.
  await storeRequestBundle(server.baseUrl, parsePasRequest(pasRequestBundle()));
  data = new FhirClinicalData({ baseUrl: server.baseUrl });
});

after(() => server.close());

test('intake stores the Bundle in one transaction with server-assigned, linked ids', async () => {
  assert.equal(ref.fhirBase, server.baseUrl);
  assert.match(ref.patient, /^Patient\/[0-9a-f-]{36}$/);
  const claim = (await (await fetch(`${server.baseUrl}/${ref.claim}`)).json()) as Claim;
  assert.equal(claim.patient.reference, ref.patient);
  assert.match(claim.supportingInfo![0]!.valueReference!.reference!, /^Observation\/[0-9a-f-]{36}$/);
  assert.match(claim.provider.reference!, /^PractitionerRole\//);
});

test('demographics: the Patient without name or identifier', async () => {
  const out = await data.fetch(ref, ['demographics']);
  assert.equal(out.length, 1);
  assert.deepEqual(Object.keys(out[0]!).sort(), ['birthDate', 'gender', 'id', 'resourceType']);
  assert.equal(`Patient/${out[0]!.id}`, ref.patient);
  const text = JSON.stringify(out);
  assert.ok(!text.includes(FIXTURE_PHI.family) && !text.includes(FIXTURE_PHI.mrn));
});

test('aav9-titer: only this patient’s titer Observation', async () => {
  const out = await data.fetch(ref, ['aav9-titer']);
  assert.equal(out.length, 1);
  const obs = out[0] as unknown as Observation;
  assert.equal(obs.code.coding?.[0]?.code, 'anti-aav9-ab-titer');
  assert.equal(obs.subject?.reference, ref.patient);
  assert.deepEqual(obs.valueRatio?.denominator?.value, 25);
});

test('prescriber follows the Claim to the PractitionerRole, projected to its specialty', async () => {
  const out = await data.fetch(ref, ['prescriber', 'diagnosis']);
  const role = out.find((r) => r.resourceType === 'PractitionerRole');
  assert.ok(role);
  assert.deepEqual(Object.keys(role).sort(), ['id', 'practitioner', 'resourceType', 'specialty']);
  assert.equal(out.filter((r) => r.resourceType === 'Condition').length, 1);
  assert.equal(out.length, 2);
});

test('a ref for another FHIR server or a malformed ref is refused', async () => {
  await assert.rejects(
    data.fetch({ ...ref, fhirBase: 'http://attacker.example/fhir' }, ['demographics']),
    (e) => isMurmurError(e, 'E_INPUT') && e.details.path === 'CaseDataRef.fhirBase',
  );
  await assert.rejects(
    data.fetch({ ...ref, patient: 'Claim/1' }, ['demographics']),
    (e) => isMurmurError(e, 'E_INPUT') && e.details.path === 'CaseDataRef.patient',
  );
  await assert.rejects(data.fetch({ ...ref, claim: 'Claim/absent' }, ['claim']), (e) => isMurmurError(e, 'E_FHIR') && e.details.status === 404);
});
