import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ORG_ATTACKS } from '../../app/sim/org-attacks.js';
import { runOrgSeed, type OrgSeedResult } from '../../app/sim/org-run.js';

const show = (r: OrgSeedResult) => `seed ${r.seed} (${r.variant}): ${r.failures.join('; ')}`;

for (const attack of ORG_ATTACKS) {
  test(`real org nodes: a hostile ${attack} is refused and the case still reaches its fault-free decision`, { timeout: 120_000 }, async () => {
    for (const seed of [1, 2]) {
      const r = await runOrgSeed({ seed, attacks: [attack], crashes: 0 });
      assert.ok(r.ok, show(r));
      assert.equal(r.decision, r.expected);
      assert.ok((r.attempted[attack] ?? 0) > 0, `${attack} on seed ${seed}: no hostile entry reached the board`);
    }
  });
}

test(
  'real org nodes under crashes: each crashed node restarts from what it kept, and every replica digest matches a fresh fold',
  { timeout: 180_000 },
  async () => {
    const crashed = new Set<string>();
    for (const seed of [3, 4, 5]) {
      const r = await runOrgSeed({ seed, crashes: 2, attacks: [] });
      assert.ok(r.ok, show(r));
      assert.equal(r.crashed.length, 2);
      for (const c of r.crashed) crashed.add(c.org);
      assert.match(r.digest, /^[0-9a-f]{64}$/);
    }
    assert.ok(crashed.size > 2, `seeds crashed only ${[...crashed].join(', ')}`);
  },
);

test('the same seed replays the same run: case, crashes, attacks, decision and size', { timeout: 120_000 }, async () => {
  const a = await runOrgSeed({ seed: 'replay' });
  const b = await runOrgSeed({ seed: 'replay' });
  const shape = (r: OrgSeedResult) => ({
    variant: r.variant,
    crashed: r.crashed,
    attacks: r.attacks,
    decision: r.decision,
    simMs: r.simMs,
    envelopes: r.envelopes,
    rejected: r.rejected,
  });
  assert.deepEqual(shape(a), shape(b));
});
