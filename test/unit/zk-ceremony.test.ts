import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as snarkjs from 'snarkjs';
import { ensureCircuitArtifacts, type Artifacts } from '../../core/zk/artifacts.js';
import { applyBeacon, contribute, verifyTranscript } from '../../core/zk/ceremony.js';
import { SnarkjsProver, SnarkjsVerifier, shutdownZk } from '../../core/zk/prover.js';
import { newZkSigningKey } from '../../core/zk/babyjub.js';
import { commitClinical, proveClinicalPredicate, verifyClinicalPredicate } from '../../core/zk/clinical.js';
import { seededRandom } from '../../core/common/random.js';

const ORGS = ['payer-org', 'provider-org', 'genomics-lab'];
const POLICY = { maxAgeMonths: 24, maxSmn1Copies: 0, minSmn2Copies: 1, maxSmn2Copies: 3, maxTiterDenominator: 50 };

describe('zk phase-2 ceremony', () => {
  let artifacts: Artifacts;
  let final: Uint8Array;
  let dir: string;

  before(async () => {
    artifacts = await ensureCircuitArtifacts();
    dir = await mkdtemp(join(tmpdir(), 'murmur-zk-ceremony-'));
    // Each organization contributes in turn to the clinical circuit's initial zkey, then a beacon.
    let zkey: Uint8Array | string = artifacts.circuits.clinical.initZkey;
    const hashes = new Set<string>();
    for (const org of ORGS) {
      const r = await contribute(zkey, org, `${org} local entropy`);
      hashes.add(r.contributionHash);
      zkey = r.zkey;
    }
    assert.equal(hashes.size, ORGS.length);
    final = (await applyBeacon(zkey, 'final beacon', 'aa'.repeat(32), 10)).zkey;
  });
  after(async () => {
    await shutdownZk();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the transcript of three organizations plus a beacon verifies', async () => {
    const v = await verifyTranscript({
      r1cs: artifacts.circuits.clinical.r1cs,
      ptau: artifacts.ptau,
      zkey: final,
      expectedContributors: [...ORGS, 'final beacon'],
    });
    assert.equal(v.ok, true, v.reason);
    assert.deepEqual(
      v.contributions.map((c) => [c.name, c.beacon]),
      [...ORGS.map((o) => [o, false]), ['final beacon', true]],
    );
  });

  test('the ceremony keys prove and verify', async () => {
    const zkeyPath = join(dir, 'clinical.zkey');
    await writeFile(zkeyPath, final);
    const vkey = await snarkjs.zKey.exportVerificationKey(final);
    const ceremonial: Artifacts = { ...artifacts, circuits: { ...artifacts.circuits, clinical: { ...artifacts.circuits.clinical, zkey: zkeyPath, vkey } } };
    const zk = { prover: new SnarkjsProver(ceremonial), verifier: new SnarkjsVerifier(ceremonial) };
    const random = seededRandom('ceremony');
    const lab = await newZkSigningKey(random);
    const c = await commitClinical(lab, 'case-c', { ageMonths: 5, smn1Copies: 0, smn2Copies: 2, titerDenominator: 0 }, random);
    const proof = await proveClinicalPredicate(c.commitment, c.opening, POLICY, zk);
    const expected = { labPublicKey: lab.publicKey, caseId: 'case-c', thresholds: POLICY, signature: c.commitment.signature };
    assert.equal((await verifyClinicalPredicate(proof, expected, zk)).ok, true);
    // The dev keys' verifier does not accept it: the setups differ.
    assert.equal((await verifyClinicalPredicate(proof, expected, { verifier: new SnarkjsVerifier(artifacts) })).ok, false);
  });

  test('a tampered transcript fails verification', async () => {
    const tampered = new Uint8Array(final);
    const i = Math.floor(tampered.length / 2);
    tampered[i] = (tampered[i] ?? 0) ^ 0x01;
    assert.equal((await verifyTranscript({ r1cs: artifacts.circuits.clinical.r1cs, ptau: artifacts.ptau, zkey: tampered })).ok, false);
  });

  test('a missing or renamed contributor is detected', async () => {
    const v = await verifyTranscript({
      r1cs: artifacts.circuits.clinical.r1cs,
      ptau: artifacts.ptau,
      zkey: final,
      expectedContributors: ['payer-org', 'genomics-lab', 'final beacon'],
    });
    assert.deepEqual([v.ok, v.reason], [false, 'contributors-mismatch']);
  });

  test('the cached dev key verifies against its own transcript and matches the manifest hash', async () => {
    const v = await verifyTranscript({ r1cs: artifacts.circuits.role.r1cs, ptau: artifacts.ptau, zkey: artifacts.circuits.role.zkey });
    assert.equal(v.ok, true);
    const { sha256Hex } = await import('../../core/common/hash.js');
    assert.equal(sha256Hex(await readFile(artifacts.circuits.role.zkey)), artifacts.manifest.circuits.role.zkeySha256);
  });
});
