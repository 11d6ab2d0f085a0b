import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assessInteractions, cyp2d6Guidance } from '../../core/agents/clinical/pgx.js';
import { evidenceBase, gradeCertainty, synthesizeEvidence } from '../../core/agents/clinical/evidence.js';
import type { FhirResource } from '../../core/agents/clinical/types.js';
import { isMurmurError } from '../../core/common/errors.js';
import { ICD10 } from '../../core/agents/clinical/elements.js';
import { clinEvidence } from '../../core/agents/domain/clin-evidence.js';

const order = (name: string, rxnorm?: string): FhirResource => ({
  resourceType: 'MedicationRequest',
  status: 'active',
  intent: 'plan',
  medicationCodeableConcept: { ...(rxnorm ? { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: rxnorm }] } : {}), text: name },
});

test('poor metabolizer: codeine and tramadol are to be avoided (CPIC strong), by RxNorm or by name', () => {
  const r = assessInteractions({ gene: 'CYP2D6', phenotype: 'poor-metabolizer' }, [order('Codeine sulfate 15 mg'), order('analgesic', '10689')]);
  const avoid = r.caveats.find((c) => c.code === 'pgx-cyp2d6-avoid')!;
  assert.deepEqual(avoid.drugs, ['codeine', 'tramadol']);
  assert.equal(r.findings.find((f) => f.drug === 'codeine')!.strength, 'strong');
});

test('caveats only for drugs in the plan or the protocol: prednisolone alone gives none', () => {
  const r = assessInteractions({ gene: 'CYP2D6', phenotype: 'poor-metabolizer' }, []);
  assert.deepEqual(r.caveats, []);
  assert.deepEqual(
    r.findings.map((f) => f.drug),
    ['prednisolone'],
  );
  const withProtocol = assessInteractions({ gene: 'CYP2D6', phenotype: 'poor-metabolizer' }, [], { protocol: ['prednisolone', 'metoclopramide'] });
  assert.deepEqual(
    withProtocol.caveats.map((c) => c.drugs),
    [['metoclopramide']],
  );
});

test('a normal metabolizer on the same plan gets findings but no caveat', () => {
  const r = assessInteractions({ gene: 'CYP2D6', phenotype: 'normal-metabolizer' }, [order('metoclopramide'), order('codeine')]);
  assert.deepEqual(r.caveats, []);
  assert.ok(r.findings.every((f) => /^No change/.test(f.recommendation)));
  assert.ok(cyp2d6Guidance.drugs.length >= 5);
});

test('evidence for Zolgensma in SMA type 1: four trials, High certainty computed from the domains', () => {
  const s = synthesizeEvidence({ drug: 'J3399', indication: 'G12.0' });
  assert.deepEqual(
    s.trials.map((t) => t.id),
    ['NCT02122952', 'NCT03306277', 'NCT03461289', 'NCT03505099'],
  );
  assert.equal(s.certainty, 'High');
  assert.equal(synthesizeEvidence({ drug: 'Zolgensma', indication: 'g12.0' }).certainty, 'High');
  assert.ok(s.grade.some((g) => g.domain === 'risk of bias'));
});

test('GRADE follows the ratings: a serious limitation removes the upgrade, a smaller effect lowers certainty', () => {
  const body = evidenceBase[0]!;
  assert.equal(gradeCertainty(body.design, { ...body.grade, riskOfBias: { rating: 'serious', note: 'x' } }), 'Very low');
  assert.equal(
    gradeCertainty(body.design, { ...body.grade, largeEffect: { rating: 'large', note: 'x' }, doseResponse: { rating: 'absent', note: 'x' } }),
    'Moderate',
  );
  assert.equal(gradeCertainty('randomized', { ...body.grade, imprecision: { rating: 'serious', note: 'x' } }), 'Moderate');
  assert.throws(
    () => synthesizeEvidence({ drug: 'J3399', indication: 'G71.01' }),
    (e) => isMurmurError(e, 'E_NOT_FOUND'),
  );
});

test("the SMA therapies' evidence covers later-onset SMA (G12.1) and unspecified SMA (G12.9), as their trials do", () => {
  for (const drug of ['J2326', '2381341', 'J3399'])
    for (const indication of ['G12.0', 'G12.1', 'G12.9']) assert.ok(synthesizeEvidence({ drug, indication }).trials.length > 0, `${drug} ${indication}`);
});

test('no evidence body for the pair is delivered as a finding, not thrown: the determination goes on without trials', async () => {
  const work = clinEvidence.work['evidence-synthesis']!;
  const ctx = (indication: string) =>
    ({
      case: { task: { service: { code: 'J3399' } } },
      ref: {},
      data: { fetch: async () => [{ resourceType: 'Condition', code: { coding: [{ system: ICD10, code: indication }] } }] },
    }) as unknown as Parameters<typeof work>[0];
  const none = await work(ctx('G71.01'));
  assert.deepEqual(
    none.sections.map((x) => x.plaintext),
    [{ found: false, drug: 'J3399', indication: 'G71.01' }],
  );
  const many = (codes: string[]) =>
    ({
      case: { task: { service: { code: 'J3399' } } },
      ref: {},
      data: { fetch: async () => codes.map((code) => ({ resourceType: 'Condition', code: { coding: [{ system: ICD10, code }] } })) },
    }) as unknown as Parameters<typeof work>[0];
  // The SMA diagnosis second on the claim is still the one the evidence is for.
  assert.equal(((await work(many(['R62.50', 'G12.1']))).sections[0]!.plaintext as { certainty: string }).certainty, 'High');
  assert.deepEqual((await work(many([]))).sections[0]!.plaintext, { found: false, drug: 'J3399', indication: 'none coded in ICD-10-CM' });
  const some = await work(ctx('G12.0'));
  assert.equal((some.sections[0]!.plaintext as { certainty: string }).certainty, 'High');
});
