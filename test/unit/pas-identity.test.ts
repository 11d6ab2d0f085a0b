import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Claim, Coverage } from '@medplum/fhirtypes';
import { cancellationOf, changedParty, partiesMatch, requestHash, requestParties, requestUrls } from '../../fhir/pas/identity.js';
import { parsePasRequest } from '../../fhir/pas/request.js';
import { syntheticRequest } from '../../fhir/synthetic/index.js';
import { markItem, pasRequest } from '../support/pas-fixtures.js';

const claimOf = (b: ReturnType<typeof syntheticRequest>): Claim => b.entry![0]!.resource as Claim;

test('the content hash ignores what a resend changes (Bundle id, identifier, timestamp, meta, narrative) and nothing else', () => {
  const a = syntheticRequest('reference');
  const resent = {
    ...structuredClone(a),
    id: 'again',
    timestamp: '2027-01-01T00:00:00Z',
    identifier: { value: 'tx-9' },
    meta: { lastUpdated: '2027-01-01T00:00:00Z' },
  };
  claimOf(resent).meta = { versionId: '7' };
  assert.equal(requestHash(resent), requestHash(a));
  const changed = structuredClone(a);
  claimOf(changed).item![0]!.quantity = { value: 2 };
  assert.notEqual(requestHash(changed), requestHash(a), 'another quantity is another request');
});

test('parties are business identity: the same patient under other Bundle ids matches, another member does not', () => {
  const a = parsePasRequest(pasRequest('reference', { trace: 't-1' }));
  const b = parsePasRequest(syntheticRequest('reference'));
  assert.equal(changedParty(requestParties(a), requestParties(b)), 'provider', 'the PAS shape names the Organization, the synthetic one the PractitionerRole');
  const other = syntheticRequest('reference');
  (other.entry!.find((e) => e.resource?.resourceType === 'Coverage')!.resource as Coverage).subscriberId = 'NW-OTHER';
  assert.equal(changedParty(requestParties(b), requestParties(parsePasRequest(other))), 'member');
  assert.ok(
    partiesMatch(requestParties(b), { patient: requestParties(b).patient, member: '', insurer: '', provider: '' }),
    'an inquiry matches on the keys it gives',
  );
  assert.deepEqual(requestUrls(a).orgIdentifiers, ['http://hl7.org/fhir/sid/us-npi|1999999992'], 'the requesting organization, for the org-identifier filter');
  assert.match(requestUrls(a).patient!, /^https:\/\/.*\/Patient\//);
});

test('a cancel is Claim.status cancelled, certification type 3, or the infoCancelled flag on items (2.x modifier, 1.x extension)', () => {
  const b = pasRequest('reference', { trace: 't-2', otherServices: true });
  const claim = claimOf(b);
  assert.equal(cancellationOf(claim), undefined);
  assert.deepEqual(cancellationOf({ ...claim, status: 'cancelled' }), { whole: true, items: [1, 2, 3] });
  assert.deepEqual(cancellationOf({ ...claim, item: [claim.item![0]!, markItem(claim.item![1]!, 'cancelled'), claim.item![2]!] }), {
    whole: false,
    items: [2],
  });
  const legacy = {
    ...claim.item![2]!,
    extension: [{ url: 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-infoCancelledFlag', valueBoolean: true }],
  };
  assert.deepEqual(cancellationOf({ ...claim, item: [claim.item![0]!, claim.item![1]!, legacy] }), { whole: false, items: [3] });
  const cert3 = {
    url: 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-certificationType',
    valueCodeableConcept: { coding: [{ system: 'https://codesystem.x12.org/005010/1322', code: '3' }] },
  };
  assert.equal(cancellationOf({ ...claim, extension: [cert3] })?.whole, true);
  assert.deepEqual(cancellationOf({ ...claim, item: [{ ...claim.item![0]!, extension: [cert3] }] }), { whole: false, items: [1] });
});
