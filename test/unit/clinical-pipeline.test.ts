import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bundleResources, expectedOutcome, syntheticRequest, syntheticVariants, type CaseVariant } from '../../fhir/synthetic/index.js';
import { selectElements } from '../../core/agents/clinical/elements.js';
import { elementsFor, northwindZolgensmaPolicy, type CoveragePolicy } from '../../core/agents/clinical/policy.js';
import { decide, evaluateCriteria } from '../../core/agents/clinical/criteria.js';
import { pgxActionable, screenGenomics } from '../../core/agents/clinical/genomics.js';
import { assessInteractions } from '../../core/agents/clinical/pgx.js';
import type { Decision, FhirResource, InteractionReport } from '../../core/agents/clinical/types.js';

const policy = northwindZolgensmaPolicy;

/** The coalition's work on one case, each agent on its own minimum-necessary view. */
function runCase(resources: FhirResource[], p: CoveragePolicy = policy): { decision: Decision; interactions?: InteractionReport } {
  const lab = screenGenomics(selectElements(resources, [...elementsFor(p, 'lab'), 'cyp2d6-phenotype']), p);
  const payer = evaluateCriteria(p, selectElements(resources, elementsFor(p, 'payer')), { evaluatedBy: 'payer' });
  const interactions = pgxActionable(lab.pgx) ? assessInteractions(lab.pgx!, selectElements(resources, ['medication-plan'])) : undefined;
  const decision = decide(p, [...lab.summary.criteria, ...payer], { caveats: interactions?.caveats ?? [] });
  return { decision, ...(interactions ? { interactions } : {}) };
}

const resourcesOf = (v: CaseVariant) => bundleResources(syntheticRequest(v));

for (const variant of syntheticVariants) {
  test(`${variant}: the coalition decides ${expectedOutcome(variant).outcome}`, () => {
    const want = expectedOutcome(variant);
    const { decision } = runCase(resourcesOf(variant));
    assert.equal(decision.outcome, want.outcome);
    const blocking = decision.criteria.filter((c) => c.status !== 'met').map((c) => c.id);
    assert.deepEqual(blocking, want.criteria);
    assert.equal(
      decision.caveats.some((c) => c.code.startsWith('pgx-cyp2d6')),
      want.pgxCaveat,
    );
    assert.equal(decision.criteria.length, 9);
    assert.deepEqual(decision.policy, { id: 'northwind-zolgensma', version: '2026.1' });
  });
}

test('reference: approved with a caveat naming metoclopramide, and no change for ondansetron', () => {
  const { decision, interactions } = runCase(resourcesOf('reference'));
  assert.equal(decision.outcome, 'approved');
  assert.deepEqual(decision.reasons, []);
  assert.equal(decision.caveats.length, 1);
  assert.deepEqual(decision.caveats[0]!.drugs, ['metoclopramide']);
  assert.equal(decision.caveats[0]!.code, 'pgx-cyp2d6-reduce-dose');
  assert.match(decision.caveats[0]!.text, /poor metabolizer.*metoclopramide/);
  const ondansetron = interactions!.findings.find((f) => f.drug === 'ondansetron')!;
  assert.match(ondansetron.recommendation, /^No change/);
  assert.match(interactions!.findings.find((f) => f.drug === 'prednisolone')!.recommendation, /not a CYP2D6 substrate/);
  assert.ok(!decision.caveats.some((c) => c.drugs?.includes('ondansetron')));
});

test('age-30-months: denied citing the age criterion and its X12 reason', () => {
  const { decision } = runCase(resourcesOf('age-30-months'));
  assert.equal(decision.outcome, 'denied');
  assert.deepEqual(decision.reasons, ['Patient is 24 months or older on the planned infusion date']);
  assert.equal(decision.criteria.find((c) => c.id === 'age-under-24-months')!.x12Reason, '6');
  assert.deepEqual(decision.caveats, [], 'a denial carries no caveat');
});

test('titer-1-100: denied citing the titer criterion, evaluated by the lab', () => {
  const { decision } = runCase(resourcesOf('titer-1-100'));
  assert.equal(decision.outcome, 'denied');
  const c = decision.criteria.find((x) => x.status === 'not-met')!;
  assert.equal(c.id, 'aav9-titer');
  assert.equal(c.evaluatedBy, 'lab');
  assert.match(decision.reasons[0]!, /anti-AAV9/i);
});

test('missing-titer: pended with a request for the titer report', () => {
  const { decision } = runCase(resourcesOf('missing-titer'));
  assert.equal(decision.outcome, 'pended');
  assert.equal(decision.missing.length, 1);
  assert.match(decision.missing[0]!.description, /anti-AAV9 antibody titer/);
  assert.equal(decision.missing[0]!.code?.code, '11502-2');
  assert.equal(decision.criteria.find((c) => c.id === 'aav9-titer')!.x12Reason, '252');
});

test('liver-3x-uln: pended for clinical review, not for a document', () => {
  const { decision } = runCase(resourcesOf('liver-3x-uln'));
  assert.equal(decision.outcome, 'pended');
  assert.equal(decision.criteria.find((c) => c.id === 'baseline-liver-function')!.status, 'review');
  assert.deepEqual(decision.missing, []);
});

test('cyp2d6-normal: approved without caveat, and no drug-interaction gap is raised', () => {
  const resources = resourcesOf('cyp2d6-normal');
  const lab = screenGenomics(selectElements(resources, [...elementsFor(policy, 'lab'), 'cyp2d6-phenotype']), policy);
  assert.deepEqual(lab.pgx, { gene: 'CYP2D6', phenotype: 'normal-metabolizer' });
  assert.equal(pgxActionable(lab.pgx), false);
  const { decision } = runCase(resources);
  assert.equal(decision.outcome, 'approved');
  assert.deepEqual(decision.caveats, []);
});

test('compound heterozygosity needs the pathogenic point mutation: without it, denied on SMN1', () => {
  const resources = resourcesOf('compound-heterozygous');
  const lab = screenGenomics(selectElements(resources, ['smn-genotype', 'cyp2d6-phenotype']), policy);
  assert.deepEqual(
    lab.detail.variants.filter((v) => v.gene === 'SMN1').map((v) => v.kind),
    ['copy-number', 'point-mutation'],
  );
  const withoutMutation = resources.filter((r) => !(r.resourceType === 'Observation' && Array.isArray(r.interpretation)));
  assert.equal(withoutMutation.length, resources.length - 1);
  const { decision } = runCase(withoutMutation);
  assert.equal(decision.outcome, 'denied');
  assert.deepEqual(
    decision.criteria.filter((c) => c.status === 'not-met').map((c) => c.id),
    ['smn1-biallelic'],
  );
});

test('ventilator dependence coded in SNOMED CT alone (no ICD-10-CM) denies on advanced SMA', () => {
  const resources = resourcesOf('ventilator-dependent').map((r) =>
    r.resourceType === 'Condition' && JSON.stringify(r.code).match(/Z99\.11|Z93\.0/)
      ? { ...r, code: { coding: (r.code as { coding: { system: string }[] }).coding.filter((c) => c.system === 'http://snomed.info/sct') } }
      : r,
  );
  assert.ok(!JSON.stringify(resources).includes('Z99.11'));
  const { decision } = runCase(resources);
  assert.equal(decision.outcome, 'denied');
  assert.deepEqual(
    decision.criteria.filter((c) => c.status === 'not-met').map((c) => c.id),
    ['no-advanced-sma'],
  );
});

test('a resolved or refuted ventilator dependence is no evidence of advanced SMA', () => {
  for (const status of [{ clinicalStatus: { coding: [{ code: 'resolved' }] } }, { verificationStatus: { coding: [{ code: 'refuted' }] } }]) {
    const resources = resourcesOf('ventilator-dependent').map((r) =>
      r.resourceType === 'Condition' && JSON.stringify(r.code).match(/Z99\.11|Z93\.0/) ? { ...r, ...status } : r,
    );
    assert.equal(runCase(resources).decision.outcome, 'approved');
  }
});

test('a criterion nobody evaluated pends the case instead of approving it', () => {
  const resources = resourcesOf('reference');
  const payer = evaluateCriteria(policy, selectElements(resources, elementsFor(policy, 'payer')), { evaluatedBy: 'payer' });
  const decision = decide(policy, payer, { caveats: [] });
  assert.equal(decision.outcome, 'pended');
  assert.deepEqual(
    decision.criteria.filter((c) => c.status === 'missing').map((c) => c.id),
    ['smn1-biallelic', 'smn2-copy-number', 'aav9-titer'],
  );
});

test('deny takes precedence over pend: a not-met criterion denies even when another is missing', () => {
  const resources = resourcesOf('age-30-months').filter((r) => !JSON.stringify(r).includes('anti-aav9-ab-titer'));
  const { decision } = runCase(resources);
  assert.equal(decision.outcome, 'denied');
  assert.deepEqual(decision.missing, []);
});

test('the lab cannot evaluate payer criteria on its view, and the payer cannot evaluate lab criteria on its view', () => {
  const resources = resourcesOf('reference');
  const payerViewLab = evaluateCriteria(policy, selectElements(resources, elementsFor(policy, 'payer')), { evaluatedBy: 'lab' });
  assert.ok(
    payerViewLab.every((r) => r.status === 'missing'),
    'the payer view holds no genotype or titer',
  );
});

test('the planned date comes from the Claim: the same birth date is over age on a later infusion date', () => {
  const resources = resourcesOf('reference');
  const claim = resources.find((r) => r.resourceType === 'Claim')!;
  const later = { ...claim, item: [{ ...(claim.item as object[])[0], servicedDate: '2027-08-01' }] };
  const payer = evaluateCriteria(policy, selectElements([...resources.filter((r) => r !== claim), later], elementsFor(policy, 'payer')), {
    evaluatedBy: 'payer',
  });
  assert.equal(payer.find((r) => r.id === 'age-under-24-months')!.status, 'not-met');
});
