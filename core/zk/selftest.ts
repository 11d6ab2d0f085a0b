/**
 * `murmur zk selftest --out DIR`: for each circuit, makes a proof from synthetic (non-PHI)
 * inputs, writes proof.json, public.json and vkey.json in snarkjs's standard form (so that
 * `snarkjs groth16 verify <c>.vkey.json <c>.public.json <c>.proof.json` accepts them), and
 * verifies them in-process.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { seededRandom } from '../common/random.js';
import { ensureCircuitArtifacts, type CircuitName, type EnsureArtifactsOptions } from './artifacts.js';
import { SnarkjsProver, SnarkjsVerifier, type ZkProof } from './prover.js';
import { newZkSigningKey } from './babyjub.js';
import { issueZkRoleCredential, newZkHolder, proveRole, verifyRoleProof } from './role.js';
import { commitClinical, proveClinicalPredicate, verifyClinicalPredicate } from './clinical.js';

export interface SelftestCircuitResult {
  circuit: CircuitName;
  ok: boolean;
  constraints: number;
  proveMs: number;
  verifyMs: number;
  files: { proof: string; publicSignals: string; verificationKey: string };
}

export interface SelftestResult {
  ok: boolean;
  outDir: string;
  cacheDir: string;
  circuits: SelftestCircuitResult[];
}

/** Synthetic demo values (a fictitious 8-month-old with SMN1 0 copies, SMN2 2 copies, titer 1:25). */
export const SELFTEST_CLINICAL = { ageMonths: 8, smn1Copies: 0, smn2Copies: 2, titerDenominator: 25 } as const;
export const SELFTEST_THRESHOLDS = { maxAgeMonths: 24, maxSmn1Copies: 0, minSmn2Copies: 1, maxSmn2Copies: 3, maxTiterDenominator: 50 } as const;

export async function zkSelftest(options: { out: string } & EnsureArtifactsOptions): Promise<SelftestResult> {
  const outDir = resolve(options.out);
  await mkdir(outDir, { recursive: true });
  const artifacts = await ensureCircuitArtifacts(options);
  const zk = { prover: new SnarkjsProver(artifacts), verifier: new SnarkjsVerifier(artifacts) };
  const random = seededRandom('murmur zk selftest');
  const now = Date.UTC(2026, 0, 15);

  const issuer = await newZkSigningKey(random);
  const holder = await newZkHolder(random);
  const cred = await issueZkRoleCredential(issuer, { role: 'drug-interaction', expiresAt: now + 86_400_000, holderId: holder.id });
  const ctx = { subtaskId: 'subtask-selftest', requesterKey: 'did:key:z6MkSelftest', now, allowedRoles: ['drug-interaction', 'policy'] };

  const lab = await newZkSigningKey(random);
  const { commitment, opening } = await commitClinical(lab, 'case-selftest', { ...SELFTEST_CLINICAL }, random);

  const runs: { circuit: CircuitName; prove: () => Promise<ZkProof>; check: (p: ZkProof) => Promise<boolean> }[] = [
    {
      circuit: 'role',
      prove: () => proveRole(cred, holder, ctx, zk),
      check: async (p) => (await verifyRoleProof(p, { ...ctx, issuerPublicKey: issuer.publicKey }, zk)).ok,
    },
    {
      circuit: 'clinical',
      prove: () => proveClinicalPredicate(commitment, opening, { ...SELFTEST_THRESHOLDS }, zk),
      check: async (p) =>
        (
          await verifyClinicalPredicate(
            p,
            {
              labPublicKey: lab.publicKey,
              caseId: 'case-selftest',
              thresholds: { ...SELFTEST_THRESHOLDS },
              commitment: commitment.commitment,
              signature: commitment.signature,
            },
            zk,
          )
        ).ok,
    },
  ];

  const circuits: SelftestCircuitResult[] = [];
  for (const r of runs) {
    const t0 = performance.now();
    const proof = await r.prove();
    const proveMs = performance.now() - t0;
    const t1 = performance.now();
    const ok = await r.check(proof);
    const verifyMs = performance.now() - t1;
    const files = {
      proof: join(outDir, `${r.circuit}.proof.json`),
      publicSignals: join(outDir, `${r.circuit}.public.json`),
      verificationKey: join(outDir, `${r.circuit}.vkey.json`),
    };
    await writeFile(files.proof, `${JSON.stringify(proof.proof, null, 1)}\n`);
    await writeFile(files.publicSignals, `${JSON.stringify(proof.publicSignals, null, 1)}\n`);
    await writeFile(files.verificationKey, `${JSON.stringify(artifacts.circuits[r.circuit].vkey, null, 1)}\n`);
    circuits.push({ circuit: r.circuit, ok, constraints: artifacts.circuits[r.circuit].constraints, proveMs, verifyMs, files });
  }
  return { ok: circuits.every((c) => c.ok), outDir, cacheDir: artifacts.dir, circuits };
}
