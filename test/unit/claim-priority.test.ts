import assert from 'node:assert/strict';
import { test } from 'node:test';
import { priorityOf } from '../../core/agents/clinical/items.js';
import type { FhirResource } from '../../core/agents/clinical/types.js';
import { syntheticRequest } from '../../fhir/synthetic/index.js';

const claimOf = (patch: Record<string, unknown>): FhirResource => {
  const claim = syntheticRequest('reference').entry!.find((e) => e.resource?.resourceType === 'Claim')!.resource as unknown as Record<string, unknown>;
  return { ...claim, ...patch } as FhirResource;
};
const LEVEL = 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-levelOfServiceType';

test("a request's review clock comes from the PAS Claim: stat priority or an urgent/emergency level of service is expedited", () => {
  assert.equal(priorityOf(claimOf({})), 'standard', 'the synthetic Claim is priority normal');
  assert.equal(priorityOf(claimOf({ priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'stat' }] } })), 'expedited');
  assert.equal(
    priorityOf(claimOf({ priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'deferred' }] } })),
    'standard',
  );
  assert.equal(
    priorityOf(claimOf({ priority: { coding: [{ system: 'http://example.org/other', code: 'stat' }] } })),
    'standard',
    'only the processpriority code system counts',
  );
  for (const code of ['U', '03'])
    assert.equal(
      priorityOf(claimOf({ extension: [{ url: LEVEL, valueCodeableConcept: { coding: [{ system: 'https://codesystem.x12.org/005010/1338', code }] } }] })),
      'expedited',
      code,
    );
  assert.equal(priorityOf(claimOf({ extension: [{ url: LEVEL, valueCodeableConcept: { coding: [{ code: 'E' }] } }] })), 'standard', 'elective');
});
