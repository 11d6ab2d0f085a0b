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
