import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Worker } from 'node:worker_threads';
import { seededRandom } from '../../core/common/random.js';
import { isMurmurError } from '../../core/common/errors.js';
import { ensureCircuitArtifacts, type Artifacts } from '../../core/zk/artifacts.js';
import { newZkSigningKey, type ZkSigningKey } from '../../core/zk/babyjub.js';
import {
  clinicalCircuitInput,
  commitClinical,
  proveClinicalPredicate,
  verifyClinicalPredicate,
  type ClinicalAttributes,
  type ClinicalThresholds,
} from '../../core/zk/clinical.js';
import { ZkWorkerPool, type ZkRun } from '../../core/zk/worker-pool.js';

// Synthetic values only.
const ELIGIBLE: ClinicalAttributes = { ageMonths: 8, smn1Copies: 0, smn2Copies: 2, titerDenominator: 25 };
const POLICY: ClinicalThresholds = { maxAgeMonths: 24, maxSmn1Copies: 0, minSmn2Copies: 1, maxSmn2Copies: 3, maxTiterDenominator: 50 };

describe('zk worker pool', () => {
  let artifacts: Artifacts;
  let lab: ZkSigningKey;
  const random = seededRandom('zk-pool-test');
  const pools: ZkWorkerPool[] = [];
  const pool = (runs: ZkRun[] = []): ZkWorkerPool => {
    const p = new ZkWorkerPool(artifacts, { size: 2, onRun: (r) => runs.push(r) });
    pools.push(p);
    return p;
  };

  before(async () => {
    artifacts = await ensureCircuitArtifacts({ onProgress: () => {} });
    lab = await newZkSigningKey(random);
  });
  after(async () => {
    for (const p of pools) await p.close();
  });

  test('two proofs run at the same time on two workers, off the main thread, and both verify', async () => {
    const runs: ZkRun[] = [];
    const zk = pool(runs);
    const cases = ['case-a', 'case-b'];
    const made = await Promise.all(cases.map((c) => commitClinical(lab, c, ELIGIBLE, random)));
    const proofs = await Promise.all(made.map((m) => proveClinicalPredicate(m.commitment, m.opening, POLICY, { prover: zk })));
    const proves = runs.filter((r) => r.op === 'prove');
    assert.equal(proves.length, 2);
    assert.notEqual(proves[0]!.worker, proves[1]!.worker);
    // Overlapping intervals: each started before the other ended.
    assert.ok(proves[0]!.startedAt < proves[1]!.endedAt && proves[1]!.startedAt < proves[0]!.endedAt, 'the two proofs did not overlap');
    for (let i = 0; i < 2; i++) {
      const v = await verifyClinicalPredicate(
        proofs[i],
        {
          labPublicKey: lab.publicKey,
          thresholds: POLICY,
          caseId: cases[i]!,
          commitment: made[i]!.commitment.commitment,
          signature: made[i]!.commitment.signature,
        },
        { verifier: zk },
      );
      assert.deepEqual(v, { ok: true, commitment: made[i]!.commitment.commitment });
    }
  });

  test('a proof that does not verify is reported as false, and an unprovable input as E_INPUT', async () => {
    const zk = pool();
    const m = await commitClinical(lab, 'case-c', ELIGIBLE, random);
    const good = await zk.prove('clinical', clinicalCircuitInput(m.commitment, m.opening, POLICY));
    const signals = [...good.publicSignals];
    signals[signals.length - 1] = String(BigInt(signals.at(-1)!) + 1n); // another threshold
    assert.equal(await zk.verify('clinical', good.proof, signals), false);
    assert.equal(await zk.verify('clinical', good.proof, good.publicSignals), true);
    const high = await commitClinical(lab, 'case-c', { ...ELIGIBLE, titerDenominator: 80 }, random);
    await assert.rejects(proveClinicalPredicate(high.commitment, high.opening, POLICY, { prover: zk }), (e) => isMurmurError(e, 'E_INPUT'));
  });

  test('a worker that dies mid-verification fails the call (not a silent false) and is replaced', async () => {
    const zk = pool();
    const m = await commitClinical(lab, 'case-d', ELIGIBLE, random);
    const good = await proveClinicalPredicate(m.commitment, m.opening, POLICY, { prover: zk });
    const pending = zk.verify('clinical', good.proof, good.publicSignals);
    const slots = (zk as unknown as { slots: { worker: Worker }[] }).slots;
    await slots[0]!.worker.terminate();
    await assert.rejects(pending, (e) => isMurmurError(e, 'E_INTERNAL') && /zk worker failed/.test(e.message));
    assert.equal(await zk.verify('clinical', good.proof, good.publicSignals), true);
  });
});
