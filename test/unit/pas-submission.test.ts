import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Bundle, Claim, ClaimResponse } from '@medplum/fhirtypes';
import { MurmurError } from '../../core/common/errors.js';
import { parsePasInquiry, parsePasSubmission } from '../../fhir/pas/submission.js';
import { pasAnswerBundle } from '../../fhir/pas/response.js';
import { PA_TRACE_SYSTEM, syntheticRequest, syntheticUpdate } from '../../fhir/synthetic/index.js';

const pathOf = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof MurmurError, String(e));
    return e.details.path;
  }
  assert.fail('expected a refusal');
};

test('a new request answers to its trace number; a Claim update names its prior Claim through the included prior version', () => {
  const first = parsePasSubmission(syntheticRequest('missing-titer'));
  assert.equal(first.prior, undefined);
  assert.equal(first.identifiers.length, 1);
  assert.ok(first.identifiers[0]!.startsWith(`${PA_TRACE_SYSTEM}|PA-`));
  const update = parsePasSubmission(syntheticUpdate('missing-titer', { titerDenominator: 25 }));
  assert.deepEqual(update.prior, first.identifiers, 'the update points at the first request');
  assert.notDeepEqual(update.identifiers, first.identifiers);
  assert.ok(
    update.resources.some((r) => r.resourceType === 'Observation' && JSON.stringify(r).includes('AAV9')),
    'the update carries the titer',
  );
});

test('PAS rules the payer relies on: a trace number, a prior Claim it can find, an inquiry naming a Claim', () => {
  const bundle = syntheticRequest('reference');
  const claim = bundle.entry![0]!.resource as Claim;
  assert.equal(
    pathOf(() => parsePasSubmission({ ...bundle, entry: [{ ...bundle.entry![0], resource: { ...claim, identifier: [] } }, ...bundle.entry!.slice(1)] })),
    'Claim.identifier',
  );
  const dangling = { ...claim, related: [{ claim: { reference: 'urn:uuid:nowhere' } }] };
  assert.equal(
    pathOf(() => parsePasSubmission({ ...bundle, entry: [{ ...bundle.entry![0], resource: dangling }, ...bundle.entry!.slice(1)] })),
    'Claim.related[0].claim',
  );
  assert.equal(
    pathOf(() => parsePasInquiry({ resourceType: 'Bundle', type: 'collection', entry: [] })),
    'Bundle.entry',
  );
  assert.equal(
    pathOf(() => parsePasInquiry({ resourceType: 'Bundle', entry: [{ resource: { ...claim, identifier: undefined } }] })),
    'Claim.identifier',
  );
  assert.deepEqual(parsePasInquiry({ resourceType: 'Bundle', entry: [{ resource: claim }] }).identifiers, [
    `${PA_TRACE_SYSTEM}|${claim.identifier![0]!.value}`,
  ]);
});

test("the answer Bundle refers to the submitter's Claim by identifier, carries the tracking number, and asks for missing documents by LOINC code", () => {
  const bundle: Bundle = syntheticRequest('missing-titer');
  const claim = bundle.entry![0]!.resource as Claim;
  const patient = bundle.entry!.find((e) => e.resource?.resourceType === 'Patient')!.resource as never;
  const decided: ClaimResponse = {
    resourceType: 'ClaimResponse',
    status: 'active',
    use: 'preauthorization',
    outcome: 'queued',
    created: '2026-03-02T09:00:00Z',
    type: claim.type!,
    patient: { reference: 'Patient/internal-id' },
    insurer: { display: 'Payer' },
    request: { reference: 'Claim/internal-id' },
  };
  let n = 0;
  const answer = pasAnswerBundle({
    claimResponse: decided,
    claim,
    patient,
    trackingNumber: 'NW-TRACK',
    missing: [{ description: 'Baseline anti-AAV9 antibody titer', code: { system: 'http://loinc.org', code: '11502-2' } }],
    newUuid: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
  });
  const cr = answer.entry![0]!.resource as ClaimResponse;
  assert.deepEqual(cr.request, { identifier: claim.identifier![0] });
  assert.equal(cr.identifier![0]!.value, 'NW-TRACK');
  assert.equal(cr.patient.reference, answer.entry![1]!.fullUrl, 'no internal ids leave the payer');
  const asked = answer.entry!.find((e) => e.resource?.resourceType === 'CommunicationRequest')!;
  assert.deepEqual(cr.communicationRequest, [{ reference: asked.fullUrl }]);
  assert.equal((asked.resource as { reasonCode: { coding: { code: string }[] }[] }).reasonCode[0]!.coding[0]!.code, '11502-2');
  assert.throws(
    () => pasAnswerBundle({ claimResponse: { ...decided, created: 'yesterday' }, claim, patient, trackingNumber: 'x', newUuid: () => 'u' }),
    /not valid FHIR R4/,
  );
});
