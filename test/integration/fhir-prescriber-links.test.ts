import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Bundle, PractitionerRole } from '@medplum/fhirtypes';
import { FhirClinicalData } from '../../fhir/adapters/clinical-data.js';
import { storeRequestBundle } from '../../fhir/adapters/request-intake.js';
import { parsePasRequest } from '../../fhir/pas/request.js';
import { startFhirServer, type EmbeddedFhirServer } from '../../fhir/server/embedded-server.js';
import { pasShapedRequest, type PasScenario } from '../../fhir/synthetic/index.js';

/*
 * The FHIR adapter follows a PAS request's links on a real server: the prescriber through
 * careTeam (a Practitioner with its qualification), the requesting organization's one
 * PractitionerRole, lab results that only supportingInfo links to, and a FHIR-JSON attachment.
 */
let server: EmbeddedFhirServer;
let data: FhirClinicalData;

before(async () => {
  server = await startFhirServer({});
  data = new FhirClinicalData({ baseUrl: server.baseUrl });
});
after(() => server.close());

const stored = async (scenario: PasScenario | Bundle) =>
  storeRequestBundle(server.baseUrl, parsePasRequest(typeof scenario === 'string' ? pasShapedRequest(scenario) : scenario));
const nucc = (r: Record<string, unknown>): string[] => JSON.stringify(r).match(/208[0-9A-Z]{7}/g) ?? [];

test('a Practitioner on the care team is read with its NUCC qualification, never its name', async () => {
  const out = await data.fetch(await stored('gt-approve-practitioner-qualification'), ['prescriber']);
  assert.deepEqual(
    out.map((r) => r.resourceType),
    ['Practitioner'],
  );
  assert.deepEqual(nucc(out[0]!), ['2084N0400X']);
  assert.ok(!JSON.stringify(out).includes('Okafor'), 'no name in the view');
});

test("with an Organization provider and no care team, the organization's one PractitionerRole; with two, none", async () => {
  const one = await data.fetch(await stored('gt-approve-organization-role'), ['prescriber']);
  assert.deepEqual(
    one.map((r) => [r.resourceType, nucc(r)]),
    [['PractitionerRole', ['2084N0402X']]],
  );
  const bundle = pasShapedRequest('gt-approve-organization-role');
  const role = bundle.entry!.find((e) => e.resource?.resourceType === 'PractitionerRole')!;
  const second = {
    ...(role.resource as PractitionerRole),
    id: 'second-role',
    specialty: [{ coding: [{ system: 'http://nucc.org/provider-taxonomy', code: '208000000X' }] }],
  };
  bundle.entry!.push({ fullUrl: role.fullUrl!.replace(/[^/]+$/, 'second-role'), resource: second });
  assert.deepEqual(await data.fetch(await stored(bundle), ['prescriber']), [], 'several roles at the organization name no one');
});

test('lab results linked only by supportingInfo (no subject), and a titer inside a FHIR-JSON attachment, are in the view', async () => {
  const liver = await data.fetch(await stored('gt-approve'), ['liver-panel']);
  assert.equal(liver.length, 3);
  assert.ok(liver.every((r) => r.subject === undefined));
  const titer = await data.fetch(await stored('gt-approve-titer-attached'), ['aav9-titer', 'documents']);
  assert.deepEqual(titer.map((r) => r.resourceType).sort(), ['DocumentReference', 'Observation']);
  const doc = titer.find((r) => r.resourceType === 'DocumentReference')!;
  assert.deepEqual(Object.keys(doc).sort(), ['id', 'resourceType', 'status', 'type'], 'the document by type only, not its content');
});
