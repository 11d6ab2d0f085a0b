import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { bundleResources, syntheticRequest, syntheticVariants, expectedOutcome } from '../../fhir/synthetic/index.js';
import { bundleText, bundlesDir, pasBundleText } from '../../fhir/synthetic/write-bundles.js';
import { pasScenarios } from '../../fhir/synthetic/pas-shape.js';
import { HCPCS, selectElements } from '../../core/agents/clinical/elements.js';
import type { FhirResource } from '../../core/agents/clinical/types.js';
import { isMurmurError } from '../../core/common/errors.js';

test('the committed bundle files equal the generator output (run write-bundles after changing it)', () => {
  for (const variant of syntheticVariants) {
    const committed = readFileSync(`${bundlesDir}${variant}.json`, 'utf8');
    assert.equal(committed, bundleText(variant), `bundles/${variant}.json is stale`);
  }
  for (const scenario of pasScenarios) {
    assert.equal(readFileSync(`${bundlesDir}pas/${scenario}.json`, 'utf8'), pasBundleText(scenario), `bundles/pas/${scenario}.json is stale`);
  }
});

test('a variant gives the same bundle on every run and a different one on another date', () => {
  assert.deepEqual(syntheticRequest('reference'), syntheticRequest('reference'));
  const later = syntheticRequest('reference', { asOf: '2026-09-01' });
  assert.notEqual(later.entry![0]!.fullUrl, syntheticRequest('reference').entry![0]!.fullUrl);
  const claim = later.entry![0]!.resource as unknown as { item: { servicedDate: string }[] };
  assert.equal(claim.item[0]!.servicedDate, '2026-09-15');
});

test('a bad date or variant is refused with a clear error', () => {
  assert.throws(
    () => syntheticRequest('reference', { asOf: '2026-02-30' }),
    (e) => isMurmurError(e, 'E_INPUT') && /asOf/.test(e.message),
  );
  assert.throws(
    () => syntheticRequest('nope' as never),
    (e) => isMurmurError(e, 'E_INPUT') && /variant/.test(e.message),
  );
});

for (const variant of syntheticVariants) {
  test(`${variant}: a well-formed PAS-style request with resolvable references`, () => {
    const bundle = syntheticRequest(variant);
    assert.equal(bundle.type, 'collection');
    const entries = bundle.entry ?? [];
    const urls = entries.map((e) => e.fullUrl!);
    assert.ok(urls.every((u) => /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(u)));
    assert.equal(new Set(urls).size, urls.length, 'fullUrls are unique');
    const claim = entries[0]!.resource as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(claim.resourceType, 'Claim');
    assert.equal(claim.use, 'preauthorization');
    assert.equal(claim.item[0].productOrService.coding[0].system, HCPCS);
    assert.equal(claim.item[0].productOrService.coding[0].code, 'J3399');
    // Every reference anywhere in the bundle points at an entry of the bundle.
    const refs = JSON.stringify(bundle).match(/"reference":"[^"]+"/g) ?? [];
    for (const r of refs) assert.ok(urls.includes(r.slice(13, -1)), `dangling ${r}`);
    const patientUrl = urls[entries.findIndex((e) => e.resource?.resourceType === 'Patient')];
    for (const r of bundleResources(bundle).filter((x) => x.resourceType === 'Observation' || x.resourceType === 'Condition')) {
      assert.equal((r.subject as { reference: string }).reference, patientUrl);
    }
    assert.ok(expectedOutcome(variant));
  });
}

test('variants differ from the reference only where they should', () => {
  const titer = (v: (typeof syntheticVariants)[number]) =>
    selectElements(bundleResources(syntheticRequest(v)), ['aav9-titer']) as (FhirResource & { valueRatio?: { denominator: { value: number } } })[];
  assert.equal(titer('reference')[0]!.valueRatio!.denominator.value, 25);
  assert.equal(titer('titer-1-100')[0]!.valueRatio!.denominator.value, 100);
  assert.equal(titer('missing-titer').length, 0);
  const plan = selectElements(bundleResources(syntheticRequest('reference')), ['medication-plan']);
  assert.deepEqual(plan.map((m) => (m.medicationCodeableConcept as { text: string }).text).sort(), ['metoclopramide', 'ondansetron', 'prednisolone']);
  const smn = selectElements(bundleResources(syntheticRequest('nusinersen-planned')), ['smn-therapy']);
  assert.equal(smn.length, 1);
});
