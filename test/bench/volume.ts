// Benchmark: a payer's daily volume. N reference cases through the embedded coalition (SQLite
// board, privacy on) with 8 in flight, proofs off and on; in the same run the baseline: the
// same agents' work functions called directly in one process with no board (what a central
// orchestrator would need at least). Prints cases/min, p50/p95 latency per tenth of the run,
// RSS at start and end, and the coordination overhead: the share of case wall time not spent
// in agents' own work (a work function's time less its waits for other subtasks' sections:
// FHIR reads, policy evaluation, proving and verifying, form building), plus the intake write.
// That share is wall time, so it grows when the agents' own spans wait on a busy event loop;
// beside it, the coordination's share of CPU: 1 − the baseline's CPU per case over the
// coalition's, the work the board adds whatever the scheduling.
// Run: npm run bench -- volume [--cases N] [--in-flight K] [--proofs off,on]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { archiveCase, startEmbedded } from '../../app/node/embedded.js';
import { runCase } from '../../app/node/coalition.js';
import type { OrgSpec } from '../../app/node/identity.js';
import { REFERENCE_ORGS } from '../../app/node/reference-coalition.js';
import { clinicalProofPort } from '../../app/node/zk-port.js';
import { northwindZolgensmaPolicy, policyHash } from '../../core/agents/clinical/policy.js';
import { noForms, noProofs, type CaseDataRef, type ClinicalDataPort, type PasFormPort } from '../../core/agents/ports.js';
import type { AgentProfile, WorkFn, WorkInput, WorkResult } from '../../core/agents/runtime/agent.js';
import type { CaseState } from '../../core/coordination/case-state.js';
import { MurmurError } from '../../core/common/errors.js';
import type { Logger } from '../../core/common/log.js';
import { newZkSigningKey, shutdownZk } from '../../core/zk/index.js';
import { FhirClinicalData } from '../../fhir/adapters/clinical-data.js';
import { storeRequestBundle } from '../../fhir/adapters/request-intake.js';
import { PasClaimResponseBuilder } from '../../fhir/pas/claim-response.js';
import { parsePasRequest } from '../../fhir/pas/request.js';
import { startFhirServerThread } from '../../fhir/server/server-thread.js';
import { syntheticRequest } from '../../fhir/synthetic/index.js';
import { report, type Row } from './table.js';

/** Milliseconds of agents' own work, summed over every case of a run. */
class Meter {
  ownMs = 0;
  timeWork(fn: WorkFn): WorkFn {
    return async (input) => {
      let waitedMs = 0;
      const read: WorkInput['read'] = async (subtask, name) => {
        const t = performance.now();
        try {
          return await input.read(subtask, name);
        } finally {
          waitedMs += performance.now() - t;
        }
      };
      const t0 = performance.now();
      try {
        // noForms stays itself: a FormBuilder tells it apart by identity.
        return await fn({ ...input, read, data: retryingData(input.data), forms: input.forms === noForms ? noForms : retryingForms(input.forms) });
      } finally {
        this.ownMs += performance.now() - t0 - waitedMs;
      }
    };
  }
  profile(p: AgentProfile): AgentProfile {
    return { ...p, work: Object.fromEntries(Object.entries(p.work).map(([k, fn]) => [k, this.timeWork(fn)])) };
  }
  orgs(orgs: readonly OrgSpec[]): OrgSpec[] {
    return orgs.map((o) => ({ ...o, agents: o.agents.map((a) => this.profile(a)) }));
  }
}

let intakeRetries = 0;
let fetchRetries = 0;

async function retried<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if (attempt >= 3 || !(e instanceof MurmurError) || e.details.status !== null) throw e;
      fetchRetries++;
    }
  }
}

/** The agents' FHIR calls, retried (and counted) on a dropped connection, as the intake is. */
function retryingData(data: ClinicalDataPort): ClinicalDataPort {
  return { fetch: (ref, elements) => retried(() => data.fetch(ref, elements)) };
}

function retryingForms(forms: PasFormPort): PasFormPort {
  return { claimResponse: (input) => retried(() => forms.claimResponse(input)) };
}

/**
 * The intake write, retried (and counted) when the connection dropped: on a loaded machine the
 * embedded FHIR server's idle keep-alive sockets sometimes close under a reused connection.
 */
async function intake(fhirBase: string): Promise<CaseDataRef> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await storeRequestBundle(fhirBase, parsePasRequest(syntheticRequest('reference')));
    } catch (e) {
      if (attempt >= 3 || !(e instanceof MurmurError) || e.details.status !== null) throw e;
      intakeRetries++;
    }
  }
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN;
};
const mb = (bytes: number): number => Math.round(bytes / 2 ** 20);

interface RunResult {
  latencies: number[];
  wallMs: number;
  ownMs: number;
  rssStart: number;
  rssEnd: number;
  outcomes: Record<string, number>;
  /** Entries the replicas hold in memory (summed over the nodes), at start and end: the hot state. */
  heldStart?: number;
  heldEnd?: number;
  /** Heap in use after a forced GC (with `--expose-gc`): at start, then after each tenth of the run. */
  heap: number[];
  /** CPU time of the whole process (every thread: the proving pool's too) over the run. */
  cpuMs: number;
  /** The share of the run the main thread's event loop was busy (not waiting for I/O or timers). */
  mainBusy: number;
}

/** V8 heap in use after a full GC, or NaN without `--expose-gc` (run.js passes it). */
function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return NaN;
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * Heap growth per case, from the sample after the first tenth to the last: the history cost
 * that RSS hides (RSS keeps what V8 once reserved). The first tenth is skipped: lazily loaded
 * schemas and compiled code settle there.
 */
function heapPerCase(heap: number[], n: number): number {
  if (heap.length < 3 || heap.some(Number.isNaN)) return NaN;
  return (heap.at(-1)! - heap[1]!) / (n - Math.ceil(n / 10));
}

/** Runs `n` cases with `inFlight` at a time; latencies are kept in submission order. */
async function drive(
  n: number,
  inFlight: number,
  one: (i: number) => Promise<string>,
): Promise<{ latencies: number[]; wallMs: number; outcomes: Record<string, number>; heap: number[]; cpuMs: number; mainBusy: number }> {
  const latencies: number[] = new Array(n);
  const outcomes: Record<string, number> = {};
  const heap = [heapAfterGc()];
  const tenth = Math.ceil(n / 10);
  let next = 0;
  let done = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) {
        const i = next++;
        const t = performance.now();
        const outcome = await one(i);
        latencies[i] = performance.now() - t;
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        if (++done % tenth === 0 || done === n) heap.push(heapAfterGc());
        if ((i + 1) % Math.max(1, Math.floor(n / 20)) === 0) process.stderr.write(`  case ${i + 1}/${n}: ${latencies[i]!.toFixed(0)} ms\n`);
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  return { latencies, wallMs: performance.now() - t0, outcomes, heap, cpuMs: (cpu.user + cpu.system) / 1000, mainBusy: elu.utilization };
}

/** Warnings and errors the nodes logged (event and error text: ids and codes, never PHI). */
const incidents: Record<string, number> = {};
const countingLogger: Logger = {
  log: (level, event, fields = {}) => {
    if (level !== 'warn' && level !== 'error') return;
    const key = `${event}: ${String(fields.action ?? '')} ${String(fields.error ?? '').slice(0, 120)}`.trim();
    incidents[key] = (incidents[key] ?? 0) + 1;
  },
  child: () => countingLogger,
};

async function coalitionRun(n: number, inFlight: number, proofs: boolean): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-bench-volume-'));
  const meter = new Meter();
  const env = await startEmbedded({ dataDir: dir, privacy: true, proofs, orgs: meter.orgs(REFERENCE_ORGS), logger: countingLogger });
  const one = async (): Promise<string> => {
    const t = performance.now();
    const ref = await intake(env.fhirBase);
    meter.ownMs += performance.now() - t; // the intake write is FHIR work, not coordination
    // Generous: with 8 cases in flight on a shared 2-core machine a case can take tens of seconds.
    const r = await runCase(env.coalition, ref, { timeoutMs: 300_000 });
    await archiveCase(env.store, dir, r.caseId);
    return r.outcome;
  };
  try {
    await one(); // warm-up: JIT, FHIR definitions, JSON-LD contexts, circuit keys
    meter.ownMs = 0;
    const held = async (): Promise<number> => {
      await new Promise((r) => setTimeout(r, 500)); // the last case's final entries reach every replica
      return env.coalition.nodes.reduce((sum, node) => sum + node.replica.heldEntries, 0);
    };
    const heldStart = await held();
    const rssStart = process.memoryUsage().rss;
    const d = await drive(n, inFlight, one);
    const rssEnd = process.memoryUsage().rss;
    return { ...d, ownMs: meter.ownMs, rssStart, rssEnd, heldStart, heldEnd: await held() };
  } finally {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same work functions in dependency order, handed each other's sections directly. */
async function baselineRun(n: number, inFlight: number, proofs: boolean): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-bench-volume-base-'));
  // On its own thread, as the coalition's (embedded.ts): the comparison is of the board's cost, not of where FHIR runs.
  const fhir = await startFhirServerThread({ port: 0, journalPath: join(dir, 'fhir-journal.jsonl') });
  const meter = new Meter();
  const agents = Object.fromEntries(REFERENCE_ORGS.flatMap((o) => o.agents).map((a) => [a.name, meter.profile(a)]));
  const data = new FhirClinicalData({ baseUrl: fhir.baseUrl });
  const forms = new PasClaimResponseBuilder({ baseUrl: fhir.baseUrl });
  const lab = proofs ? clinicalProofPort(await newZkSigningKey()) : undefined;
  const payerProofs = proofs ? clinicalProofPort() : undefined;
  const policy = northwindZolgensmaPolicy;
  const steps: [agent: string, skill: string, subtask: string][] = [
    ['PolicyReasoner', 'coverage-policy', 'policy-lookup'],
    ['ClinEvidence', 'evidence-synthesis', 'evidence-synthesis'],
    ['GenomicsAgent', 'variant-annotation', 'genomic-screening'],
    ['DrugInteractionAgent', 'drug-interaction-analysis', 'drug-interaction'],
    ['PolicyReasoner', 'pa-determination', 'coverage-determination'],
    ['FormBuilder', 'pas-form', 'pas-response'],
  ];
  let caseNo = 0;
  const one = async (): Promise<string> => {
    const t = performance.now();
    const ref = await intake(fhir.baseUrl);
    meter.ownMs += performance.now() - t;
    const id = `case-base-${++caseNo}`;
    const outputs = new Map<string, WorkResult>();
    const c = {
      id,
      task: {
        policy: { id: policy.id, hash: policyHash(policy) },
        service: { system: 'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets', code: 'J3399' },
      },
      subtasks: new Map([['genomic-screening', { artifact: { author: 'lab' } }]]),
    } as unknown as CaseState;
    let outcome = 'none';
    for (const [agent, skill, subtask] of steps) {
      if (subtask === 'drug-interaction' && !outputs.get('genomic-screening')?.gaps?.length) continue;
      const input: WorkInput = {
        case: c,
        subtask: { id: subtask } as WorkInput['subtask'],
        ref,
        read: async (s, name) => {
          const sec = outputs.get(s)?.sections.find((x) => x.name === name);
          return sec?.plaintext;
        },
        data,
        forms,
        boardTime: Date.now(),
        proofs: agent === 'GenomicsAgent' && lab ? lab : agent === 'PolicyReasoner' && payerProofs ? payerProofs : noProofs,
        card: () => (lab ? ({ zk: { publicKey: lab.labPublicKey() } } as never) : undefined),
      };
      const r = await agents[agent]!.work[skill]!(input);
      outputs.set(subtask, r);
      if (r.outcome) outcome = r.outcome;
    }
    return outcome;
  };
  try {
    await one();
    meter.ownMs = 0;
    const rssStart = process.memoryUsage().rss;
    const d = await drive(n, inFlight, one);
    return { ...d, ownMs: meter.ownMs, rssStart, rssEnd: process.memoryUsage().rss };
  } finally {
    await fhir.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function bands(latencies: number[]): Row[] {
  const size = Math.ceil(latencies.length / 10);
  return Array.from({ length: Math.ceil(latencies.length / size) }, (_, b) => {
    const xs = latencies.slice(b * size, (b + 1) * size);
    return { cases: `${b * size + 1}–${b * size + xs.length}`, 'p50 ms': Math.round(quantile(xs, 0.5)), 'p95 ms': Math.round(quantile(xs, 0.95)) };
  });
}

function summary(name: string, n: number, inFlight: number, r: RunResult, baseline?: RunResult): Row {
  const sumWall = r.latencies.reduce((a, b) => a + b, 0);
  const b = bands(r.latencies);
  return {
    run: name,
    cases: n,
    'in flight': inFlight,
    'cases/min': Math.round((n / (r.wallMs / 60_000)) * 10) / 10,
    'p50 ms': Math.round(quantile(r.latencies, 0.5)),
    'p95 ms': Math.round(quantile(r.latencies, 0.95)),
    'first band p50': b[0]!['p50 ms']!,
    'last band p50': b.at(-1)!['p50 ms']!,
    'last/first': Math.round((Number(b.at(-1)!['p50 ms']) / Number(b[0]!['p50 ms'])) * 100) / 100,
    'RSS start MB': mb(r.rssStart),
    'RSS end MB': mb(r.rssEnd),
    'hot entries start → end': r.heldStart === undefined ? '' : `${r.heldStart} → ${r.heldEnd}`,
    'heap after GC MB start → end': `${mb(r.heap[0]!)} → ${mb(r.heap.at(-1)!)}`,
    'heap growth KB/case': Math.round(heapPerCase(r.heap, r.latencies.length) / 1024),
    'own work ms/case': Math.round(r.ownMs / n),
    'CPU ms/case': Math.round(r.cpuMs / n),
    'main thread busy': `${Math.round(r.mainBusy * 1000) / 10} %`,
    'coordination overhead': `${Math.round((1 - r.ownMs / sumWall) * 1000) / 10} %`,
    'coordination share of CPU': baseline ? `${Math.round((1 - baseline.cpuMs / r.cpuMs) * 1000) / 10} %` : '—',
  };
}

const { values } = parseArgs({
  options: { cases: { type: 'string', default: '1000' }, 'in-flight': { type: 'string', default: '8' }, proofs: { type: 'string', default: 'off,on' } },
});
const n = Number(values.cases);
const inFlight = Number(values['in-flight']);
const modes = values.proofs!.split(',').map((m) => m.trim());
if (!Number.isInteger(n) || n < 10 || !Number.isInteger(inFlight) || inFlight < 1 || modes.some((m) => m !== 'on' && m !== 'off')) {
  process.stderr.write('usage: volume [--cases N ≥ 10] [--in-flight K ≥ 1] [--proofs off,on]\n');
  process.exit(2);
}
const rows: Row[] = [];
const detail: Record<string, unknown> = {};
for (const mode of modes) {
  const proofs = mode === 'on';
  process.stderr.write(`volume: ${n} cases, ${inFlight} in flight, proofs ${mode}: baseline (direct calls, no board)…\n`);
  const base = await baselineRun(n, inFlight, proofs);
  process.stderr.write(`volume: … embedded coalition\n`);
  const coal = await coalitionRun(n, inFlight, proofs);
  for (const [name, r] of [
    [`baseline, proofs ${mode} (direct calls, no board)`, base],
    [`coalition, proofs ${mode}`, coal],
  ] as const) {
    rows.push(summary(name, n, inFlight, r, r === coal ? base : undefined));
    detail[name] = {
      bands: bands(r.latencies),
      heapAfterGcMB: r.heap.map(mb),
      outcomes: r.outcomes,
      wallMs: r.wallMs,
      ownMs: r.ownMs,
      latencies: r.latencies.map(Math.round),
    };
  }
  report(
    `volume-bands-proofs-${mode}`,
    bands(coal.latencies).map((b, i) => ({
      ...b,
      'baseline p50 ms': bands(base.latencies)[i]?.['p50 ms'] ?? '',
      'baseline p95 ms': bands(base.latencies)[i]?.['p95 ms'] ?? '',
    })),
    { cases: n, inFlight },
  );
}
if (Object.keys(incidents).length) process.stderr.write(`incidents logged by the nodes: ${JSON.stringify(incidents, null, 1)}\n`);
report(modes.length === 1 ? `volume-proofs-${modes[0]}` : 'volume', rows, {
  cases: n,
  inFlight,
  droppedFhirConnectionsRetried: { intake: intakeRetries, agentReads: fetchRetries },
  incidents,
  cores: (await import('node:os')).availableParallelism(),
  detail,
});
await shutdownZk();
process.exit(0);
