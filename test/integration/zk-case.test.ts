import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { coalitionMatrix } from '../../app/node/disclosure.js';
import { startEmbedded } from '../../app/node/embedded.js';
import { clinicalProofPort } from '../../app/node/zk-port.js';
import { predicateThresholds } from '../../core/agents/domain/clinical-proof.js';
import { northwindZolgensmaPolicy } from '../../core/agents/clinical/policy.js';
import { seededRandom } from '../../core/common/random.js';
import { ensureCircuitArtifacts, newZkSigningKey, shutdownZk, signPoseidon } from '../../core/zk/index.js';
import { parsePasRequest } from '../../fhir/pas/request.js';
import { runCase } from '../../app/node/coalition.js';
import { agentNamed, MEMORY_REF, memoryCoalition } from '../support/coalition.js';
import { hostileDraft } from '../../core/coordination/kinds/draft.js';
import { syntheticRequest } from '../../fhir/synthetic/index.js';

const dirs: string[] = [];
// On a fresh machine the first test process to need the circuit keys builds them (minutes);
// the others wait on its lock here rather than inside a case's time budget.
before(() => ensureCircuitArtifacts().then(() => undefined), { timeout: 20 * 60_000 });
after(async () => {
  await shutdownZk();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function runWithProofs(variant: 'reference' | 'titer-1-100') {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-zk-case-'));
  dirs.push(dir);
  const env = await startEmbedded({ dataDir: dir, proofs: true });
  try {
    const result = await env.run(parsePasRequest(syntheticRequest(variant)));
    const summary = (await env.coalition.payer.readArtifact(result.case, 'genomic-screening', 'summary')) as Record<string, unknown>;
    return { result, summary, matrix: coalitionMatrix(env.coalition, result.caseId) };
  } finally {
    await env.close();
  }
}

test('with proofs on, the reference case approves with the genetic and titer criteria proven in zero knowledge', async () => {
  const { result, summary, matrix } = await runWithProofs('reference');
  assert.equal(result.outcome, 'approved');
  for (const id of ['smn1-biallelic', 'smn2-copy-number', 'aav9-titer']) {
    const c = result.decision.criteria.find((x) => x.id === id)!;
    assert.equal(c.status, 'met');
    assert.match(c.reason, /proven in zero knowledge/, id);
  }
  // What the payer decrypted from the lab: criteria results and a proof, never the values.
  assert.ok(summary.attestation, 'the lab attached its proof');
  const text = JSON.stringify(summary);
  for (const raw of ['copies', 'titerDenominator', 'ageMonths', 'opening', 'salt', 'HGNC']) assert.ok(!text.includes(raw), raw);
  assert.ok(!matrix.didDecrypt['Northwind Health Plan']!.includes('genomic-screening/detail'));
});

test('a titer of 1:100 has no proof: the lab says so, and the case is denied', async () => {
  const { result, summary } = await runWithProofs('titer-1-100');
  assert.equal(summary.attestation, undefined);
  assert.equal(result.outcome, 'denied');
  assert.equal(result.decision.criteria.find((x) => x.id === 'aav9-titer')!.status, 'not-met');
});

test("the payer's verification refuses a proof with another lab's key, other thresholds or a tampered signal", async () => {
  const random = seededRandom('zk-case');
  const lab = clinicalProofPort(await newZkSigningKey(random), random);
  const other = await newZkSigningKey(random);
  const thresholds = predicateThresholds(northwindZolgensmaPolicy, 0);
  const attestation = (await lab.attest('case-x', { ageMonths: 8, smn1Copies: 0, smn2Copies: 2, titerDenominator: 25 }, thresholds))!;
  const verifier = clinicalProofPort();
  const expect = { labPublicKey: lab.labPublicKey()!, thresholds, caseId: 'case-x' };
  assert.deepEqual(await verifier.verify(attestation, expect), { ok: true });
  assert.equal((await verifier.verify(attestation, { ...expect, labPublicKey: other.publicKey })).ok, false);
  assert.equal((await verifier.verify(attestation, { ...expect, thresholds: { ...thresholds, maxTiterDenominator: 100 } })).ok, false);
  assert.equal((await verifier.verify(attestation, { ...expect, caseId: 'case-y' })).ok, false);
  const tampered = structuredClone(attestation);
  tampered.proof.publicSignals[tampered.proof.publicSignals.length - 1] = '51';
  assert.equal((await verifier.verify(tampered, expect)).ok, false);
  // The circuit does not check the lab's signature; the port does, with the key on the lab's card:
  // the same valid proof beside another BabyJub key's signature over the same commitment is refused.
  const resigned = structuredClone(attestation);
  resigned.commitment.signature = await signPoseidon(other, BigInt(attestation.commitment.commitment));
  resigned.commitment.lab = other.publicKey;
  assert.deepEqual(await verifier.verify(resigned, expect), { ok: false, reason: 'lab-mismatch' });
  // Values that miss a threshold cannot be attested at all.
  assert.equal(await lab.attest('case-x', { ageMonths: 8, smn1Copies: 0, smn2Copies: 2, titerDenominator: 80 }, thresholds), undefined);
});

test('claims and access requests can prove roles in zero knowledge instead of presenting credentials; a replayed proof is refused', async () => {
  const { coalition } = await memoryCoalition('reference', { zkRoles: true });
  try {
    const result = await runCase(coalition, MEMORY_REF, { timeoutMs: 120_000 });
    assert.equal(result.outcome, 'approved');
    const replica = coalition.payer.replica;
    const proven = replica.fold.records.filter((r) => (r.kind === 'Claim' || r.kind === 'AccessRequest') && r.status === 'accepted');
    assert.ok(proven.length >= 10);
    for (const r of proven) {
      const h = replica.entry(r.id)!.envelope.header;
      assert.ok(h.roleProof && !h.presentation, `${r.kind} #${r.index} carries a role proof only`);
    }
    // Replaying the policy reasoner's proof for the lab summary, under a fresh envelope.
    const earlier = proven.find((r) => r.kind === 'AccessRequest' && r.author.startsWith(agentNamed(coalition, 'PolicyReasoner').did))!;
    const header = replica.entry(earlier.id)!.envelope.header;
    const posted = await agentNamed(coalition, 'PolicyReasoner').post(hostileDraft({ case: result.caseId, kind: 'AccessRequest', header, sections: [] }));
    await replica.catchUp();
    const again = replica.fold.records.find((r) => r.id === posted.envelope.id)!;
    assert.equal(again.status, 'rejected');
    assert.match(again.reason!, /replayed/);
  } finally {
    await coalition.stop();
  }
});
