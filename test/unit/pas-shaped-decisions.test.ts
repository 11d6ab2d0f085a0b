import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Claim, ClaimResponse } from '@medplum/fhirtypes';
import { withAttachedRecords } from '../../core/agents/clinical/attachments.js';
import { decide, evaluateCriteria } from '../../core/agents/clinical/criteria.js';
import { selectElements } from '../../core/agents/clinical/elements.js';
import { screenGenomics } from '../../core/agents/clinical/genomics.js';
import { decideItems, manualReviewDecision, policyForClaim } from '../../core/agents/clinical/items.js';
import { SHIPPED_POLICIES, elementsFor } from '../../core/agents/clinical/policy.js';
import type { Decision, FhirResource } from '../../core/agents/clinical/types.js';
import { buildClaimResponse } from '../../fhir/pas/claim-response.js';
import { parsePasRequest } from '../../fhir/pas/request.js';
import { EHR_BASE, bundleResources, pasExpected, pasScenarios, pasShapedRequest, type PasScenario } from '../../fhir/synthetic/index.js';

/**
 * Requests in the shape EHRs send under PAS (provider = the requesting Organization, the
 * prescriber in careTeam, facts behind supportingInfo and inside attachments), decided the
 * way the coalition's agents decide them: each evaluator on its own minimum-necessary view.
 */
function decideRequest(scenario: PasScenario): { decision: Decision; claim: FhirResource } {
  const pool = withAttachedRecords(bundleResources(pasShapedRequest(scenario)));
  const claim = pool.find((r) => r.resourceType === 'Claim')!;
  const policy = policyForClaim(claim, SHIPPED_POLICIES);
  if (policy.manualReview) return { decision: manualReviewDecision(policy, claim), claim };
  const lab = screenGenomics(selectElements(pool, [...elementsFor(policy, 'lab'), 'cyp2d6-phenotype']), policy);
  const payer = evaluateCriteria(policy, selectElements(pool, elementsFor(policy, 'payer')), { evaluatedBy: 'payer' });
  return { decision: decideItems(policy, claim, decide(policy, [...lab.summary.criteria, ...payer], { caveats: [] })), claim };
}

const reviewCode = (cr: ClaimResponse, i: number): string | undefined =>
  cr.item?.[i]?.adjudication?.[0]?.extension?.[0]?.extension?.find((e) => e.url === 'code')?.valueCodeableConcept?.coding?.[0]?.code;
const X12 = { approved: 'A1', denied: 'A3', pended: 'A4' } as const;

test('the fixtures are in the PAS shape: https fullUrls, relative references, an Organization provider, valid R4', () => {
  for (const scenario of pasScenarios) {
    const bundle = pasShapedRequest(scenario);
    const request = parsePasRequest(bundle);
    assert.equal(bundle.type, 'collection');
    assert.ok(
      bundle.entry!.every((e) => e.fullUrl!.startsWith(`${EHR_BASE}/`)),
      scenario,
    );
    assert.match(request.claim.provider.reference!, /^Organization\/[0-9a-f-]+$/);
    assert.match(request.claim.patient.reference!, /^Patient\//);
    assert.ok(!JSON.stringify(bundle).includes('urn:uuid:'), scenario);
    assert.ok(!JSON.stringify(bundle).includes('murmur.dev/fhir/CodeSystem/lab/respiratory'), scenario);
  }
});

for (const scenario of pasScenarios) {
  const want = pasExpected(scenario);
  test(`${scenario}: ${want.outcome}, items ${want.items.join('/')}`, () => {
    const { decision, claim } = decideRequest(scenario);
    assert.equal(decision.outcome, want.outcome, decision.reasons.join(' | '));
    assert.deepEqual(
      decision.criteria.filter((c) => c.status !== 'met').map((c) => c.id),
      want.criteria,
    );
    assert.deepEqual(
      decision.missing.map((m) => m.code?.code),
      want.missing,
    );
    assert.deepEqual(
      decision.items?.map((i) => i.outcome),
      want.items,
    );
    // The ClaimResponse answers each submitted item once, and no other.
    const cr = buildClaimResponse(claim as unknown as Claim, {
      ref: { fhirBase: 'x', patient: 'Patient/p', claim: 'Claim/c' },
      decision,
      authorizationNumber: 'NW-TEST',
      decidedAt: Date.UTC(2026, 2, 2),
    });
    assert.deepEqual(
      cr.item!.map((i) => i.itemSequence),
      (claim.item as { sequence: number }[]).map((i) => i.sequence),
    );
    assert.deepEqual(
      want.items.map((_, i) => reviewCode(cr, i)),
      want.items.map((o) => X12[o]),
    );
  });
}

test('0 false denials: every request that is approvable, or lacks data, is never denied', () => {
  const wrong = pasScenarios.filter((s) => pasExpected(s).outcome !== 'denied' && decideRequest(s).decision.outcome === 'denied');
  assert.deepEqual(wrong, []);
});

test('an Organization provider with a child neurologist in careTeam is approved, not denied as "not a neurologist"', () => {
  const { decision } = decideRequest('gt-approve');
  const prescriber = decision.criteria.find((c) => c.id === 'neurologist-prescriber')!;
  assert.equal(prescriber.status, 'met');
});

test('a pend names every missing document and every clinical-review finding at once', () => {
  const { decision, claim } = decideRequest('gt-pend-missing-titer-and-liver');
  assert.equal(decision.outcome, 'pended');
  assert.ok(decision.reasons.some((r) => /anti-AAV9/i.test(r)));
  assert.ok(decision.reasons.some((r) => /twice the upper limit of normal/.test(r)));
  const cr = buildClaimResponse(claim as unknown as Claim, {
    ref: { fhirBase: 'x', patient: 'Patient/p', claim: 'Claim/c' },
    decision,
    authorizationNumber: 'NW-TEST',
    decidedAt: 0,
  });
  const reasons = cr.item![0]!.adjudication![0]!.extension![0]!.extension!.filter((e) => e.url === 'reasonCode').map((e) => e.valueCodeableConcept?.text ?? '');
  assert.ok(reasons.some((t) => /titer/i.test(t)) && reasons.some((t) => /upper limit of normal/.test(t)), reasons.join(' | '));
});

test('a missing AST with ALT above 2 × ULN pends for the document and still reports the liver finding', () => {
  const pool = bundleResources(pasShapedRequest('gt-pend-missing-titer-and-liver')).filter((r) => !JSON.stringify(r.code ?? '').includes('1920-8'));
  const policy = SHIPPED_POLICIES[0]!;
  const liver = evaluateCriteria(policy, selectElements(pool, elementsFor(policy, 'payer')), { evaluatedBy: 'payer' }).find(
    (c) => c.id === 'baseline-liver-function',
  )!;
  assert.equal(liver.status, 'missing');
  assert.match(liver.reason, /not provided; .*twice the upper limit of normal/);
});

test('a genetic report sent only as a PDF pends for clinical review of it, and asks for nothing again', () => {
  const { decision } = decideRequest('gt-pend-genetic-report-pdf');
  const smn1 = decision.criteria.find((c) => c.id === 'smn1-biallelic')!;
  assert.equal(smn1.status, 'review');
  assert.match(smn1.reason, /attached genetic analysis report needs clinical review/);
});

test('services without a policy are pended for manual review per item, saying so', () => {
  for (const scenario of ['home-health', 'office-visit', 'surgery'] as const) {
    const { decision } = decideRequest(scenario);
    assert.equal(decision.policy.id, 'northwind-manual-review');
    assert.equal(decision.items!.length, 1);
    assert.match(decision.items![0]!.reasons[0]!, /^No coverage policy at Northwind Health Plan for (HCPCS|CPT) \w+: pended for manual review$/);
  }
  const { decision, claim } = decideRequest('gt-with-office-visit');
  assert.equal(decision.policy.id, 'northwind-zolgensma');
  assert.deepEqual(
    decision.items!.map((i) => [i.sequence, i.outcome, i.manualReview ?? false]),
    [
      [1, 'approved', false],
      [2, 'pended', true],
    ],
  );
  const cr = buildClaimResponse(claim as unknown as Claim, {
    ref: { fhirBase: 'x', patient: 'Patient/p', claim: 'Claim/c' },
    decision,
    authorizationNumber: 'NW-TEST',
    decidedAt: 0,
  });
  assert.equal(cr.outcome, 'partial');
  assert.equal(cr.preAuthRef, 'NW-TEST');
  const second = cr.item![1]!.adjudication![0]!.extension![0]!.extension!.filter((e) => e.url === 'reasonCode').map((e) => e.valueCodeableConcept?.text);
  assert.deepEqual(second, ['No coverage policy at Northwind Health Plan for CPT 99214: pended for manual review']);
  assert.equal(cr.item![0]!.adjudication![0]!.extension![0]!.extension!.filter((e) => e.url === 'reasonCode').length, 0);
});

test('the policy comes from the items: J3399 under the http or https HCPCS system, nothing else', () => {
  const claim = bundleResources(pasShapedRequest('gt-approve')).find((r) => r.resourceType === 'Claim')!;
  const item = (claim.item as { productOrService: { coding: { system: string }[] } }[])[0]!;
  assert.equal(item.productOrService.coding[0]!.system, 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets');
  assert.equal(policyForClaim(claim, SHIPPED_POLICIES).id, 'northwind-zolgensma');
  const other = { ...claim, item: [{ sequence: 1, productOrService: { coding: [{ system: 'http://example.org/local-codes', code: 'J3399' }] } }] };
  assert.equal(policyForClaim(other, SHIPPED_POLICIES).id, 'northwind-manual-review');
});

test('facts the Claim carries inline count: an ICD-10-CM diagnosis code with no Condition, the taxonomy on careTeam.qualification, J3399 filed under CPT', () => {
  const bundle = pasShapedRequest('gt-approve');
  const claim = bundle.entry![0]!.resource as Claim;
  bundle.entry = bundle.entry!.filter((e) => !(e.resource?.resourceType === 'Condition'));
  claim.diagnosis = [{ sequence: 1, diagnosisCodeableConcept: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'G12.0' }] } }];
  claim.careTeam![0]!.qualification = { coding: [{ system: 'http://nucc.org/provider-taxonomy', code: '2084N0402X' }] };
  claim.item![0]!.productOrService = { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: 'J3399' }] };
  for (const e of bundle.entry!) if (e.resource?.resourceType === 'PractitionerRole') delete (e.resource as { code?: unknown }).code;
  const pool = withAttachedRecords(bundleResources(bundle));
  const diagnosis = selectElements(pool, ['diagnosis']);
  assert.deepEqual(
    diagnosis.map((r) => (r.code as { coding: { code: string }[] }).coding[0]!.code),
    ['G12.0'],
    'the evidence agent finds the indication',
  );
  const policy = policyForClaim(
    pool.find((r) => r.resourceType === 'Claim')!,
    SHIPPED_POLICIES,
  );
  assert.equal(policy.id, 'northwind-zolgensma');
  const prescriber = evaluateCriteria(policy, selectElements(pool, elementsFor(policy, 'payer')), { evaluatedBy: 'payer' }).find(
    (c) => c.id === 'neurologist-prescriber',
  )!;
  assert.equal(prescriber.status, 'met');
});
