import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMurmurError } from '../../core/common/errors.js';
import { sim } from '../../app/cli/commands/sim.js';
import { ATTACKS } from '../../app/sim/population.js';
import { runSimulation, runWithBaseline, type SimReport } from '../../app/sim/run.js';

const failing = (r: SimReport) =>
  Object.entries(r.invariants)
    .filter(([, v]) => !v.ok)
    .map(([k, v]) => `${k}${v.detail ? ` (${v.detail})` : ''}`);

test('invariants hold over many seeds under crashes, partitions and message loss', async () => {
  for (let seed = 1; seed <= 8; seed++) {
    const r = await runWithBaseline({
      cases: 4,
      agents: 12,
      seed,
      crashRate: 0.34,
      partitions: 1,
      network: { baseDelayMs: 20, jitterMs: 80, dropRate: 0.05, rtoMs: 400 },
    });
    assert.deepEqual(failing(r), [], `seed ${seed}`);
    assert.ok(r.invariants['decisionsMatchFaultFree'], 'compared with the fault-free run');
    assert.ok(r.summary.crashes > 0);
  }
});

const liveness = (seed: number) => runSimulation({ cases: 5, agents: 20, seed, crashRate: 0.4, downMs: 60 * 60_000, deadlineMs: 15 * 60_000 });

test('liveness: with 40% of organizations gone for good, every case still ends (re-invites, recounts, take-overs)', async () => {
  for (const seed of [3, 8]) assert.deepEqual(failing(await liveness(seed)), [], `seed ${seed}`);
});

// Found once crash targets came from the seed (they were always the first organizations):
// seed 5 loses, for good, the convener of three cases after its re-Invitation; no entry
// follows on those cases, so they stay convening (board time that advances on a quiet board
// is issue 14's gap-decay work).
test('liveness: seed 5, a convener lost for good after its Invitation', { todo: 'the case stays convening on a quiet board' }, async () => {
  assert.deepEqual(failing(await liveness(5)), []);
});

test('the same seed gives the same run; another seed another', async () => {
  const opts = { cases: 4, agents: 12, seed: 'replay', crashRate: 0.34, partitions: 1 };
  const a = await runSimulation(opts);
  const b = await runSimulation(opts);
  assert.deepEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
  const c = await runSimulation({ ...opts, seed: 'other' });
  assert.notDeepEqual(c.summary, a.summary);
});

test('each of the five attacks is detected or contained, and decisions are unchanged', async () => {
  for (const seed of [1, 2]) {
    const r = await runWithBaseline({ cases: 6, agents: 16, seed, adversaries: [...ATTACKS] });
    assert.deepEqual(failing(r), [], `seed ${seed}`);
    for (const attack of ATTACKS) {
      const a = r.attacks[attack]!;
      assert.ok(a.detected && a.contained, `${attack} (seed ${seed}): ${a.detail}`);
    }
    assert.ok(r.invariants['decisionsMatchFaultFree']!.ok);
  }
});

test('contention for the same subtasks converges: every claim round ends with one holder', async () => {
  // 36 agents over 5 skills: about seven contenders per subtask, each case invites two per skill.
  const r = await runSimulation({ cases: 6, agents: 36, seed: 'contention' });
  assert.deepEqual(failing(r), []);
  const lost = r.rejectReasons?.['Claim: already claimed by another agent'] ?? 0;
  const accepted = r.cases.length * 5;
  assert.ok(lost <= accepted, `${lost} lost claims for ~${accepted} claimed subtasks`);
});

test('no orchestrator to lose: with 20% of organizations crashing the coalition completes; a central orchestrator that crashes does not', async () => {
  const common = { cases: 6, agents: 20, seed: 3, downMs: 30 * 60_000, deadlineMs: 10 * 60_000 };
  const dec = await runSimulation({ ...common, crashRate: 0.2 });
  const central = await runSimulation({ ...common, mode: 'central', crashRate: 0.2, crashOrchestrator: true });
  const centralOk = await runSimulation({ ...common, mode: 'central' });
  assert.equal(dec.summary.completionRate, 1);
  assert.equal(centralOk.summary.completionRate, 1);
  assert.ok(central.summary.completionRate < 1, `central completed ${central.summary.completionRate}`);
  // Rotation spreads coordination authority; the orchestrator holds all of it.
  assert.ok(dec.authority.maxShare < 0.5, `largest share ${dec.authority.maxShare}`);
  assert.equal(central.authority.maxShare, 1);
  // Overhead is reported per case.
  assert.ok(dec.cases.every((c) => c.coordinationMs !== null && c.overhead !== null && c.workMs > 0));
});

test('murmur sim --json prints per-case outcomes, overhead and invariant checks, and exits 0 when they hold', async () => {
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  // Keep only the command's text; the test runner's own frames (buffers) pass through.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) =>
    typeof chunk === 'string' ? (out.push(chunk), true) : write(chunk, ...rest)) as typeof process.stdout.write;
  let code: number;
  try {
    code = await sim.run(['--cases', '3', '--agents', '12', '--seed', 'cli', '--crash-rate', '0.34', '--json']);
  } finally {
    process.stdout.write = write;
  }
  assert.equal(code, 0);
  const report = JSON.parse(out.join('')) as SimReport;
  assert.equal(report.cases.length, 3);
  for (const c of report.cases) assert.ok(c.ended && c.outcome === c.expected && typeof c.overhead === 'number');
  assert.ok(report.invariants['noDoubleClaims']!.ok && report.invariants['decisionsMatchFaultFree']!.ok);
});

test('murmur sim validates its arguments', async () => {
  for (const argv of [
    ['--agents', '3'],
    ['--adversaries', 'squat,bribe'],
    ['--mode', 'star'],
    ['--crash-rate', '2'],
    ['--bogus'],
    ['--seeds', '0'],
    ['--seeds', '2', '--attacks', 'bribe'],
    ['--seeds', '2', '--crashes', '5'],
    ['--seeds', 'many'],
  ]) {
    await assert.rejects(sim.run(argv), (e: unknown) => isMurmurError(e, 'E_INPUT'), argv.join(' '));
  }
});
