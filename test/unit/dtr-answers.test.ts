import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Extension, Resource } from '@medplum/fhirtypes';
import { answersAsRecords } from '../../core/agents/clinical/answers.js';
import { selectElements } from '../../core/agents/clinical/elements.js';
import { policyForClaim } from '../../core/agents/clinical/items.js';
import { caseRecord, decideRecord } from '../../core/agents/clinical/policy-cases.js';
import {
  SHIPPED_POLICIES,
  elementsFor,
  northwindHemgenixPolicy,
  northwindNusinersenPolicy,
  northwindZolgensmaPolicy,
  parsePolicy,
} from '../../core/agents/clinical/policy.js';
import { SHIPPED_CASES } from '../../core/agents/clinical/shipped-cases.js';
import type { FhirResource } from '../../core/agents/clinical/types.js';
import { CARD_TYPE, answerOrderHook } from '../../fhir/crd/order-hooks.js';
import { COVERAGE_INFORMATION } from '../../fhir/crd/coverage-information.js';
import { QUESTIONNAIRE_BASE, questionnaireForPolicy } from '../../fhir/dtr/questionnaire.js';

/*
 * Each kind of DTR answer is evidence (liver values judged against the ULN answered beside
 * them, prior gene therapy, SMN therapy, prescriber specialty), with its author and date, and
 * reaches only the views whose elements include it. The policy is chosen by the order's code
 * in any code system it lists. The codes the provider side sends are the IGs' codes.
 */

const qr = (id: string, items: { linkId: string; answer: Record<string, unknown>[] }[]): FhirResource => ({
  resourceType: 'QuestionnaireResponse',
  id,
  status: 'completed',
  subject: { reference: 'Patient/patient' },
  author: { reference: 'Practitioner/dr-answer' },
  authored: '2026-03-04T08:00:00Z',
  item: items,
});

/** A case's record without the resources of `elements`, so only the answers can supply them. */
function without(policyId: string, elements: Parameters<typeof selectElements>[1]): FhirResource[] {
  const doc = SHIPPED_CASES[policyId]!;
  const record = caseRecord(doc, doc.cases.find((c) => c.id === 'approve') ?? doc.cases[0]!);
  const drop = new Set(selectElements(record, elements).map((r) => `${r.resourceType}/${r.id}`));
  return record.filter((r) => !drop.has(`${r.resourceType}/${r.id}`));
}

const liverAnswers = (alt: number, altUln: number | undefined) => [
  { linkId: 'alt', answer: [{ valueDecimal: alt }] },
  ...(altUln === undefined ? [] : [{ linkId: 'alt-uln', answer: [{ valueDecimal: altUln }] }]),
  { linkId: 'ast', answer: [{ valueDecimal: 20 }] },
  { linkId: 'ast-uln', answer: [{ valueDecimal: 40 }] },
  { linkId: 'bilirubin', answer: [{ valueDecimal: 0.5 }] },
  { linkId: 'bilirubin-uln', answer: [{ valueDecimal: 1.2 }] },
];

test('liver values answered with the lab ULN: at 2 x ULN met, above it clinical review, without a ULN the range is asked for', () => {
  const base = without('northwind-hemgenix', ['liver-panel']);
  const status = (alt: number, uln: number | undefined) =>
    decideRecord(northwindHemgenixPolicy, [...base, qr('qr-l', liverAnswers(alt, uln))]).statuses.get('baseline-liver-function');
  assert.equal(decideRecord(northwindHemgenixPolicy, base).statuses.get('baseline-liver-function'), 'missing', 'no liver data at all');
  assert.equal(status(80, 40), 'met', 'exactly 2 x ULN is within "<= 2 x ULN"');
  assert.equal(status(80.5, 40), 'review', 'above 2 x ULN');
  assert.equal(status(30, undefined), 'missing', 'a value without its reference range cannot be judged');
  const alt = answersAsRecords(qr('qr-l', liverAnswers(50, 40))).find((r) => r.id === 'qr-l-alt')!;
  assert.deepEqual((alt.referenceRange as { high: { value: number } }[])[0]!.high.value, 40);
  assert.deepEqual(alt.performer, [{ reference: 'Practitioner/dr-answer' }]);
  assert.equal(alt.effectiveDateTime, '2026-03-04T08:00:00Z');
  assert.deepEqual(alt.derivedFrom, [{ reference: 'QuestionnaireResponse/qr-l' }]);
});

test('prior gene therapy answered: the one the policy excludes denies, another does not; author and date on the administration', () => {
  const base = without('northwind-hemgenix', ['prior-gene-therapy']);
  const given = (code: string) =>
    decideRecord(northwindHemgenixPolicy, [
      ...base,
      qr('qr-p', [{ linkId: 'prior-gene-therapy', answer: [{ valueCoding: { system: 'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets', code } }] }]),
    ]);
  assert.equal(given('J1411').statuses.get('no-prior-gene-therapy'), 'not-met');
  assert.equal(given('J1411').outcome, 'denied');
  assert.equal(given('J3399').statuses.get('no-prior-gene-therapy'), 'met', 'Hemgenix excludes only factor IX gene therapies');
  const [ma] = answersAsRecords(qr('qr-p', [{ linkId: 'prior-gene-therapy', answer: [{ valueCoding: { code: 'J1411' } }] }]));
  assert.equal(ma!.resourceType, 'MedicationAdministration');
  assert.deepEqual(ma!.performer, [{ actor: { reference: 'Practitioner/dr-answer' } }]);
  assert.equal(ma!.effectiveDateTime, '2026-03-04T08:00:00Z');
  // Two answers to the repeating question are two administrations.
  const two = answersAsRecords(
    qr('qr-2', [{ linkId: 'prior-gene-therapy', answer: [{ valueCoding: { code: 'J3399' } }, { valueCoding: { code: 'J1413' } }] }]),
  );
  assert.deepEqual(
    two.map((r) => r.id),
    ['qr-2-prior-gene-therapy', 'qr-2-prior-gene-therapy-1'],
  );
});

test('SMN therapy answered: risdiplam denies nusinersen (no combination), nusinersen itself does not', () => {
  const base = without('northwind-nusinersen', ['smn-therapy']);
  const given = (code: string) =>
    decideRecord(northwindNusinersenPolicy, [
      ...base,
      qr('qr-s', [{ linkId: 'other-smn-therapy', answer: [{ valueCoding: { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code } }] }]),
    ]).statuses.get('no-concomitant-smn-therapy');
  assert.equal(given('2381341'), 'not-met');
  assert.equal(given('1872251'), 'met');
  assert.equal(
    decideRecord(northwindZolgensmaPolicy, [
      ...without('northwind-zolgensma', ['smn-therapy']),
      qr('qr-z', [{ linkId: 'other-smn-therapy', answer: [{ valueCoding: { code: '1872251' } }] }]),
    ]).statuses.get('no-concomitant-smn-therapy'),
    'not-met',
  );
});

test("prescriber specialty answered: a neurology taxonomy meets the criterion, another denies, none pends; it is the author's role", () => {
  const base = without('northwind-nusinersen', ['prescriber']);
  const given = (code: string | undefined) =>
    decideRecord(northwindNusinersenPolicy, [
      ...base,
      qr('qr-r', code ? [{ linkId: 'prescriber-specialty', answer: [{ valueCoding: { system: 'http://nucc.org/provider-taxonomy', code } }] }] : []),
    ]).statuses.get('neurologist-prescriber');
  assert.equal(given(undefined), 'missing');
  assert.equal(given('2084N0400X'), 'met');
  assert.equal(given('208D00000X'), 'not-met');
  const [role] = answersAsRecords(qr('qr-r', [{ linkId: 'prescriber-specialty', answer: [{ valueCoding: { code: '2084N0400X' } }] }]));
  assert.deepEqual(role!.practitioner, { reference: 'Practitioner/dr-answer' });
  assert.deepEqual(role!.period, { start: '2026-03-04T08:00:00Z' });
});

test("disclosure applies to each answer type: the lab's view of Hemgenix has none of the payer's answers, the payer's has no genotype", () => {
  const pool = [
    qr('qr-d', [
      ...liverAnswers(30, 40),
      { linkId: 'prior-gene-therapy', answer: [{ valueCoding: { code: 'J1411' } }] },
      { linkId: 'prescriber-specialty', answer: [{ valueCoding: { code: '207RH0000X' } }] },
      { linkId: 'smn1-copies', answer: [{ valueInteger: 0 }] },
    ]),
  ];
  const records = answersAsRecords(pool[0]!);
  const payer = selectElements(records, elementsFor(northwindHemgenixPolicy, 'payer'));
  assert.deepEqual(payer.map((r) => r.resourceType).sort(), ['MedicationAdministration', 'Observation', 'Observation', 'Observation', 'PractitionerRole']);
  const zolLab = selectElements(records, elementsFor(northwindZolgensmaPolicy, 'lab'));
  assert.deepEqual(
    zolLab.map((r) => r.id),
    ['qr-d-smn1-copies'],
  );
});

test('the questionnaire offers the answer lists: gene therapies and SMN therapies as repeating choices with shipped ValueSets; the ULN beside each liver value', () => {
  const { questionnaire, valueSets } = questionnaireForPolicy(northwindZolgensmaPolicy, QUESTIONNAIRE_BASE);
  const items = (questionnaire.item ?? []).flatMap((g) => g.item ?? []);
  for (const link of ['prior-gene-therapy', 'other-smn-therapy']) {
    const item = items.find((i) => i.linkId === link)!;
    assert.equal(item.type, 'choice');
    assert.equal(item.repeats, true);
    assert.ok(
      valueSets.some((v) => item.answerValueSet!.startsWith(`${v.url}|`)),
      `${link} ships its ValueSet`,
    );
  }
  for (const link of ['alt-uln', 'ast-uln', 'bilirubin-uln'])
    assert.ok(
      items.some((i) => i.linkId === link && i.type === 'decimal'),
      link,
    );
});

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const claimFor = (system: string, code: string) => ({ resourceType: 'Claim', item: [{ sequence: 1, productOrService: { coding: [{ system, code }] } }] });

test('the policy is chosen by the code in any system it lists: nusinersen by HCPCS J2326 and by RxNorm 1872251; an NDC a policy lists', () => {
  assert.equal(policyForClaim(claimFor('http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets', 'J2326'), SHIPPED_POLICIES).id, 'northwind-nusinersen');
  assert.equal(policyForClaim(claimFor(RXNORM, '1872251'), SHIPPED_POLICIES).id, 'northwind-nusinersen');
  assert.equal(policyForClaim(claimFor('urn:oid:2.16.840.1.113883.6.88', '1872251'), SHIPPED_POLICIES).id, 'northwind-nusinersen', 'the RxNorm OID');
  assert.equal(policyForClaim(claimFor(RXNORM, '2381341'), SHIPPED_POLICIES).id, 'northwind-risdiplam');
  const withNdc = parsePolicy({ ...northwindNusinersenPolicy, alsoCoded: [{ system: 'http://hl7.org/fhir/sid/ndc', code: '0000-0000-00' }] });
  assert.equal(policyForClaim(claimFor('http://hl7.org/fhir/sid/ndc', '0000-0000-00'), [withNdc, ...SHIPPED_POLICIES]).id, 'northwind-nusinersen');
  assert.equal(policyForClaim(claimFor(RXNORM, '0000000'), SHIPPED_POLICIES).id, 'northwind-manual-review');
});

let n = 0;
const deps = { policies: SHIPPED_POLICIES, questionnaireBase: QUESTIONNAIRE_BASE, now: () => new Date('2026-03-02T10:00:00Z'), newId: () => `id-${++n}` };
const hook = (coding: { system: string; code: string }, prefetch = true) => ({
  hook: 'order-sign',
  hookInstance: 'h-2',
  context: {
    userId: 'Practitioner/u',
    patientId: 'p',
    draftOrders: {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: { resourceType: 'MedicationRequest', id: 'm', status: 'draft', intent: 'order', medicationCodeableConcept: { coding: [coding] } } }],
    },
  },
  ...(prefetch ? { prefetch: { coverage: { resourceType: 'Coverage', id: 'c', status: 'active' } } } : {}),
});

test('order-sign for nusinersen coded in RxNorm: auth-needed with its questionnaire, not conditional', () => {
  const out = answerOrderHook('order-sign', hook({ system: RXNORM, code: '1872251' }), deps);
  const ext = (out.systemActions[0]!.resource as Resource & { extension: Extension[] }).extension.find((e) => e.url === COVERAGE_INFORMATION)!.extension!;
  assert.equal(ext.find((e) => e.url === 'covered')!.valueCode, 'covered');
  assert.equal(ext.find((e) => e.url === 'pa-needed')!.valueCode, 'auth-needed');
  assert.equal(ext.find((e) => e.url === 'questionnaire')!.valueCanonical, `${QUESTIONNAIRE_BASE}/Questionnaire/northwind-nusinersen|2026.1`);
});

test('CRD card topics are CRD 2.x card types (https://hl7.org/fhir/us/davinci-crd/ValueSet-cardType.html): coverage-info, insurance', () => {
  assert.equal(CARD_TYPE, 'http://hl7.org/fhir/us/davinci-crd/CodeSystem/temp');
  const topics = (body: unknown) => answerOrderHook('order-sign', body, deps).cards.map((c) => c.source.topic?.code);
  assert.deepEqual(topics(hook({ system: RXNORM, code: '2381341' })), ['coverage-info', 'coverage-info']);
  assert.deepEqual(topics(hook({ system: RXNORM, code: '2381341' }, false)), ['insurance', 'coverage-info', 'coverage-info']);
  assert.deepEqual(topics(hook({ system: RXNORM, code: '0000000' })), ['coverage-info']);
});

test('the factor IX inhibitor is LOINC 3185-6 (inhibitor [Units/volume] by coagulation assay; 3190-6 is the factor IX antigen)', () => {
  const item = questionnaireForPolicy(northwindHemgenixPolicy, QUESTIONNAIRE_BASE)
    .questionnaire.item!.flatMap((g) => g.item ?? [])
    .find((i) => i.linkId === 'factor-ix-inhibitor')!;
  assert.match(JSON.stringify(item), /3185-6/);
  assert.doesNotMatch(JSON.stringify(northwindHemgenixPolicy), /3190-6/);
  const [obs] = answersAsRecords(qr('qr-i', [{ linkId: 'factor-ix-inhibitor', answer: [{ valueDecimal: 0.6 }] }]));
  assert.equal((obs!.code as { coding: { code: string }[] }).coding[0]!.code, '3185-6');
  assert.equal(
    decideRecord(northwindHemgenixPolicy, [
      ...without('northwind-hemgenix', ['factor-ix-inhibitor']),
      qr('qr-i', [{ linkId: 'factor-ix-inhibitor', answer: [{ valueDecimal: 0.6 }] }]),
    ]).statuses.get('no-factor-ix-inhibitor'),
    'not-met',
  );
});
