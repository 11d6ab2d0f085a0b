import { z } from 'zod';
import { ATTACKS, type Attack } from '../../sim/population.js';
import { runWithBaseline, type SimReport } from '../../sim/run.js';
import { ORG_ATTACKS, type OrgAttack } from '../../sim/org-attacks.js';
import { reproduce, runOrgSweep, type OrgSeedResult } from '../../sim/org-run.js';
import { parseCommandArgs, type Command } from '../args.js';

const Options = z.object({
  cases: z.coerce.number({ error: 'must be a number of cases' }).int().min(1).max(10_000).default(10),
  agents: z.coerce.number({ error: 'must be a number of agents' }).int().min(8, 'needs at least 8 agents').max(2_000).default(20),
  seed: z.string().min(1).default('1'),
  'crash-rate': z.coerce.number({ error: 'must be a fraction between 0 and 1' }).min(0).max(1).default(0),
  adversaries: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(ATTACKS, { error: `each adversary is one of ${ATTACKS.join(', ')}` }))),
  mode: z.enum(['decentralized', 'central'], { error: 'must be decentralized or central' }).default('decentralized'),
  partitions: z.coerce.number({ error: 'must be a number' }).int().min(0).max(100).default(0),
  'crash-orchestrator': z.boolean().default(false),
  json: z.boolean().default(false),
  seeds: z.coerce.number({ error: 'must be a number of seeds' }).int().min(1, 'needs at least 1 seed').max(100_000).optional(),
  from: z.coerce.number({ error: 'must be a whole number' }).int().min(0).max(Number.MAX_SAFE_INTEGER).default(1),
  attacks: z
    .string()
    .optional()
    .transform((s) =>
      s === undefined
        ? undefined
        : s
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean),
    )
    .pipe(z.array(z.enum(ORG_ATTACKS, { error: `each attack is one of ${ORG_ATTACKS.join(', ')}` })).optional()),
  crashes: z.coerce.number({ error: 'must be a number of nodes' }).int().min(0).max(4).optional(),
});

export const sim: Command = {
  name: 'sim',
  summary: 'simulate many agents and cases under faults and attacks, deterministically',
  usage: `Usage: murmur sim [--cases N] [--agents M] [--seed S] [--crash-rate R] [--adversaries LIST]
                  [--mode decentralized|central] [--partitions K] [--crash-orchestrator] [--json]
       murmur sim --seeds N [--from S] [--attacks LIST] [--crashes K] [--json]

With --seeds, runs the real org nodes instead: the reference coalition's four OrgNodes
(charter and privacy on) run one case per seed, seeds S…S+N−1, over a simulated network and
clock, with crashes and hostile members drawn from each seed (or as given), and checks that
the case reaches its fault-free decision, nothing forbidden is accepted and every replica's
state digest matches a fresh fold. Prints each failing seed with the command that replays it.

  --seeds N            how many seeds to run
  --from S             the first seed (default 1)
  --attacks LIST       comma-separated, instead of one drawn per seed: ${ORG_ATTACKS.join(', ')}
  --crashes K          how many of the four nodes crash and restart (default drawn: 0–2)

Without --seeds:

Runs a whole population of agents and prior-authorization cases in one process under a seeded
clock, randomness and network (delays, drops, partitions, crashes and restarts). The same seed
gives the same run. Prints per-case outcomes, coordination overhead and invariant checks.

  --cases N            cases to run (default 10)
  --agents M           agents in the population (default 20)
  --seed S             seed of every random choice (default 1)
  --crash-rate R       fraction of organizations that crash once, then restart (default 0)
  --adversaries LIST   comma-separated attacks: ${ATTACKS.join(', ')}
  --mode MODE          decentralized (default) or central (the orchestrator baseline)
  --partitions K       number of one-minute partitions of a node from the board (default 0)
  --crash-orchestrator central mode: the orchestrator crashes too
  --json               print the full report as JSON

Exit status: 0 when every invariant holds, 1 when one fails, 2 on bad input.`,
  options: {
    cases: { type: 'string' },
    agents: { type: 'string' },
    seed: { type: 'string' },
    'crash-rate': { type: 'string' },
    adversaries: { type: 'string' },
    mode: { type: 'string' },
    partitions: { type: 'string' },
    'crash-orchestrator': { type: 'boolean' },
    json: { type: 'boolean' },
    seeds: { type: 'string' },
    from: { type: 'string' },
    attacks: { type: 'string' },
    crashes: { type: 'string' },
  },
  async run(argv) {
    const { values, help } = parseCommandArgs(this, argv, Options);
    if (help) {
      process.stdout.write(`${this.usage}\n`);
      return 0;
    }
    if (values.seeds !== undefined) return sweep(values.seeds, values.from, values.attacks as OrgAttack[] | undefined, values.crashes, values.json);
    const progress = process.stderr.isTTY ? (n: number, total: number) => process.stderr.write(`\rcases ended: ${n}/${total}`) : undefined;
    const report = await runWithBaseline({
      cases: values.cases,
      agents: values.agents,
      seed: values.seed,
      crashRate: values['crash-rate'],
      adversaries: values.adversaries as Attack[],
      mode: values.mode,
      partitions: values.partitions,
      crashOrchestrator: values['crash-orchestrator'],
      ...(progress ? { progress } : {}),
    });
    if (progress) process.stderr.write('\n');
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : render(report));
    return Object.values(report.invariants).every((i) => i.ok) ? 0 : 1;
  },
};

async function sweep(count: number, from: number, attacks: OrgAttack[] | undefined, crashes: number | undefined, json: boolean): Promise<number> {
  const line = (r: OrgSeedResult): string =>
    `FAIL seed ${r.seed} (${r.variant}; crashed ${r.crashed.map((c) => c.org).join(', ') || 'none'}; attacks ${r.attacks.join(', ') || 'none'}): ${r.failures.join('; ')}\n  reproduce: ${reproduce(r, { attacks, crashes })}\n`;
  const report = await runOrgSweep({
    count,
    from,
    ...(attacks ? { attacks } : {}),
    ...(crashes !== undefined ? { crashes } : {}),
    onSeed: (r) => void (!json && !r.ok && process.stdout.write(line(r))),
  });
  const summary = `${report.seeds} seed(s) from ${from}: ${report.seeds - report.failed.length} passed, ${report.failed.length} failed; ${(report.wallMs / 1000).toFixed(1)} s, ${report.seedsPerSecond} seeds/s`;
  process.stdout.write(json ? `${JSON.stringify({ ...report, summary }, null, 2)}\n` : `${summary}\n`);
  return report.failed.length === 0 ? 0 : 1;
}

function render(r: SimReport): string {
  const lines = [`mode ${r.mode}, ${r.options.cases} cases, ${r.options.agents} agents, seed ${r.options.seed}`, ''];
  lines.push(['case', 'status', 'outcome', 'expected', 'latency s', 'work s', 'coord s', 'overhead', 'envelopes'].map((h) => h.padEnd(11)).join(''));
  for (const c of r.cases) {
    const s = (ms: number | null): string => (ms === null ? '-' : (ms / 1000).toFixed(1));
    lines.push(
      [c.case, c.status, c.outcome ?? '-', c.expected, s(c.latencyMs), s(c.workMs), s(c.coordinationMs), c.overhead?.toFixed(2) ?? '-', String(c.envelopes)]
        .map((x) => x.padEnd(11))
        .join(''),
    );
  }
  const m = r.summary;
  lines.push(
    '',
    `completed ${m.completed}/${r.cases.length}, ${m.casesPerMinute} cases/min (sim time), mean latency ${m.meanLatencyMs ?? '-'} ms, mean overhead ${m.meanOverhead ?? '-'}`,
  );
  lines.push(`authority: largest share ${r.authority.maxShare.toFixed(2)}, Gini ${r.authority.gini.toFixed(2)}`, '');
  for (const [k, v] of Object.entries(r.invariants)) lines.push(`${v.ok ? 'ok  ' : 'FAIL'} ${k}${v.detail ? ` (${v.detail})` : ''}`);
  for (const [k, v] of Object.entries(r.attacks))
    lines.push(
      `${v.detected && v.contained ? 'ok  ' : 'FAIL'} attack ${k}: ${v.detected ? 'detected' : 'not detected'}, ${v.contained ? 'contained' : 'not contained'} — ${v.detail}`,
    );
  return `${lines.join('\n')}\n`;
}
