import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../../core/common/random.js';
import { coalitionGraph, completeGraph, fuse, roundsBound, rowSumsOk, secondEigenvalue, trustWeightMatrix } from '../../core/coordination/consensus/fusion.js';
import { tally } from '../../core/coordination/consensus/voting.js';
import { mergeProposals } from '../../core/coordination/plan.js';
import type { Proposal } from '../../core/coordination/messages.js';

function scenario(n: number, seed: number) {
  const random = seededRandom(`fusion:${seed}:${n}`);
  const trust = Array.from({ length: n }, () => 0.2 + random.next());
  const W = trustWeightMatrix(coalitionGraph(n, 3, random), trust);
  const x0 = Array.from({ length: n }, () => random.next());
  return { W, x0 };
}

test('the trust weight matrix is row-stochastic', () => {
  const { W } = scenario(40, 1);
  assert.ok(rowSumsOk(W));
  assert.throws(() => trustWeightMatrix(completeGraph(3), [1, 0, 1]), /positive/);
});

test('belief fusion converges within the λ2 bound, over many seeds and sizes', () => {
  for (const n of [5, 20, 100]) {
    for (let seed = 1; seed <= 5; seed++) {
      const { W, x0 } = scenario(n, seed);
      const l2 = secondEigenvalue(W);
      assert.ok(l2 >= 0 && l2 < 1, `λ2 in [0,1) for a connected graph, got ${l2}`);
      const r = fuse(W, x0, { epsilon: 1e-4, maxRounds: 10_000 });
      assert.ok(r.converged);
      const bound = roundsBound(W, x0, 1e-4, l2);
      assert.ok(r.rounds <= bound, `n=${n} seed=${seed}: ${r.rounds} rounds > bound ${bound}`);
      // The mean rule keeps beliefs inside the initial range.
      assert.ok(Math.min(...r.beliefs) >= Math.min(...x0) - 1e-12 && Math.max(...r.beliefs) <= Math.max(...x0) + 1e-12);
    }
  }
});

test('a complete graph with equal trust agrees in one round (λ2 = 0)', () => {
  const W = trustWeightMatrix(completeGraph(6), [1, 1, 1, 1, 1, 1]);
  assert.ok(secondEigenvalue(W) < 1e-6);
  const r = fuse(W, [0, 0.2, 0.4, 0.6, 0.8, 1], { epsilon: 1e-9, maxRounds: 10 });
  assert.equal(r.rounds, 1);
});

test('Byzantine-robust fusion: trimmed and median rules resist injected beliefs the mean absorbs', () => {
  const n = 30;
  const random = seededRandom('byz');
  const trust = Array.from({ length: n }, () => 1);
  const W = trustWeightMatrix(coalitionGraph(n, 6, random), trust);
  const x0 = Array.from({ length: n }, (_, i) => (i < 2 ? 1 : 0.3 + 0.1 * random.next()));
  const stubborn = new Set([0, 1]);
  const honest = (b: number[]) => b.filter((_, i) => !stubborn.has(i));
  const mean = fuse(W, x0, { epsilon: 1e-3, maxRounds: 2000, stubborn });
  const trimmed = fuse(W, x0, { epsilon: 1e-3, maxRounds: 2000, stubborn, rule: 'trimmed', trim: 2 });
  const median = fuse(W, x0, { epsilon: 1e-3, maxRounds: 2000, stubborn, rule: 'median' });
  assert.ok(Math.max(...honest(mean.beliefs)) > 0.9, 'the mean is dragged to the liars');
  for (const r of [trimmed, median]) assert.ok(Math.max(...honest(r.beliefs)) <= 0.4 + 1e-9, 'robust rules stay within the honest range');
});

test('votes: reputation-weighted, one ballot per voter, decided past the quorum', () => {
  const t = tally(
    [
      { voter: 'a', choice: 'yes', weight: 50 },
      { voter: 'a', choice: 'no', weight: 50 },
      { voter: 'b', choice: 'no', weight: 30 },
    ],
    100,
  );
  assert.deepEqual(t.weights, { yes: 50, no: 30 });
  assert.equal(t.leader, 'yes');
  assert.equal(t.decided, false);
  assert.equal(tally([{ voter: 'a', choice: 'yes', weight: 51 }], 100).decided, true);
});

const sub = (id: string, skill: string, confidence: number, domain = skill) => ({ id, title: id, skill, deps: [], confidence, domain, outputs: [] });

test('plan merge: confidence capped, lone out-of-competence additions and lone vetoes left out', () => {
  const honest: Proposal = { domain: 'a', subtasks: [sub('work-a', 'a', 0.9)] };
  const other: Proposal = { domain: 'b', subtasks: [sub('work-b', 'b', 0.9)] };
  const liar: Proposal = { domain: 'b', subtasks: [sub('bulk-export', 'export', 1, 'export'), sub('work-a', 'a', 0, 'a')] };
  const skills: Record<string, string[]> = { h: ['a'], o: ['b'], l: ['b'] };
  const plan = mergeProposals(
    [
      { author: 'h', proposal: honest, reputation: 50 },
      { author: 'o', proposal: other, reputation: 50 },
      { author: 'l', proposal: liar, reputation: 90 },
    ],
    { rule: 'median' },
    (d) => skills[d] ?? [],
  );
  assert.deepEqual(
    plan.map((s) => s.id),
    ['work-a', 'work-b'],
  );
  assert.ok(plan.every((s) => s.confidence <= 0.95));
  // Without cross-validation the liar gets its way.
  const naive = mergeProposals(
    [
      { author: 'h', proposal: honest, reputation: 50 },
      { author: 'l', proposal: { ...liar, domain: 'a' }, reputation: 90 },
    ],
    { crossValidate: false },
  );
  assert.deepEqual(
    naive.map((s) => s.id),
    ['bulk-export'],
  );
});
