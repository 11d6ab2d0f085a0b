// Coordination benchmarks: belief-fusion rounds and time for 5 to 1,000 agents against the λ2
// bound; decentralized vs central-orchestrator throughput and latency in the same run; and
// completion when 20 % of organizations crash (the orchestrator too, for the baseline).
// Prints tables and writes test/bench/results/coordination.json. `--quick` for a smaller run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../../core/common/random.js';
import { coalitionGraph, fuse, roundsBound, secondEigenvalue, trustWeightMatrix } from '../../core/coordination/consensus/fusion.js';
import { runSimulation, type SimOptions, type SimReport } from '../../app/sim/run.js';

type Row = Record<string, string | number | boolean>;
const quick = process.argv.includes('--quick');

function table(title: string, rows: Row[]): void {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown): string => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : String(v ?? ''));
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]): string => vals.map((v, i) => v.padEnd(width[i]!)).join('  ');
  process.stdout.write(
    `\n${title}\n${[line(cols), line(width.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join('\n')}\n`,
  );
}

function consensus(): Row[] {
  const rows: Row[] = [];
  for (const n of quick ? [5, 50, 200] : [5, 10, 50, 100, 500, 1000]) {
    const random = seededRandom(`bench-fusion:${n}`);
    const trust = Array.from({ length: n }, () => 0.2 + random.next());
    const W = trustWeightMatrix(coalitionGraph(n, 3, random), trust);
    const x0 = Array.from({ length: n }, () => random.next());
    const t0 = performance.now();
    const l2 = secondEigenvalue(W);
    const tl = performance.now() - t0;
    const t1 = performance.now();
    const mean = fuse(W, x0, { epsilon: 1e-3, maxRounds: 100_000 });
    const tm = performance.now() - t1;
    const t2 = performance.now();
    const trimmed = fuse(W, x0, { epsilon: 1e-3, maxRounds: 100_000, rule: 'trimmed', trim: 1 });
    const tt = performance.now() - t2;
    const bound = roundsBound(W, x0, 1e-3, l2);
    rows.push({
      agents: n,
      lambda2: Math.round(l2 * 1e4) / 1e4,
      bound,
      rounds: mean.rounds,
      withinBound: mean.rounds <= bound,
      ms: Math.round(tm * 100) / 100,
      trimmedRounds: trimmed.rounds,
      trimmedMs: Math.round(tt * 100) / 100,
      lambda2Ms: Math.round(tl),
    });
    process.stderr.write(`consensus ${n} agents done\n`);
  }
  return rows;
}

async function timed(o: Partial<SimOptions>): Promise<{ r: SimReport; wallMs: number }> {
  const t = performance.now();
  const r = await runSimulation(o);
  return { r, wallMs: Math.round(performance.now() - t) };
}

function simRow(label: string, { r, wallMs }: { r: SimReport; wallMs: number }): Row {
  const s = r.summary;
  return {
    scenario: label,
    mode: r.mode,
    completed: `${s.completed}/${r.cases.length}`,
    completionRate: Math.round(s.completionRate * 1000) / 1000,
    casesPerMin: s.casesPerMinute,
    meanLatencyS: s.meanLatencyMs === null ? '-' : Math.round(s.meanLatencyMs / 100) / 10,
    p95LatencyS: s.p95LatencyMs === null ? '-' : Math.round(s.p95LatencyMs / 100) / 10,
    overhead: s.meanOverhead ?? '-',
    messages: s.envelopes,
    authorityMaxShare: Math.round(r.authority.maxShare * 100) / 100,
    wallMs,
  };
}

async function throughput(): Promise<Row[]> {
  const base = { cases: quick ? 10 : 30, agents: 20, seed: 'bench', arrivalMs: 3_000 };
  const rows = [simRow('fault-free', await timed({ ...base, mode: 'decentralized' })), simRow('fault-free', await timed({ ...base, mode: 'central' }))];
  process.stderr.write('throughput done\n');
  return rows;
}

async function crashes(): Promise<Row[]> {
  const rows: Row[] = [];
  const seeds = quick ? [1] : [1, 2, 3];
  // Crashed nodes stay down past the deadline: the question is who finishes without them.
  const base = { cases: quick ? 8 : 15, agents: 20, crashRate: 0.2, downMs: 60 * 60_000, deadlineMs: 15 * 60_000 };
  const scenarios: [string, Partial<SimOptions>][] = [
    ['20% crash', { mode: 'decentralized' }],
    ['20% crash', { mode: 'central' }],
    ['20% crash + orchestrator', { mode: 'central', crashOrchestrator: true }],
  ];
  for (const [label, o] of scenarios) {
    const runs = [];
    for (const seed of seeds) runs.push(await timed({ ...base, ...o, seed }));
    const rate = runs.reduce((a, x) => a + x.r.summary.completionRate, 0) / runs.length;
    const row = simRow(label, runs[0]!);
    row['completionRate'] = Math.round(rate * 1000) / 1000;
    row['completed'] = `${runs.reduce((a, x) => a + x.r.summary.completed, 0)}/${runs.reduce((a, x) => a + x.r.cases.length, 0)}`;
    row['seeds'] = seeds.length;
    rows.push(row);
    process.stderr.write(`${label} ${o.mode} done\n`);
  }
  return rows;
}

/** Learned routing: mean hidden quality of the agents that delivered, first vs second half of the cases. */
async function learning(): Promise<Row[]> {
  const { r, wallMs } = await timed({ cases: quick ? 16 : 60, agents: 20, seed: 'learning', arrivalMs: 3_000 });
  process.stderr.write('learning done\n');
  return (r.specialization ?? []).map((x) => ({ ...x, wallMs }));
}

const c = consensus();
table('Belief fusion: rounds to ε = 1e-3 vs the λ2 bound (ring + 3 random chords per agent, trust-weighted W)', c);
const t = await throughput();
table('Throughput and latency, same population and workload (sim time; wallMs = real time to simulate)', t);
const k = await crashes();
table('Completion with 20% of organizations crashing for good (deadline 15 min after the last arrival)', k);
const l = await learning();
table('Specialization: who delivers each skill, first vs second half of the cases (learned routing)', l);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const out = join(root, 'test', 'bench', 'results', 'coordination.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify({ name: 'coordination', at: new Date().toISOString(), node: process.version, quick, consensus: c, throughput: t, crashes: k, learning: l }, null, 2)}\n`,
);
process.stdout.write(`\nwrote ${out}\n`);
