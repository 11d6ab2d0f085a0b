/**
 * ZK benchmark: constraints, setup time (from the build manifest), proving and verifying time
 * (median of N warm runs, keys in memory), key sizes. `node dist/test/bench/zk.js [--runs N]`.
 */
import { stat } from 'node:fs/promises';
import { seededRandom } from '../../core/common/random.js';
import { ensureCircuitArtifacts, CIRCUIT_NAMES, type CircuitName } from '../../core/zk/artifacts.js';
import { SnarkjsProver, SnarkjsVerifier, shutdownZk, type ZkProof } from '../../core/zk/prover.js';
import { newZkSigningKey } from '../../core/zk/babyjub.js';
import { issueZkRoleCredential, newZkHolder, roleCircuitInput } from '../../core/zk/role.js';
import { clinicalCircuitInput, commitClinical } from '../../core/zk/clinical.js';
import { SELFTEST_CLINICAL, SELFTEST_THRESHOLDS } from '../../core/zk/selftest.js';

export interface ZkBenchRow {
  circuit: CircuitName;
  constraints: number;
  setupMs: number;
  proveMedianMs: number;
  verifyMedianMs: number;
  zkeyBytes: number;
  vkeyBytes: number;
  wasmBytes: number;
}

export interface ZkBenchResult {
  runs: number;
  phase1Ms: number | undefined;
  rows: ZkBenchRow[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export async function runZkBench(runs = 5): Promise<ZkBenchResult> {
  const a = await ensureCircuitArtifacts();
  const prover = new SnarkjsProver(a);
  const verifier = new SnarkjsVerifier(a);
  const random = seededRandom('zk bench');
  const now = Date.UTC(2026, 0, 15);
  const issuer = await newZkSigningKey(random);
  const holder = await newZkHolder(random);
  const cred = await issueZkRoleCredential(issuer, { role: 'policy', expiresAt: now + 1000, holderId: holder.id });
  const lab = await newZkSigningKey(random);
  const c = await commitClinical(lab, 'case-bench', { ...SELFTEST_CLINICAL }, random);
  const inputs: Record<CircuitName, Record<string, unknown>> = {
    role: roleCircuitInput(cred, holder, { subtaskId: 's', requesterKey: 'k', now, allowedRoles: ['policy'] }),
    clinical: clinicalCircuitInput(c.commitment, c.opening, { ...SELFTEST_THRESHOLDS }),
  };
  const t = a.manifest.timingsMs;
  const phase1 = Object.entries(t)
    .filter(([k]) => k.startsWith('ptau'))
    .reduce((s, [, v]) => s + v, 0);
  const rows: ZkBenchRow[] = [];
  for (const name of CIRCUIT_NAMES) {
    await prover.prove(name, inputs[name]); // warm-up: loads keys, builds the curve
    const prove: number[] = [];
    const verify: number[] = [];
    let last: ZkProof | undefined;
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      last = await prover.prove(name, inputs[name]);
      prove.push(performance.now() - t0);
      const t1 = performance.now();
      if (!(await verifier.verify(name, last.proof, last.publicSignals))) throw new Error(`bench proof for ${name} failed to verify`);
      verify.push(performance.now() - t1);
    }
    const cm = a.manifest.circuits[name];
    rows.push({
      circuit: name,
      constraints: cm.constraints,
      setupMs: (t[`zkey setup ${name}`] ?? 0) + (t[`zkey beacon ${name}`] ?? 0),
      proveMedianMs: Math.round(median(prove)),
      verifyMedianMs: Math.round(median(verify)),
      zkeyBytes: cm.zkeyBytes,
      vkeyBytes: cm.vkeyBytes,
      wasmBytes: (await stat(a.circuits[name].wasm)).size,
    });
  }
  return { runs, phase1Ms: phase1 || undefined, rows };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--runs');
  runZkBench(i >= 0 ? Number(process.argv[i + 1]) : 5)
    .then((r) => {
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      for (const row of r.rows) {
        process.stdout.write(
          `${row.circuit}: ${row.constraints} constraints, setup ${(row.setupMs / 1000).toFixed(1)} s, prove ${row.proveMedianMs} ms, verify ${row.verifyMedianMs} ms (median of ${r.runs}), zkey ${(row.zkeyBytes / 1e6).toFixed(2)} MB, vkey ${(row.vkeyBytes / 1e3).toFixed(1)} kB\n`,
        );
      }
      if (r.phase1Ms !== undefined) process.stdout.write(`phase 1 (ptau 2^13 new+beacon+prepare): ${(r.phase1Ms / 1000).toFixed(1)} s\n`);
    })
    .catch((e: unknown) => {
      process.stderr.write(`zk bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    })
    .finally(() => shutdownZk());
}
