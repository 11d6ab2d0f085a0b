import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runWithBaseline, runSimulation } from '../../app/sim/run.js';

/**
 * Claim slots (the store's tryClaim): in the simulator two members are invited per skill, so
 * every subtask has two contenders. The one that loses the slot posts no Claim; the fold's
 * first valid claim still decides, for a member that ignores the slot too.
 */

const lostRace = 'Claim: already claimed by another agent';

test('contenders that lose the claim slot post no Claim entry (no claim is refused as taken)', async () => {
  for (const seed of [1, 2]) {
    const claims: { status: string; reason: string | undefined }[] = [];
    const r = await runSimulation({
      cases: 4,
      agents: 12,
      seed,
      inspect: (fold) => {
        for (const x of fold.records) if (x.kind === 'Claim') claims.push({ status: x.status, reason: x.reason });
      },
    });
    assert.equal(r.summary.completed, 4, `seed ${seed}`);
    assert.equal(r.rejectReasons?.[lostRace] ?? 0, 0, `seed ${seed}: ${JSON.stringify(r.rejectReasons)}`);
    // Two contenders per subtask, yet every Claim on the board was accepted: losers stayed quiet.
    assert.ok(claims.length > 0);
    assert.deepEqual(
      claims.filter((c) => c.status !== 'accepted'),
      [],
      `seed ${seed}`,
    );
  }
});

test('a squatter that skips the slot wins only what the fold gives it, and is still contained', async () => {
  const r = await runWithBaseline({
    cases: 6,
    agents: 16,
    seed: 1,
    adversaries: ['squat'],
  });
  const a = r.attacks['squat']!;
  assert.ok(a.detected && a.contained, a.detail);
  assert.ok(r.invariants['decisionsMatchFaultFree']!.ok, r.invariants['decisionsMatchFaultFree']!.detail);
  assert.match(a.detail, /^[1-9]\d* claim\(s\) won/, 'the squatter, skipping the slot, still won claims the fold gave it');
});
