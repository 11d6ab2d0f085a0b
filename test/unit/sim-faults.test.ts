import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../../core/common/random.js';
import { crashPlan, drawDistinct } from '../../app/sim/faults.js';

const ORGS = ['northwind', 'helix', 'evidentia', 'vigilant'];

test('crash targets come from the seed: different seeds crash different nodes, not always the first', () => {
  const firsts = new Set<string>();
  const picked = new Set<string>();
  for (let seed = 1; seed <= 40; seed++) {
    const targets = drawDistinct(ORGS, 2, seededRandom(`${seed}:faults`));
    assert.equal(targets.length, 2);
    assert.equal(new Set(targets).size, 2, 'no node is drawn twice');
    for (const t of targets) assert.ok(ORGS.includes(t));
    firsts.add(targets.join(','));
    for (const t of targets) picked.add(t);
  }
  // The old constant-comparator sort always gave the first two: northwind, helix.
  assert.ok(firsts.size > 4, `only ${[...firsts].join(' | ')}`);
  assert.deepEqual([...picked].sort(), [...ORGS].sort(), 'every node is crashed by some seed');
});

test('the same seed draws the same targets; counts are clamped to the population', () => {
  assert.deepEqual(drawDistinct(ORGS, 3, seededRandom('s')), drawDistinct(ORGS, 3, seededRandom('s')));
  assert.equal(drawDistinct(ORGS, 9, seededRandom('s')).length, 4);
  assert.deepEqual(drawDistinct(ORGS, 0, seededRandom('s')), []);
  assert.deepEqual(ORGS, ['northwind', 'helix', 'evidentia', 'vigilant'], 'the input is left as it was');
});

test('a crash plan places each crash inside the horizon and each restart after its down time', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const plan = crashPlan(ORGS, { count: 2, from: 1_000, horizonMs: 60_000, downMs: { min: 1_000, max: 40_000 } }, seededRandom(seed));
    for (const c of plan) {
      assert.ok(c.at >= 1_000 && c.at < 61_000, `crash at ${c.at}`);
      assert.ok(c.restartAt - c.at >= 1_000 && c.restartAt - c.at < 40_000, `down ${c.restartAt - c.at}`);
    }
  }
});
