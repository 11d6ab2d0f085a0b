import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type {
  Bundle,
  BundleEntry,
  Claim,
  ClaimResponse,
  CommunicationRequest,
  Extension,
  Parameters,
  Questionnaire,
  QuestionnaireResponse,
  Resource,
  Task,
} from '@medplum/fhirtypes';
import { startEmbedded, type Embedded } from '../../app/node/embedded.js';
import { SHIPPED_POLICIES } from '../../core/agents/clinical/policy.js';
import { caseRecord } from '../../core/agents/clinical/policy-cases.js';
import { SHIPPED_CASES } from '../../core/agents/clinical/shipped-cases.js';
import { policyCaseRequest } from '../../fhir/synthetic/index.js';
import { fillQuestionnaire } from '../support/dtr-client.js';
import { ehrClient, type EhrClient } from '../support/pas-client.js';

/*
 * The provider's side as an EHR meets it, per portfolio policy: discover the CDS services,
 * call order-sign for the drafted order, fetch the questionnaire the coverage information
 * names, fill it from the patient's record, send it with the PAS request, get the decision.
 * Then the loop: a pend for missing information names the questionnaire; the Claim update
 * with the completed response resumes the case and approves it.
 */
const CI = 'http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information';
const X12 = { approved: 'A1', denied: 'A3', pended: 'A4' } as const;

describe('CRD, DTR and PAS from one policy, as an EHR uses them', () => {
  let dir: string;
  let env: Embedded;
  let ehr: EhrClient;
  let origin: string;

  const token = () => ehr.token(env.pas!.tokenUrl, 'system/Claim.cr');
  const actionOf = (cr: ClaimResponse) =>
    cr.item?.[0]?.adjudication?.[0]?.extension?.[0]?.extension?.find((e) => e.url === 'code')?.valueCodeableConcept?.coding?.[0]?.code;
  const inReview = (cr: ClaimResponse) =>
    (cr.item?.[0]?.adjudication?.[0]?.extension?.[0]?.extension ?? []).some(
      (e) => e.url === 'reasonCode' && /under review/.test(e.valueCodeableConcept?.text ?? ''),
    );
  const crOf = (b: Bundle) => b.entry!.find((e) => e.resource?.resourceType === 'ClaimResponse')!.resource as ClaimResponse;

  async function decided(request: Bundle, inquireWith: Claim = request.entry![0]!.resource as Claim): Promise<Bundle> {
    const bearer = await token();
    let res = await ehr.call(env.pas!.baseUrl, 'Claim/$submit', request, bearer);
    assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 400));
    for (let i = 0; i < 120 && inReview(crOf(res.body as Bundle)); i++) {
      await new Promise((r) => setTimeout(r, 400));
      res = await ehr.call(env.pas!.baseUrl, 'Claim/$inquire', { resourceType: 'Bundle', type: 'collection', entry: [{ resource: inquireWith }] }, bearer);
    }
    return res.body as Bundle;
  }

  async function orderSign(
    order: Resource,
    coverageId: string,
  ): Promise<{ body: { cards: unknown[]; systemActions: { resource: Resource & { extension?: Extension[] } }[] }; ms: number; status: number }> {
    const t0 = Date.now();
    const res = await fetch(`${origin}/cds-services/murmur-crd-order-sign`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token()}` },
      body: JSON.stringify({
        hook: 'order-sign',
        hookInstance: crypto.randomUUID(),
        context: {
          userId: 'PractitionerRole/prescriber',
          patientId: 'patient',
          draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: order }] },
        },
        prefetch: {
          coverage: { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { resourceType: 'Coverage', id: coverageId, status: 'active' } }] },
        },
      }),
    });
    return { status: res.status, body: (await res.json()) as never, ms: Date.now() - t0 };
  }

  async function questionnaireFor(canonical: string): Promise<{ q: Questionnaire; bundle: Bundle }> {
    const params: Parameters = {
      resourceType: 'Parameters',
      parameter: [
        {
          name: 'coverage',
          resource: {
            resourceType: 'Coverage',
            status: 'active',
            beneficiary: { reference: 'Patient/patient' },
            payor: [{ display: 'Northwind' }],
          } as Resource,
        },
        { name: 'questionnaire', valueCanonical: canonical },
      ],
    };
    const res = await ehr.call(env.pas!.baseUrl, 'Questionnaire/$questionnaire-package', params, await token());
    assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 300));
    const bundle = (res.body as Parameters).parameter!.find((p) => p.name === 'PackageBundle')!.resource as Bundle;
    return { q: bundle.entry!.find((e) => e.resource?.resourceType === 'Questionnaire')!.resource as Questionnaire, bundle };
  }

  /** The PAS request with the completed QuestionnaireResponse behind supportingInfo. */
  function withResponse(request: Bundle, qr: QuestionnaireResponse, id: string): Bundle {
    const copy = structuredClone(request);
    const claim = copy.entry![0]!.resource as Claim;
    const resource: QuestionnaireResponse = { ...qr, id, subject: claim.patient, author: claim.careTeam?.[0]?.provider ?? claim.provider };
    const entry: BundleEntry = { fullUrl: `${copy.entry![0]!.fullUrl!.replace(/Claim\/.*$/, '')}QuestionnaireResponse/${id}`, resource };
    copy.entry!.push(entry);
    claim.supportingInfo = [
      ...(claim.supportingInfo ?? []),
      {
        sequence: (claim.supportingInfo?.length ?? 0) + 1,
        category: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claiminformationcategory', code: 'info' }] },
        valueReference: { reference: `QuestionnaireResponse/${id}` },
      },
    ];
    return copy;
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'murmur-crd-dtr-'));
    ehr = await ehrClient('lakeside-ehr', [], ['system/Claim.cr']);
    env = await startEmbedded({ dataDir: dir, pas: { clients: [ehr.registration] } });
    origin = env.pas!.baseUrl.replace(/\/fhir$/, '');
  });

  after(async () => {
    await env?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('discovery lists order-sign and order-select; the hooks and the package refuse a call without a token or with a bad body', async () => {
    const res = await fetch(`${origin}/cds-services`);
    const services = ((await res.json()) as { services: { hook: string; id: string; prefetch: Record<string, string> }[] }).services;
    assert.deepEqual(services.map((s) => s.hook).sort(), ['order-select', 'order-sign']);
    assert.match(services[0]!.prefetch.coverage!, /Coverage\?patient=\{\{context\.patientId\}\}/);
    const anonymous = await fetch(`${origin}/cds-services/murmur-crd-order-sign`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(anonymous.status, 401);
    const bad = await fetch(`${origin}/cds-services/murmur-crd-order-sign`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token()}` },
      body: JSON.stringify({ hook: 'order-sign', hookInstance: 'x', context: { patientId: 'p' } }),
    });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(await bad.json()), /context\.userId/);
    const pkg = await ehr.call(
      env.pas!.baseUrl,
      'Questionnaire/$questionnaire-package',
      { resourceType: 'Parameters', parameter: [{ name: 'questionnaire', valueCanonical: 'x' }] },
      await token(),
    );
    assert.equal(pkg.status, 400);
    assert.match(JSON.stringify(pkg.body), /coverage/);
  });

  for (const [policyId, doc] of Object.entries(SHIPPED_CASES)) {
    it(`${policyId}: order-sign → questionnaire package → answers from the record → PAS, each outcome decided right`, async () => {
      const policy = SHIPPED_POLICIES.find((p) => p.id === policyId)!;
      const order = {
        resourceType: 'MedicationRequest',
        id: 'draft-1',
        status: 'draft',
        intent: 'order',
        subject: { reference: 'Patient/patient' },
        medicationCodeableConcept: { coding: [{ ...policy.service! }] },
      } as Resource;
      const signed = await orderSign(order, 'cov-1');
      assert.equal(signed.status, 200, JSON.stringify(signed.body));
      assert.ok(signed.ms < 5_000, `order-sign answered in ${signed.ms} ms`);
      const ext = signed.body.systemActions[0]!.resource.extension!.find((e) => e.url === CI)!.extension!;
      const sub = (url: string) => ext.filter((e) => e.url === url);
      assert.equal(sub('pa-needed')[0]?.valueCode, 'auth-needed');
      assert.equal(sub('doc-needed')[0]?.valueCode, 'clinical');
      assert.equal(sub('coverage')[0]?.valueReference?.reference, 'Coverage/cov-1');
      const canonical = sub('questionnaire')[0]!.valueCanonical!;
      assert.ok(canonical.endsWith(`/Questionnaire/${policyId}|${policy.version}`), canonical);

      const { q, bundle } = await questionnaireFor(canonical);
      assert.equal(q.version, policy.version);
      assert.deepEqual(
        q.item!.map((g) => g.linkId),
        policy.criteria.map((c) => c.id),
        'one group per criterion',
      );
      const choices = JSON.stringify(q).match(/"answerValueSet":"([^"]+)"/g) ?? [];
      for (const vs of choices)
        assert.ok(
          bundle.entry!.some((e) => e.resource?.resourceType === 'ValueSet' && vs.includes((e.resource as { url: string }).url)),
          `${vs} ships in the package`,
        );

      const picks = ['approve', doc.cases.find((c) => c.expect.outcome === 'denied')!.id, doc.cases.find((c) => c.expect.outcome === 'pended')!.id];
      const got: Record<string, string | undefined> = {};
      for (const id of picks) {
        const c = doc.cases.find((x) => x.id === id)!;
        const qr = fillQuestionnaire(q, caseRecord(doc, c) as unknown as Resource[], {
          author: 'PractitionerRole/prescriber',
          authored: '2026-03-02T10:00:00Z',
          subject: 'Patient/patient',
        });
        assert.equal(qr.questionnaire, canonical);
        got[id] = actionOf(crOf(await decided(withResponse(policyCaseRequest(policyId, id), qr, `qr-${policyId.slice(10)}-${id}`.slice(0, 64)))));
      }
      assert.deepEqual(got, Object.fromEntries(picks.map((id) => [id, X12[doc.cases.find((c) => c.id === id)!.expect.outcome]])));
    });
  }

  it('the loop: a pend for missing information names the questionnaire (CommunicationRequest 102089-0, CDex Task); the Claim update with the completed response resumes the case and approves it', async () => {
    const policyId = 'northwind-elevidys';
    const request = policyCaseRequest(policyId, 'pend-missing-titer');
    const first = await decided(request);
    assert.equal(actionOf(crOf(first)), 'A4');
    const task = first.entry!.find((e) => e.resource?.resourceType === 'Task')!.resource as Task;
    assert.equal(task.code?.coding?.[0]?.code, 'attachment-request-questionnaire');
    const canonical = task.input!.find((i) => i.valueCanonical)!.valueCanonical!;
    assert.match(canonical, /Questionnaire\/northwind-elevidys\|2026\.1$/);
    const asked = first.entry!.filter((e) => e.resource?.resourceType === 'CommunicationRequest').map((e) => e.resource as CommunicationRequest);
    assert.ok(asked.some((c) => c.reasonCode?.[0]?.coding?.[0]?.code === '102089-0' && JSON.stringify(c.payload).includes(canonical)));

    // DTR launched with the pend's context (the tracking number) finds the same questionnaire.
    const context = task.identifier![0]!.value!;
    // PAS 2.2.1: with 102089-0 the tracking number (the DTR context) is also a Task input.
    assert.ok(task.input!.some((i) => i.valueCodeableConcept?.coding?.[0]?.code === '102089-0'));
    assert.equal(task.input!.find((i) => i.valueIdentifier)?.valueIdentifier?.value, context);
    const byContext = await ehr.call(
      env.pas!.baseUrl,
      'Questionnaire/$questionnaire-package',
      {
        resourceType: 'Parameters',
        parameter: [
          {
            name: 'coverage',
            resource: { resourceType: 'Coverage', status: 'active', beneficiary: { reference: 'Patient/patient' }, payor: [{ display: 'Northwind' }] },
          },
          { name: 'context', valueString: context },
        ],
      },
      await token(),
    );
    assert.equal(byContext.status, 200, JSON.stringify(byContext.body).slice(0, 300));
    const viaContext = ((byContext.body as Parameters).parameter![0]!.resource as Bundle).entry![0]!.resource as Questionnaire;
    assert.equal(`${viaContext.url}|${viaContext.version}`, canonical);
    const unknown = await ehr.call(
      env.pas!.baseUrl,
      'Questionnaire/$questionnaire-package',
      {
        resourceType: 'Parameters',
        parameter: [
          {
            name: 'coverage',
            resource: { resourceType: 'Coverage', status: 'active', beneficiary: { reference: 'Patient/patient' }, payor: [{ display: 'Northwind' }] },
          },
          { name: 'context', valueString: 'NW-0000000000' },
        ],
      },
      await token(),
    );
    assert.equal(unknown.status, 404);

    // The EHR fills what the record has; the titer (not in the record) is entered by the prescriber.
    const { q } = await questionnaireFor(canonical);
    const doc = SHIPPED_CASES[policyId]!;
    const qr = fillQuestionnaire(
      q,
      caseRecord(
        doc,
        doc.cases.find((c) => c.id === 'pend-missing-titer')!,
      ) as unknown as Resource[],
      { author: 'PractitionerRole/prescriber', authored: '2026-03-03T09:30:00Z', subject: 'Patient/patient' },
    );
    const titerGroup = qr.item!.find((g) => g.linkId === 'aavrh74-titer');
    assert.equal(titerGroup, undefined, 'nothing in the record to prefill the titer with');
    qr.item!.push({ linkId: 'aavrh74-titer', item: [{ linkId: 'aavrh74-titer', answer: [{ valueInteger: 100 }] }] });

    const priorClaim = request.entry![0]!.resource as Claim;
    const update = withResponse(request, qr, 'qr-elevidys-loop');
    const claim = update.entry![0]!.resource as Claim;
    claim.id = `${claim.id!.slice(0, 40)}-u`;
    update.entry![0]!.fullUrl = update.entry![0]!.fullUrl!.replace(/Claim\/.*$/, `Claim/${claim.id}`);
    claim.identifier = claim.identifier!.map((i) => ({ ...i, value: `${i.value}-U` }));
    claim.related = [
      {
        claim: { identifier: priorClaim.identifier![0]! },
        relationship: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/related-claim-relationship', code: 'prior' }] },
      },
    ];
    const second = await decided(update, claim);
    assert.equal(actionOf(crOf(second)), 'A1', JSON.stringify(crOf(second).item));
    const c = [...env.coalition.payer.replica.state.cases.values()].find((k) => k.round >= 1 && k.task.policy.id === policyId);
    assert.ok(c, 'the update resumed the same case in a new round');
    assert.equal(await env.coalition.payer.outcomeOf(c), 'approved');
  });
});
