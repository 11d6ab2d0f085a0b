import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMurmurError } from '../../core/common/errors.js';
import { parsePasRequest, readPasRequestFile } from '../../fhir/pas/request.js';
import { FIXTURE_PHI, U, entryOf, pasRequestBundle } from './fhir-fixture.js';

/** Asserts an E_INPUT naming `path`, matching `message`, and carrying no fixture PHI. */
function rejectsWith(fn: () => unknown, path: string, message: RegExp): void {
  assert.throws(fn, (e) => {
    assert.ok(isMurmurError(e, 'E_INPUT'), `expected E_INPUT, got ${String(e)}`);
    assert.equal(e.details.path, path);
    assert.match(e.message, message);
    const text = `${e.message} ${JSON.stringify(e.details)}`;
    for (const phi of Object.values(FIXTURE_PHI)) assert.ok(!text.includes(phi), `message leaks PHI: ${e.message}`);
    return true;
  });
}

test('a valid request yields its Claim, Patient and every resource', () => {
  const req = parsePasRequest(pasRequestBundle());
  assert.equal(req.claim.use, 'preauthorization');
  assert.equal(req.patient.resourceType, 'Patient');
  assert.equal(req.resources.length, 9);
});

test('not a Bundle', () => {
  rejectsWith(
    () => parsePasRequest({ resourceType: 'Patient', birthDate: FIXTURE_PHI.birthDate }),
    'Bundle.resourceType',
    /must be a FHIR Bundle, but it is a Patient/,
  );
  rejectsWith(() => parsePasRequest('hello'), 'Bundle.resourceType', /not a FHIR resource/);
});

test('a Bundle without entries', () => {
  rejectsWith(() => parsePasRequest({ resourceType: 'Bundle', type: 'collection' }), 'Bundle.entry', /no entries/);
});

test('no Claim with use = preauthorization', () => {
  const b = pasRequestBundle();
  entryOf(b, U.claim).use = 'claim';
  rejectsWith(() => parsePasRequest(b), 'Bundle.entry', /no Claim with use = preauthorization/);
});

test('an item without a productOrService code', () => {
  const b = pasRequestBundle();
  (entryOf(b, U.claim).item as { productOrService: unknown }[])[0]!.productOrService = { text: 'gene therapy' };
  rejectsWith(() => parsePasRequest(b), 'Claim.item[0].productOrService.coding', /HCPCS code \(e\.g\. J3399\)/);
});

test('each Claim reference that points outside the Bundle is named with its path and reference', () => {
  const cases: [string, (c: Record<string, unknown>) => void][] = [
    ['Claim.patient', (c) => (c.patient = { reference: 'urn:uuid:99999999-0000-4000-8000-000000000000' })],
    ['Claim.provider', (c) => (c.provider = { reference: 'PractitionerRole/elsewhere' })],
    ['Claim.insurer', (c) => (c.insurer = { reference: 'urn:uuid:99999999-0000-4000-8000-000000000001' })],
    [
      'Claim.diagnosis[0].diagnosisReference',
      (c) => ((c.diagnosis as { diagnosisReference: unknown }[])[0]!.diagnosisReference = { reference: 'Condition/x' }),
    ],
    [
      'Claim.supportingInfo[1].valueReference',
      (c) => ((c.supportingInfo as { valueReference: unknown }[])[1]!.valueReference = { reference: 'urn:uuid:99999999-0000-4000-8000-000000000002' }),
    ],
    ['Claim.careTeam[0].provider', (c) => ((c.careTeam as { provider: unknown }[])[0]!.provider = { reference: 'Practitioner/x' })],
  ];
  for (const [path, breakIt] of cases) {
    const b = pasRequestBundle();
    breakIt(entryOf(b, U.claim));
    rejectsWith(() => parsePasRequest(b), path, new RegExp(`^${path.replace(/[[\].]/g, '\\$&')} → \\S+ is not in the Bundle\\.$`));
  }
});

test('references by Type/id to entries with ids resolve', () => {
  const b = pasRequestBundle();
  entryOf(b, U.patient).id = 'p1';
  entryOf(b, U.claim).patient = { reference: 'Patient/p1' };
  assert.equal(parsePasRequest(b).patient.id, 'p1');
});

test('a resource failing base R4 validation is named by type and element path, without its value', () => {
  const b = pasRequestBundle();
  entryOf(b, U.patient).birthDate = `${FIXTURE_PHI.birthDate}T`; // not a FHIR date
  rejectsWith(() => parsePasRequest(b), 'Patient.birthDate', /The Patient in Bundle\.entry\[1\] is not valid FHIR R4: Patient\.birthDate/);
  const c = pasRequestBundle();
  delete entryOf(c, U.titer).status;
  rejectsWith(() => parsePasRequest(c), 'Observation.status', /Observation in Bundle\.entry\[7\].*Observation\.status/);
});

test('files: missing, and not JSON (position given, content not echoed)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'murmur-pas-'));
  try {
    await assert.rejects(readPasRequestFile(join(dir, 'none.json')), (e) => isMurmurError(e, 'E_INPUT') && /does not exist/.test(e.message));
    const path = join(dir, 'bad.json');
    await writeFile(path, `{\n  "resourceType": "Bundle",\n  "name": "${FIXTURE_PHI.family}" "x": 1\n}`);
    await assert.rejects(readPasRequestFile(path), (e) => {
      assert.ok(isMurmurError(e, 'E_INPUT'));
      assert.match(e.message, /is not JSON: invalid at line 3, column 26\./);
      assert.ok(!e.message.includes(FIXTURE_PHI.family));
      return true;
    });
    const good = join(dir, 'good.json');
    await writeFile(good, JSON.stringify(pasRequestBundle()));
    assert.equal((await readPasRequestFile(good)).claim.use, 'preauthorization');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an ill-typed Claim element is an E_INPUT naming it, not a TypeError (found by the fuzz target)', () => {
  for (const [key, value] of [
    ['diagnosis', 0],
    ['related', 'x'],
    ['supportingInfo', {}],
    ['careTeam', 7],
  ] as const) {
    const bundle = structuredClone(pasRequestBundle()) as unknown as { entry: { resource: Record<string, unknown> }[] };
    const claim = bundle.entry.find((e) => e.resource.resourceType === 'Claim')!;
    claim.resource[key] = value;
    assert.throws(
      () => parsePasRequest(bundle),
      (e: unknown) => isMurmurError(e, 'E_INPUT'),
      `Claim.${key} = ${JSON.stringify(value)}`,
    );
  }
});
