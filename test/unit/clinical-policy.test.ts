import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bundleResources, syntheticRequest } from '../../fhir/synthetic/index.js';
import { selectElements } from '../../core/agents/clinical/elements.js';
import { elementsFor, northwindZolgensmaPolicy, parsePolicy, policyHash } from '../../core/agents/clinical/policy.js';
import { decide, evaluateCriteria } from '../../core/agents/clinical/criteria.js';
import { isMurmurError } from '../../core/common/errors.js';

const copy = () => structuredClone(northwindZolgensmaPolicy) as unknown as { criteria: Record<string, unknown>[] } & Record<string, unknown>;

test("the shipped policy has the scenario's nine criteria with the right evaluators", () => {
  const p = northwindZolgensmaPolicy;
  assert.equal(p.service?.code, 'J3399');
  assert.deepEqual(
    p.criteria.map((c) => c.number),
    [1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.deepEqual(
    p.criteria.filter((c) => c.evaluatedBy === 'lab').map((c) => c.number),
    [1, 3, 4],
  );
});

test('a criterion without an expression is refused, naming the field', () => {
  const bad = copy();
  delete bad.criteria[3]!.notMet;
  assert.throws(
    () => parsePolicy(bad),
    (e) => isMurmurError(e, 'E_SCHEMA') && /criteria\[3\] \(aav9-titer\)\.notMet/.test(e.message),
  );
  const blank = copy();
  blank.criteria[0]!.missing = '  ';
  assert.throws(
    () => parsePolicy(blank),
    (e) => isMurmurError(e, 'E_SCHEMA') && /criteria\[0\] \(smn1-biallelic\)\.missing: must be a non-empty FHIRPath expression/.test(e.message),
  );
});

test('an expression that is not FHIRPath, an unknown data element or a duplicate id is refused', () => {
  const syntax = copy();
  syntax.criteria[2]!.notMet = '%resources.where(';
  assert.throws(
    () => parsePolicy(syntax),
    (e) => isMurmurError(e, 'E_SCHEMA') && /criteria\[2\] \(smn2-copy-number\)\.notMet: is not a valid FHIRPath/.test(e.message),
  );
  const element = copy();
  element.criteria[1]!.elements = ['demographics', 'shoe-size'];
  assert.throws(
    () => parsePolicy(element),
    (e) => isMurmurError(e, 'E_SCHEMA') && /criteria\[1\] \(age-under-24-months\)\.elements\[1\]/.test(e.message),
  );
  const dup = copy();
  dup.criteria[1]!.id = dup.criteria[0]!.id;
  assert.throws(
    () => parsePolicy(dup),
    (e) => isMurmurError(e, 'E_SCHEMA') && /duplicates criterion id/.test(e.message),
  );
  const shadow = copy();
  shadow.criteria[3]!.parameters = { resources: 1 };
  assert.throws(
    () => parsePolicy(shadow),
    (e) => isMurmurError(e, 'E_SCHEMA') && /parameters\.resources/.test(e.message),
  );
});

test('policy as data: raising the titer threshold to 1:200 in a copy approves titer-1-100', () => {
  const resources = bundleResources(syntheticRequest('titer-1-100'));
  const run = (p: typeof northwindZolgensmaPolicy) =>
    decide(
      p,
      [
        ...evaluateCriteria(p, selectElements(resources, elementsFor(p, 'lab')), { evaluatedBy: 'lab' }),
        ...evaluateCriteria(p, selectElements(resources, elementsFor(p, 'payer')), { evaluatedBy: 'payer' }),
      ],
      { caveats: [] },
    ).outcome;
  assert.equal(run(northwindZolgensmaPolicy), 'denied');
  const looser = copy();
  (looser.criteria.find((c) => c.id === 'aav9-titer')!.parameters as Record<string, number>).maxTiterDenominator = 200;
  looser.version = '2026.2';
  const parsed = parsePolicy(looser);
  assert.equal(run(parsed), 'approved');
  assert.notEqual(policyHash(parsed), policyHash(northwindZolgensmaPolicy));
});

test('policyHash is canonical: key order does not change it', () => {
  const reordered = Object.fromEntries(Object.entries(northwindZolgensmaPolicy).reverse());
  assert.equal(policyHash(parsePolicy(reordered)), policyHash(northwindZolgensmaPolicy));
  assert.match(policyHash(northwindZolgensmaPolicy), /^[0-9a-f]{64}$/);
});

test('data an expression cannot read pends for clinical review instead of crashing or passing', () => {
  const resources = bundleResources(syntheticRequest('reference'));
  const smn1 = resources.find((r) => JSON.stringify(r).includes('HGNC:11117'))!;
  const components = smn1.component as { code: { coding: { code: string }[] } }[];
  const copyNumber = components.find((c) => c.code.coding[0]!.code === '82155-3')!;
  // Two copy-number values on one observation: ambiguous, so no automatic verdict.
  const odd = { ...smn1, component: [...components, { ...copyNumber, valueInteger: 2 }] };
  const lab = evaluateCriteria(northwindZolgensmaPolicy, [...resources.filter((r) => r !== smn1), odd], { evaluatedBy: 'lab' });
  const result = lab.find((r) => r.id === 'smn1-biallelic')!;
  assert.equal(result.status, 'review');
  assert.doesNotMatch(result.reason, /HGNC|\d/);
});
