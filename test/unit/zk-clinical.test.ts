import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../core/common/random.js';
import { isMurmurError } from '../../core/common/errors.js';
import { newZkSigningKey, signPoseidon, type ZkSigningKey } from '../../core/zk/babyjub.js';
import { defaultZkBackend } from '../../core/zk/backend.js';
import { shutdownZk, type ZkProof } from '../../core/zk/prover.js';
import {
  commitClinical,
  proveClinicalPredicate,
  verifyClinicalCommitment,
  verifyClinicalPredicate,
  type ClinicalAttributes,
  type ClinicalCommitment,
  type ClinicalExpectation,
  type ClinicalOpening,
  type ClinicalThresholds,
} from '../../core/zk/clinical.js';

// Synthetic values only.
const ELIGIBLE: ClinicalAttributes = { ageMonths: 8, smn1Copies: 0, smn2Copies: 2, titerDenominator: 25 };
const POLICY: ClinicalThresholds = { maxAgeMonths: 24, maxSmn1Copies: 0, minSmn2Copies: 1, maxSmn2Copies: 3, maxTiterDenominator: 50 };
const CASE = 'case-0001';

describe('zk clinical predicate', () => {
  let lab: ZkSigningKey;
  let commitment: ClinicalCommitment;
  let opening: ClinicalOpening;
  let valid: ZkProof;
  const random = seededRandom('zk-clinical-test');

  before(async () => {
    await defaultZkBackend();
    lab = await newZkSigningKey(random);
    ({ commitment, opening } = await commitClinical(lab, CASE, ELIGIBLE, random));
    valid = await proveClinicalPredicate(commitment, opening, POLICY);
  });
  after(() => shutdownZk());

  const expected = (over: Partial<ClinicalExpectation> = {}): ClinicalExpectation => ({
    labPublicKey: lab.publicKey,
    thresholds: POLICY,
    caseId: CASE,
    signature: commitment.signature,
    ...over,
  });

  test('the lab signature on the commitment verifies; equal values commit differently (salted)', async () => {
    assert.equal(await verifyClinicalCommitment(commitment), true);
    const again = await commitClinical(lab, CASE, ELIGIBLE, random);
    assert.notEqual(again.commitment.commitment, commitment.commitment);
  });

  test('a valid proof verifies against the policy and the posted commitment', async () => {
    assert.deepEqual(await verifyClinicalPredicate(valid, expected({ commitment: commitment.commitment })), { ok: true, commitment: commitment.commitment });
    // Public signals: commitment, case tag and thresholds; not the age (8) or titer (25), nor the lab key (checked outside).
    assert.equal(valid.publicSignals.length, 7);
    assert.ok(!valid.publicSignals.includes('8') && !valid.publicSignals.includes('25'));
  });

  test('a titer of 1:80 cannot be proven against the policy, and an error names no value', async () => {
    const high = await commitClinical(lab, CASE, { ...ELIGIBLE, titerDenominator: 80 }, random);
    await assert.rejects(proveClinicalPredicate(high.commitment, high.opening, POLICY), (e) => {
      assert.ok(isMurmurError(e, 'E_INPUT'));
      assert.ok(!/\b80\b/.test(e.message) && !JSON.stringify(e.details).includes('80'));
      return true;
    });
  });

  test('a titer-80 proof made with a prover-chosen threshold of 100 is rejected', async () => {
    const high = await commitClinical(lab, CASE, { ...ELIGIBLE, titerDenominator: 80 }, random);
    const lax = await proveClinicalPredicate(high.commitment, high.opening, { ...POLICY, maxTiterDenominator: 100 });
    const signed = expected({ signature: high.commitment.signature });
    assert.deepEqual(await verifyClinicalPredicate(lax, signed), { ok: false, reason: 'thresholds-mismatch' });
    const rewritten = { proof: lax.proof, publicSignals: [...lax.publicSignals] };
    rewritten.publicSignals[6] = '50';
    assert.deepEqual(await verifyClinicalPredicate(rewritten, signed), { ok: false, reason: 'invalid-proof' });
  });

  test('other failing predicates cannot be proven', async () => {
    for (const bad of [{ ageMonths: 30 }, { smn1Copies: 1 }, { smn2Copies: 4 }, { smn2Copies: 0 }]) {
      const c = await commitClinical(lab, CASE, { ...ELIGIBLE, ...bad }, random);
      await assert.rejects(proveClinicalPredicate(c.commitment, c.opening, POLICY), (e) => isMurmurError(e, 'E_INPUT'));
    }
  });

  test('a forged lab signature is rejected', async () => {
    const forger = await newZkSigningKey(seededRandom('forger-lab'));
    const forged = await commitClinical(forger, CASE, ELIGIBLE, random);
    const claimed = { ...forged.commitment, lab: lab.publicKey };
    assert.equal(await verifyClinicalCommitment(claimed), false);
    await assert.rejects(proveClinicalPredicate(claimed, forged.opening, POLICY), (e) => isMurmurError(e, 'E_INPUT'));
    const own = await proveClinicalPredicate(forged.commitment, forged.opening, POLICY);
    assert.deepEqual(await verifyClinicalPredicate(own, expected({ signature: forged.commitment.signature })), { ok: false, reason: 'lab-mismatch' });
  });

  test("a valid proof is refused when the signature beside its commitment is not the registered lab key's", async () => {
    // The circuit does not check the signature: the verifier does, over the proof's commitment.
    const forger = await newZkSigningKey(seededRandom('another-babyjub-key'));
    const other = await signPoseidon(forger, BigInt(commitment.commitment));
    assert.deepEqual(await verifyClinicalPredicate(valid, expected({ signature: other })), { ok: false, reason: 'lab-mismatch' });
    // The lab's genuine signature, but over another commitment (another case's), does not carry over.
    const elsewhere = await commitClinical(lab, 'case-0002', ELIGIBLE, random);
    assert.deepEqual(await verifyClinicalPredicate(valid, expected({ signature: elsewhere.commitment.signature })), { ok: false, reason: 'lab-mismatch' });
    // Garbage or a missing signature.
    assert.deepEqual(await verifyClinicalPredicate(valid, expected({ signature: { R8x: '1', R8y: '2', S: '3' } })), { ok: false, reason: 'lab-mismatch' });
    const unsigned = { ...expected() } as Partial<ClinicalExpectation>;
    delete unsigned.signature;
    assert.deepEqual(await verifyClinicalPredicate(valid, unsigned as ClinicalExpectation), { ok: false, reason: 'malformed' });
    // And the real one still verifies.
    assert.equal((await verifyClinicalPredicate(valid, expected())).ok, true);
  });

  test('a proof for another case, another commitment or with tampered signals is rejected', async () => {
    assert.deepEqual(await verifyClinicalPredicate(valid, expected({ caseId: 'case-0002' })), { ok: false, reason: 'case-mismatch' });
    assert.deepEqual(await verifyClinicalPredicate(valid, expected({ commitment: '12345' })), { ok: false, reason: 'commitment-mismatch' });
    const t = { proof: valid.proof, publicSignals: [...valid.publicSignals] };
    t.publicSignals[0] = '12345';
    assert.deepEqual(await verifyClinicalPredicate(t, expected()), { ok: false, reason: 'invalid-proof' });
    assert.deepEqual(await verifyClinicalPredicate({ proof: 'x', publicSignals: [] }, expected()), { ok: false, reason: 'malformed' });
  });

  test('an opening that does not match the commitment is refused before proving', async () => {
    await assert.rejects(proveClinicalPredicate(commitment, { ...opening, attributes: { ...ELIGIBLE, ageMonths: 9 } }, POLICY), (e) =>
      isMurmurError(e, 'E_INPUT'),
    );
  });
});
