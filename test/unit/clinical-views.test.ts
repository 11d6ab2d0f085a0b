import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bundleResources, syntheticRequest } from '../../fhir/synthetic/index.js';
import { inElement, selectElements } from '../../core/agents/clinical/elements.js';
import { elementsFor, northwindZolgensmaPolicy } from '../../core/agents/clinical/policy.js';
import type { DataElement } from '../../core/agents/clinical/types.js';

const policy = northwindZolgensmaPolicy;
const resources = bundleResources(syntheticRequest('compound-heterozygous'));

test("the payer's elements are exactly what its criteria read: no genotype, titer, phenotype or plan", () => {
  const payer = elementsFor(policy, 'payer');
  for (const e of ['smn-genotype', 'aav9-titer', 'cyp2d6-phenotype', 'medication-plan'] as DataElement[]) assert.ok(!payer.includes(e), e);
  const view = selectElements(resources, payer);
  for (const e of ['smn-genotype', 'aav9-titer', 'cyp2d6-phenotype', 'medication-plan'] as DataElement[]) {
    assert.ok(!view.some((r) => inElement(r, e)), `payer view holds ${e}`);
  }
  assert.ok(!JSON.stringify(view).includes('HGNC:'), 'no gene anywhere in the payer view');
  assert.ok(!JSON.stringify(view).includes('c.815A>G'));
});

test("the payer's view of the patient is the demographics projection: no name or identifier", () => {
  const patient = selectElements(resources, elementsFor(policy, 'payer')).find((r) => r.resourceType === 'Patient')!;
  assert.deepEqual(Object.keys(patient).sort(), ['birthDate', 'gender', 'id', 'resourceType']);
});

test("the lab's view holds genotype and titer but no demographics, claim or prescriber", () => {
  const view = selectElements(resources, [...elementsFor(policy, 'lab'), 'cyp2d6-phenotype']);
  assert.ok(view.length > 0);
  assert.ok(view.every((r) => r.resourceType === 'Observation'));
  assert.ok(!JSON.stringify(view).includes('Synthetic'), 'no patient name');
  assert.equal(view.filter((r) => inElement(r, 'smn-genotype')).length, 3);
});

test('the medication plan excludes SMN therapies and the gene therapy itself', () => {
  const nus = bundleResources(syntheticRequest('nusinersen-planned'));
  const plan = selectElements(nus, ['medication-plan']);
  assert.ok(!JSON.stringify(plan).toLowerCase().includes('nusinersen'));
  assert.equal(selectElements(nus, ['smn-therapy']).length, 1);
});

test('coded-only orders: a plan drug without text stays in the plan, a coded-only SMN therapy does not', () => {
  const coded = (code: string) => ({
    resourceType: 'MedicationRequest',
    medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code }] },
  });
  assert.equal(selectElements([coded('6915')], ['medication-plan']).length, 1);
  assert.equal(selectElements([coded('1872251')], ['medication-plan']).length, 0);
  assert.equal(selectElements([coded('1872251')], ['smn-therapy']).length, 1);
});
