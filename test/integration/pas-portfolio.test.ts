import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Bundle, Claim, ClaimResponse } from '@medplum/fhirtypes';
import { startEmbedded, type Embedded } from '../../app/node/embedded.js';
import { SHIPPED_CASES } from '../../core/agents/clinical/shipped-cases.js';
import { policyCaseRequest } from '../../fhir/synthetic/index.js';
import { ehrClient, type EhrClient } from '../support/pas-client.js';

/*
 * The payer's portfolio over the real coalition: every synthetic case of every portfolio
 * policy, sent as a PAS request by an EHR, gets the decision its case file expects, from the
 * policy its Claim item's code names.
 */
const X12 = { approved: 'A1', denied: 'A3', pended: 'A4' } as const;

describe('the policy portfolio through PAS and the coalition', () => {
  let dir: string;
  let env: Embedded;
  let ehr: EhrClient;

  const actionOf = (cr: ClaimResponse): string | undefined =>
    cr.item?.[0]?.adjudication?.[0]?.extension?.[0]?.extension?.find((e) => e.url === 'code')?.valueCodeableConcept?.coding?.[0]?.code;
  const inReview = (cr: ClaimResponse): boolean =>
    (cr.item?.[0]?.adjudication?.[0]?.extension?.[0]?.extension ?? []).some(
      (e) => e.url === 'reasonCode' && /under review/.test(e.valueCodeableConcept?.text ?? ''),
    );
  const claimResponseOf = (b: Bundle): ClaimResponse => b.entry!.find((e) => e.resource?.resourceType === 'ClaimResponse')!.resource as ClaimResponse;

  async function decided(request: Bundle): Promise<ClaimResponse> {
    const token = await ehr.token(env.pas!.tokenUrl, 'system/Claim.cr');
    let res = await ehr.call(env.pas!.baseUrl, 'Claim/$submit', request, token);
    assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 400));
    const claim = request.entry![0]!.resource as Claim;
    for (let i = 0; i < 120 && inReview(claimResponseOf(res.body as Bundle)); i++) {
      await new Promise((r) => setTimeout(r, 400));
      res = await ehr.call(env.pas!.baseUrl, 'Claim/$inquire', { resourceType: 'Bundle', type: 'collection', entry: [{ resource: claim }] }, token);
      assert.equal(res.status, 200);
    }
    return claimResponseOf(res.body as Bundle);
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'murmur-pas-portfolio-'));
    ehr = await ehrClient('lakeside-ehr', [], ['system/Claim.cr']);
    env = await startEmbedded({ dataDir: dir, pas: { clients: [ehr.registration] } });
  });

  after(async () => {
    await env?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [policyId, doc] of Object.entries(SHIPPED_CASES)) {
    it(`${policyId}: each synthetic case gets its expected decision, under that policy`, async () => {
      const got: Record<string, string | undefined> = {};
      for (const c of doc.cases) {
        const cr = await decided(policyCaseRequest(policyId, c.id));
        got[c.id] = actionOf(cr);
      }
      assert.deepEqual(got, Object.fromEntries(doc.cases.map((c) => [c.id, X12[c.expect.outcome]])));
      const pinned = new Set(
        [...env.coalition.payer.replica.state.cases.values()].filter((k) => k.task.policy.id === policyId).map((k) => k.task.service.code),
      );
      assert.equal(pinned.size, 1, 'every case of the policy was filed under its service');
      assert.equal(doc.cases.length, [...env.coalition.payer.replica.state.cases.values()].filter((k) => k.task.policy.id === policyId).length);
    });
  }
});
