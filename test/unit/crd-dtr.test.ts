import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Extension, Questionnaire, QuestionnaireItem, Resource, ValueSet } from '@medplum/fhirtypes';
import { answerOrderHook } from '../../fhir/crd/order-hooks.js';
import { COVERAGE_INFORMATION } from '../../fhir/crd/coverage-information.js';
import { questionnairePackage } from '../../fhir/dtr/package-operation.js';
import { QUESTIONNAIRE_BASE, questionnaireForPolicy } from '../../fhir/dtr/questionnaire.js';
import { SHIPPED_POLICIES, northwindElevidysPolicy, northwindZolgensmaPolicy } from '../../core/agents/clinical/policy.js';
import { SHIPPED_CASES } from '../../core/agents/clinical/shipped-cases.js';
import { caseRecord, decideRecord } from '../../core/agents/clinical/policy-cases.js';
import { answersAsRecords, withQuestionnaireAnswers } from '../../core/agents/clinical/answers.js';
import { elementsFor } from '../../core/agents/clinical/policy.js';
import { selectElements } from '../../core/agents/clinical/elements.js';
import type { FhirResource } from '../../core/agents/clinical/types.js';
import { isMurmurError } from '../../core/common/errors.js';
import { fillQuestionnaire } from '../support/dtr-client.js';

let n = 0;
const deps = { policies: SHIPPED_POLICIES, questionnaireBase: QUESTIONNAIRE_BASE, now: () => new Date('2026-03-02T10:00:00Z'), newId: () => `id-${++n}` };
const order = (id: string, coding: { system: string; code: string }) => ({
  resourceType: 'ServiceRequest',
  id,
  status: 'draft',
  intent: 'order',
  subject: { reference: 'Patient/p' },
  code: { coding: [coding] },
});
const hookBody = (hook: string, orders: unknown[], extra: Record<string, unknown> = {}) => ({
  hook,
  hookInstance: 'h-1',
  context: {
    userId: 'Practitioner/u',
    patientId: 'p',
    draftOrders: { resourceType: 'Bundle', type: 'collection', entry: orders.map((resource) => ({ resource })) },
    ...extra,
  },
  prefetch: { coverage: { resourceType: 'Coverage', id: 'cov-9', status: 'active' } },
});
const sub = (r: Resource & { extension?: Extension[] }, url: string) =>
  r
    .extension!.find((e) => e.url === COVERAGE_INFORMATION)!
    .extension!.filter((e) => e.url === url)
    .map((e) => e.valueCode ?? e.valueCanonical ?? e.valueReference?.reference);

test('order-select answers only the selected orders; a service without a policy is conditional, reviewed by a person, with no questionnaire', () => {
  const body = hookBody(
    'order-select',
    [order('a', northwindZolgensmaPolicy.service!), order('b', { system: 'http://www.ama-assn.org/go/cpt', code: '27447' })],
    { selections: ['ServiceRequest/b'] },
  );
  const out = answerOrderHook('order-select', body, deps);
  assert.equal(out.systemActions.length, 1);
  const r = out.systemActions[0]!.resource as Resource & { id: string; extension: Extension[] };
  assert.equal(r.id, 'b');
  assert.deepEqual(sub(r, 'covered'), ['conditional']);
  assert.deepEqual(sub(r, 'pa-needed'), ['conditional']);
  assert.deepEqual(sub(r, 'info-needed'), ['OR']);
  assert.deepEqual(sub(r, 'questionnaire'), []);
});

test("order-sign for a governed order: auth-needed, clinical documentation with the PA, the policy's versioned questionnaire, and a task card to fill it", () => {
  const out = answerOrderHook(
    'order-sign',
    hookBody('order-sign', [order('a', { system: 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets', code: 'J1413' })]),
    deps,
  );
  const r = out.systemActions[0]!.resource as Resource & { extension: Extension[] };
  assert.deepEqual(sub(r, 'coverage'), ['Coverage/cov-9']);
  assert.deepEqual(sub(r, 'pa-needed'), ['auth-needed']);
  assert.deepEqual(sub(r, 'doc-purpose'), ['withpa']);
  assert.deepEqual(sub(r, 'questionnaire'), [`${QUESTIONNAIRE_BASE}/Questionnaire/northwind-elevidys|2026.1`]);
  assert.ok(out.cards.every((c) => c.summary.length <= 140));
  assert.match(out.cards[0]!.detail!, /Anti-AAVrh74 total binding antibody titer below 1:400/);
  const task = out.cards[1]!.suggestions![0]!.actions[0]!.resource as { input: { valueCanonical: string }[] };
  assert.equal(task.input[0]!.valueCanonical, `${QUESTIONNAIRE_BASE}/Questionnaire/northwind-elevidys|2026.1`);
});

test('an order hook without coverage still says PA is needed, with a warning card asking for the Coverage; a malformed one is refused naming the field', () => {
  const body = hookBody('order-sign', [order('a', northwindZolgensmaPolicy.service!)]);
  delete (body as { prefetch?: unknown }).prefetch;
  const out = answerOrderHook('order-sign', body, deps);
  const r = out.systemActions[0]!.resource as Resource & { extension: Extension[] };
  assert.deepEqual(sub(r, 'pa-needed'), ['auth-needed']);
  assert.deepEqual(sub(r, 'coverage'), [undefined], 'a Coverage reference with no target');
  assert.equal(out.cards[0]!.indicator, 'warning');
  assert.throws(
    () => answerOrderHook('order-select', hookBody('order-select', []), deps),
    (e) => isMurmurError(e, 'E_INPUT') && /context\.selections/.test(e.message),
  );
});

const items = (q: Questionnaire): QuestionnaireItem[] => (q.item ?? []).flatMap((g) => g.item ?? []);

test("the questionnaire is the policy's criteria: a group per criterion, enableWhen, prepopulation, the taxonomy ValueSet from the policy's parameter", () => {
  const { questionnaire: q, valueSets } = questionnaireForPolicy(northwindZolgensmaPolicy, QUESTIONNAIRE_BASE);
  assert.equal(q.version, northwindZolgensmaPolicy.version);
  assert.deepEqual(
    q.item!.map((g) => g.text),
    northwindZolgensmaPolicy.criteria.map((c) => `${c.number}. ${c.title}`),
  );
  const point = items(q).find((i) => i.linkId === 'smn1-point-mutation')!;
  assert.deepEqual(point.enableWhen, [{ question: 'smn1-copies', operator: '=', answerInteger: 1 }]);
  const smn1 = items(q).find((i) => i.linkId === 'smn1-copies')!;
  assert.ok(smn1.extension!.some((e) => e.valueExpression?.language === 'text/fhirpath'));
  assert.ok(smn1.extension!.some((e) => e.valueExpression?.language === 'application/x-fhir-query'));
  const specialty = items(q).find((i) => i.linkId === 'prescriber-specialty')!;
  const vs = valueSets.find((v) => specialty.answerValueSet!.startsWith(v.url!)) as ValueSet;
  assert.deepEqual(
    vs.expansion!.contains!.map((c) => c.code),
    ['2084N0402X', '2084N0400X'],
  );
  assert.equal(new Set(items(q).map((i) => i.linkId)).size, items(q).length, 'linkIds unique');
});

test('$questionnaire-package picks the policy by order code or canonical; an old version or an unknown questionnaire is refused', () => {
  const coverage = { name: 'coverage', resource: { resourceType: 'Coverage' } };
  const byOrder = questionnairePackage(
    {
      resourceType: 'Parameters',
      parameter: [coverage, { name: 'order', resource: order('x', { system: 'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets', code: 'J1411' }) }],
    },
    { policies: SHIPPED_POLICIES, base: QUESTIONNAIRE_BASE, now: deps.now },
  );
  const q = (byOrder.parameter![0]!.resource as { entry: { resource: Questionnaire }[] }).entry[0]!.resource;
  assert.equal(q.id, 'northwind-hemgenix');
  const old = {
    resourceType: 'Parameters',
    parameter: [coverage, { name: 'questionnaire', valueCanonical: `${QUESTIONNAIRE_BASE}/Questionnaire/northwind-hemgenix|2025.1` }],
  };
  assert.throws(
    () => questionnairePackage(old, { policies: SHIPPED_POLICIES, base: QUESTIONNAIRE_BASE, now: deps.now }),
    (e) => isMurmurError(e, 'E_NOT_FOUND') && /version 2025\.1 is no longer used/.test(e.message),
  );
});

test('an answer is evidence: the titer answered in the questionnaire approves the case that pended for it, with its author and date; without it, it pends', () => {
  const doc = SHIPPED_CASES['northwind-elevidys']!;
  const record = caseRecord(
    doc,
    doc.cases.find((c) => c.id === 'pend-missing-titer')!,
  );
  assert.equal(decideRecord(northwindElevidysPolicy, record).outcome, 'pended');
  const { questionnaire } = questionnaireForPolicy(northwindElevidysPolicy, QUESTIONNAIRE_BASE);
  const qr = fillQuestionnaire(questionnaire, record as unknown as Resource[], {
    author: 'PractitionerRole/prescriber',
    authored: '2026-03-03T09:30:00Z',
    subject: 'Patient/patient',
  });
  qr.item!.push({ linkId: 'aavrh74-titer', answer: [{ valueInteger: 100 }] });
  const withQr = [...record, { ...qr, id: 'qr-1' } as unknown as FhirResource];
  assert.equal(decideRecord(northwindElevidysPolicy, withQr).outcome, 'approved');
  const titer = answersAsRecords({ ...qr, id: 'qr-1' } as unknown as FhirResource).find((r) => JSON.stringify(r).includes('anti-aavrh74-ab-titer'))!;
  assert.deepEqual(titer.performer, [{ reference: 'PractitionerRole/prescriber' }]);
  assert.equal(titer.effectiveDateTime, '2026-03-03T09:30:00Z');
  assert.deepEqual(titer.derivedFrom, [{ reference: 'QuestionnaireResponse/qr-1' }]);
  // The answer 1:800 denies, as the same fact sent as data does.
  qr.item![qr.item!.length - 1] = { linkId: 'aavrh74-titer', answer: [{ valueInteger: 800 }] };
  assert.equal(decideRecord(northwindElevidysPolicy, [...record, { ...qr, id: 'qr-2' } as unknown as FhirResource]).outcome, 'denied');
});

test("the disclosure policy applies to answers: the payer's view holds neither the response nor the lab's answers; the lab's view holds the titer answer", () => {
  const doc = SHIPPED_CASES['northwind-elevidys']!;
  const record = caseRecord(
    doc,
    doc.cases.find((c) => c.id === 'pend-missing-titer')!,
  );
  const qr = {
    resourceType: 'QuestionnaireResponse',
    id: 'qr-3',
    status: 'completed',
    subject: { reference: 'Patient/patient' },
    author: { reference: 'PractitionerRole/prescriber' },
    authored: '2026-03-03',
    item: [
      { linkId: 'aavrh74-titer', answer: [{ valueInteger: 100 }] },
      { linkId: 'dmd-variant-significance', answer: [{ valueCoding: { system: 'http://loinc.org', code: 'LA6668-3' } }] },
    ],
  };
  const pool = withQuestionnaireAnswers([...record, qr as FhirResource]);
  const payer = selectElements(pool, elementsFor(northwindElevidysPolicy, 'payer'));
  assert.ok(!payer.some((r) => r.resourceType === 'QuestionnaireResponse'));
  assert.ok(!JSON.stringify(payer).includes('anti-aavrh74') && !JSON.stringify(payer).includes('HGNC:2928'));
  const lab = selectElements(pool, elementsFor(northwindElevidysPolicy, 'lab'));
  assert.ok(lab.some((r) => r.id === 'qr-3-aavrh74-titer'));
  assert.ok(!lab.some((r) => r.resourceType === 'QuestionnaireResponse'));
});

test("filled from the synthetic record, the questionnaire carries the record's facts (the prepopulation expressions read what the criteria read)", () => {
  const answers = (policyId: string) => {
    const doc = SHIPPED_CASES[policyId]!;
    const policy = SHIPPED_POLICIES.find((p) => p.id === policyId)!;
    const { questionnaire } = questionnaireForPolicy(policy, QUESTIONNAIRE_BASE);
    const qr = fillQuestionnaire(questionnaire, caseRecord(doc, doc.cases[0]!) as unknown as Resource[], {
      author: 'PractitionerRole/prescriber',
      authored: '2026-03-03',
      subject: 'Patient/patient',
    });
    const flat = (xs: typeof qr.item): [string, unknown][] =>
      (xs ?? []).flatMap((i) => [...(i.answer ? [[i.linkId!, Object.values(i.answer[0]!)[0]] as [string, unknown]] : []), ...flat(i.item)]);
    return Object.fromEntries(flat(qr.item));
  };
  const hem = answers('northwind-hemgenix');
  assert.equal(hem['factor-ix-activity'], 1);
  assert.equal(hem['factor-ix-inhibitor'], 0.1);
  assert.equal(hem['factor-ix-prophylaxis'], true);
  assert.equal(hem['alt'], 28);
  assert.equal(hem['birth-date'], '1988-04-02');
  assert.equal((hem['prescriber-specialty'] as { code: string }).code, '207RH0000X');
  const ele = answers('northwind-elevidys');
  assert.equal((ele['dmd-variant-significance'] as { code: string }).code, 'LA6668-3');
  assert.equal(ele['aavrh74-titer'], 100);
  assert.equal(ele['corticosteroid'], 'deflazacort 18 mg oral tablet');
  assert.equal(ele['prior-gene-therapy'], undefined, 'no gene therapy given: the repeating choice stays empty');
  const nus = answers('northwind-nusinersen');
  assert.equal(nus['smn1-copies'], 0);
  assert.equal(nus['smn2-copies'], 2);
  assert.equal(nus['smn1-point-mutation'], undefined, 'asked only with one SMN1 copy');
  assert.equal(nus['permanent-ventilation'], false);
  // Several medication orders: each expression still yields one answer (a collection once broke it).
  const zol = answers('northwind-zolgensma');
  assert.equal(zol['other-smn-therapy'], undefined, 'no SMN therapy ordered');
  assert.equal(zol['aav9-titer'], 25);
});
