import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reproduce, runOrgSweep } from '../../app/sim/org-run.js';

/**
 * The seed sweep: the real org nodes under seeded crashes, network delays and one hostile
 * behaviour drawn per seed. MURMUR_SIM_SEEDS sets how many (.ci/run sets the CI count); each
 * failing seed is printed with the command that replays it.
 */
const SEEDS = Number(process.env['MURMUR_SIM_SEEDS'] ?? 40);
const FROM = Number(process.env['MURMUR_SIM_FROM'] ?? 1);

test(`seed sweep: ${SEEDS} seeds of the real org nodes under crashes and attacks`, { timeout: 900_000 }, async () => {
  const report = await runOrgSweep({ count: SEEDS, from: FROM });
  process.stderr.write(
    `[sim] ${report.seeds} seeds in ${(report.wallMs / 1000).toFixed(1)} s: ${report.seedsPerSecond} seeds/s, ${report.failed.length} failed\n`,
  );
  for (const r of report.failed) process.stderr.write(`[sim] FAIL seed ${r.seed}: ${r.failures.join('; ')}\n[sim]   reproduce: ${reproduce(r)}\n`);
  assert.deepEqual(
    report.failed.map((r) => `${r.seed}: ${r.failures.join('; ')} (${reproduce(r)})`),
    [],
  );
});

// Found by a wider sweep (seeds 101–340): the lab's card reaches the board 100 ms before the
// convener's Invitation but not yet its replica, so the lab is not invited; the plan drops
// genomic-screening (no member holds its skill) instead of raising a gap for it, and the
// determination pends for the missing genomic data where the fault-free run approves.
test(
  'seed 246: a capable agent whose card lands just after convening is still brought in',
  { todo: 'the convener invites from its card cache once; an unstaffed proposed subtask should become a gap' },
  async () => {
    const report = await runOrgSweep({ count: 1, from: 246 });
    assert.deepEqual(
      report.failed.map((r) => r.failures.join('; ')),
      [],
    );
  },
);

// Found the same way (seed 74, and 218 before the fix): an agent posted after the case ended (a
// refused late Dissolved), and the replicas were compared before the last of them had folded it.
test('seeds 74 and 218: replicas are compared only once the board stops growing', async () => {
  const report = await runOrgSweep({ count: 1, from: 74 });
  const other = await runOrgSweep({ count: 1, from: 218 });
  assert.deepEqual(
    [...report.failed, ...other.failed].map((r) => `${r.seed}: ${r.failures.join('; ')}`),
    [],
  );
});
