import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../../core/common/random.js';
import { findCycles, isCycleOf, yielder } from '../../core/coordination/failures/waits-for.js';
import { backoffDelay } from '../../core/coordination/stigmergy/backoff.js';
import { gapLive, gapRejected, gapStrength } from '../../core/coordination/stigmergy/gap-strength.js';
import { SkillPosterior, sampleBeta } from '../../core/coordination/learning/thompson.js';
import { authorityReport } from '../../core/coordination/learning/authority.js';
import { shapleyExact, shapleySampled } from '../../core/coordination/reputation.js';

const graph = (edges: [string, string][]) => {
  const g = new Map<string, Set<string>>();
  for (const [a, b] of edges) (g.get(a) ?? g.set(a, new Set()).get(a)!).add(b);
  return g;
};

test('waits-for: cycles are found, acyclic graphs have none, the lowest reputation yields', () => {
  assert.deepEqual(
    findCycles(
      graph([
        ['a', 'b'],
        ['b', 'c'],
      ]),
    ),
    [],
  );
  const g = graph([
    ['a', 'b'],
    ['b', 'c'],
    ['c', 'a'],
    ['d', 'a'],
    ['e', 'f'],
    ['f', 'e'],
  ]);
  const cycles = findCycles(g);
  assert.deepEqual(cycles, [
    ['a', 'b', 'c'],
    ['e', 'f'],
  ]);
  assert.ok(cycles.every((c) => isCycleOf(g, c)));
  assert.equal(isCycleOf(g, ['a', 'c', 'b']), false);
  const rep: Record<string, number> = { a: 60, b: 40, c: 40 };
  assert.equal(
    yielder(['a', 'b', 'c'], (d) => rep[d]!),
    'c',
    'ties: the greatest DID yields',
  );
});

test('backoff: delays are Uniform(0, 2^k·τ) and grow with lost rounds', () => {
  const random = seededRandom('backoff');
  for (let k = 0; k < 6; k++) {
    const xs = Array.from({ length: 2000 }, () => backoffDelay(k, 100, random));
    assert.ok(xs.every((x) => x >= 0 && x < 2 ** k * 100));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(Math.abs(mean - 2 ** k * 50) < 2 ** k * 50 * 0.1, `mean ${mean} at k=${k}`);
  }
  assert.ok(backoffDelay(50, 100, random) < 2 ** 8 * 100, 'capped');
});

test('contention with backoff converges: contenders for one slot get through in few rounds', () => {
  // Slotted model of claim contention: a round succeeds when exactly one contender fires in it.
  const run = (withBackoff: boolean, seed: number): number => {
    const random = seededRandom(`contention:${seed}`);
    let waiting = Array.from({ length: 16 }, () => ({ k: 0, at: 0 }));
    let t = 0;
    while (waiting.length && t < 100_000) {
      const firing = waiting.filter((w) => w.at <= t);
      if (firing.length === 1) waiting = waiting.filter((w) => w !== firing[0]);
      else for (const w of firing) w.at = t + 1 + Math.floor(withBackoff ? backoffDelay(++w.k, 1, random) : 0);
      t++;
    }
    return t;
  };
  for (let seed = 1; seed <= 10; seed++) {
    assert.ok(run(true, seed) < 400, 'backoff drains 16 contenders');
    assert.equal(run(false, seed), 100_000, 'without backoff they collide forever');
  }
});

test('gaps decay unless endorsed; validation rejects withdraw them', () => {
  const cfg = { halfLifeMs: 1000, threshold: 0.25 };
  const g = { raisedAt: 0, endorsedAt: [] as number[], endorsements: 0, rejections: 0, awarded: false };
  assert.equal(gapStrength(g, 1000, cfg), 0.5);
  assert.ok(gapLive(g, 1999, cfg));
  assert.ok(!gapLive(g, 2001, cfg));
  assert.ok(gapLive({ ...g, endorsedAt: [1500], endorsements: 1 }, 2001, cfg), 'an endorsement refreshes it');
  assert.ok(gapLive({ ...g, awarded: true }, 1e9, cfg));
  assert.ok(!gapRejected({ ...g, rejections: 1 }));
  assert.ok(gapRejected({ ...g, rejections: 2 }));
  assert.ok(!gapLive({ ...g, rejections: 3, endorsements: 1 }, 0, cfg));
});

test('Thompson sampling: the better skill is sampled higher more often as evidence accrues', () => {
  const random = seededRandom('ts');
  const p = new SkillPosterior();
  for (let i = 0; i < 30; i++) {
    p.record('good', random.next() < 0.9);
    p.record('bad', random.next() < 0.4);
  }
  let wins = 0;
  for (let i = 0; i < 500; i++) if (p.sample('good', random) > p.sample('bad', random)) wins++;
  assert.ok(wins > 450, `good won ${wins}/500`);
  const xs = Array.from({ length: 3000 }, () => sampleBeta(2, 6, random));
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.25) < 0.02);
});

test('authority: even spread has Gini 0; one holder of everything has share 1', () => {
  assert.deepEqual(authorityReport({ a: 2, b: 2 }, ['a', 'b']).gini, 0);
  const central = authorityReport({ o: 10 }, ['o', 'a', 'b', 'c']);
  assert.equal(central.maxShare, 1);
  assert.equal(central.gini, 0.75);
});

test('Shapley: sampled values approach the exact ones', () => {
  const players = ['a', 'b', 'c', 'd'];
  const contributions = [
    { value: 1, required: ['a'] },
    { value: 2, required: ['b', 'c'] },
    { value: 1, required: ['d', 'a'] },
  ];
  const exact = shapleyExact(players, contributions);
  const random = seededRandom('shapley');
  const sampled = shapleySampled(players, contributions, 4000, () => random.next());
  for (const p of players) assert.ok(Math.abs(exact.get(p)! - sampled.get(p)!) < 0.05);
  assert.equal(
    [...exact.values()].reduce((a, b) => a + b, 0),
    4,
    'efficiency: values sum to v(N)',
  );
});
