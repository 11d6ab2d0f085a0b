// Benchmark: the CPU cost of coordination per case in the embedded coalition (four
// organizations' nodes in one process, SQLite board, privacy on, proofs off unless asked).
// Runs N reference cases with K in flight, only the coalition (no baseline run: CPU ms per
// case is the reading, and CPU time is what a shared machine does not inflate much), and
// counts per case what coordination does: presentations created and verified, Ed25519 signs
// and verifies, X25519 key agreements (HPKE wraps and unwraps), fsyncs of the audit trails
// (fsync and fsyncSync: the FHIR journal's FileHandle.sync is not counted),
// SQLite commits, board entries. Counting patches node:crypto/node:fs (sign, verify,
// fsync, fsyncSync, diffieHellman) before the coalition starts.
// Run: node dist/test/bench/coordination-cost.js [--cases 30] [--in-flight 8] [--proofs off|on]
import type * as NodeCrypto from 'node:crypto';
import type * as NodeFs from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { archiveCase, startEmbedded } from '../../app/node/embedded.js';
import { runCase } from '../../app/node/coalition.js';
import { presentationCounts } from '../../core/identity/presentations.js';
import { shutdownZk } from '../../core/zk/index.js';
import { storeRequestBundle } from '../../fhir/adapters/request-intake.js';
import { parsePasRequest } from '../../fhir/pas/request.js';
import { syntheticRequest } from '../../fhir/synthetic/index.js';
import { report } from './table.js';

const counts = { ed25519Sign: 0, ed25519Verify: 0, x25519: 0, fsync: 0 };
const require = createRequire(import.meta.url);
const nodeCrypto = require('node:crypto') as typeof NodeCrypto;
const nodeFs = require('node:fs') as typeof NodeFs;
const wrap = <F extends (...a: never[]) => unknown>(f: F, key: keyof typeof counts): F =>
  ((...a: never[]) => {
    counts[key]++;
    return f(...a);
  }) as F;
nodeCrypto.sign = wrap(nodeCrypto.sign, 'ed25519Sign');
nodeCrypto.verify = wrap(nodeCrypto.verify, 'ed25519Verify');
nodeFs.fsyncSync = wrap(nodeFs.fsyncSync, 'fsync');
nodeFs.fsync = wrap(nodeFs.fsync, 'fsync');
nodeCrypto.diffieHellman = wrap(nodeCrypto.diffieHellman, 'x25519');
syncBuiltinESMExports();

const { values } = parseArgs({
  options: { cases: { type: 'string', default: '30' }, 'in-flight': { type: 'string', default: '8' }, proofs: { type: 'string', default: 'off' } },
});
const n = Number(values.cases);
const inFlight = Number(values['in-flight']);
const proofs = values.proofs === 'on';

const dir = mkdtempSync(join(tmpdir(), 'murmur-bench-cost-'));
const env = await startEmbedded({ dataDir: dir, privacy: true, proofs });
const one = async (): Promise<string> => {
  const ref = await storeRequestBundle(env.fhirBase, parsePasRequest(syntheticRequest('reference')));
  const r = await runCase(env.coalition, ref, { timeoutMs: 300_000 });
  await archiveCase(env.store, dir, r.caseId);
  return r.outcome;
};
const snapshot = async () => ({
  ...counts,
  ...presentationCounts(),
  entries: await env.store.head(),
  sqliteCommits: env.store.commits,
  cpu: process.cpuUsage(),
  t: performance.now(),
});
try {
  await one(); // warm-up: JIT, FHIR definitions, JSON-LD contexts
  await new Promise((r) => setTimeout(r, 500));
  const before = await snapshot();
  const outcomes: Record<string, number> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) {
        next++;
        const o = await one();
        outcomes[o] = (outcomes[o] ?? 0) + 1;
      }
    }),
  );
  await new Promise((r) => setTimeout(r, 500)); // the last entries reach every replica
  const after = await snapshot();
  const cpu = process.cpuUsage(before.cpu);
  const per = (k: keyof typeof before): number => Math.round(((Number(after[k]) - Number(before[k])) / n) * 10) / 10;
  const wallMs = after.t - before.t - 500;
  // What a case's entries are, by kind: the count each kind costs in signs, checks and commits.
  const byKind: Record<string, number> = {};
  for (let from = before.entries + 1; from <= after.entries;) {
    const batch = await env.store.read(from, 1000);
    if (batch.length === 0) break;
    for (const e of batch) byKind[e.envelope.kind] = (byKind[e.envelope.kind] ?? 0) + 1;
    from = batch[batch.length - 1]!.index + 1;
  }
  const kindsPerCase = Object.fromEntries(
    Object.entries(byKind)
      .sort((a, b) => b[1] - a[1])
      .map(([k, c]) => [k, Math.round((c / n) * 10) / 10]),
  );
  process.stdout.write(`entries per case by kind: ${JSON.stringify(kindsPerCase)}\n`);
  report(
    `coordination-cost-proofs-${proofs ? 'on' : 'off'}`,
    [
      {
        cases: n,
        'in flight': inFlight,
        'cases/min': Math.round((n / (wallMs / 60_000)) * 10) / 10,
        'CPU ms/case': Math.round((cpu.user + cpu.system) / 1000 / n),
        'user ms/case': Math.round(cpu.user / 1000 / n),
        'entries/case': per('entries'),
        'SQLite commits/case': per('sqliteCommits'),
        'fsync (audit)/case': per('fsync'),
        'VP created/case': per('created'),
        'VP verified in full/case': per('verifiedFull'),
        'VP checks reused/case': per('verifiedReused'),
        'credential proofs checked/case': per('credentialsFull'),
        'Ed25519 sign/case': per('ed25519Sign'),
        'Ed25519 verify/case': per('ed25519Verify'),
        'X25519 (HPKE)/case': per('x25519'),
      },
    ],
    { outcomes, entriesPerCaseByKind: kindsPerCase, load: (await import('node:os')).loadavg() },
  );
} finally {
  await env.close();
  rmSync(dir, { recursive: true, force: true });
  await shutdownZk();
}
process.exit(0);
