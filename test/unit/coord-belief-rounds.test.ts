import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BoardFold } from '../../core/board/fold.js';
import { didKeyResolver } from '../../core/crypto/did-key.js';
import type { CoalitionState } from '../../core/coordination/case-state.js';
import { coalitionReducer, type ReducerConfig } from '../../core/coordination/reducer.js';
import { beliefsOf, CLOSE_BELIEF_ROUND, openRound, type BeliefRounds } from '../../core/coordination/rules/belief-update.js';
import { convened, FoldBoard, testCard, type Signer } from '../support/fold-board.js';
import { testSigner } from '../support/keys.js';

// Four members: A convenes; A, B, C and D each hold one skill; B, C and D also do "shared".
const A = testSigner('belief-a');
const B = testSigner('belief-b');
const C = testSigner('belief-c');
const D = testSigner('belief-d');
const MEMBERS = [A, B, C, D];
const SKILLS = new Map([
  [A.did, ['alpha']],
  [B.did, ['beta', 'shared']],
  [C.did, ['gamma', 'shared']],
  [D.did, ['delta', 'shared']],
]);
const REPUTATION = { [A.did]: 90, [B.did]: 70, [C.did]: 80, [D.did]: 60 };
/** Skills bound to roles (as the org node binds them to credentials): relevance comes from them, not from the domain a proposal names. */
const CAPABILITIES = { roleSkills: Object.fromEntries([...SKILLS.values()].map((k) => [k[0]!, k])), decisionSkills: [] };

const card = (s: Signer) => testCard(s, SKILLS.get(s.did)!);

const sub = (id: string, skill: string, confidence: number, domain = skill) => ({ id, title: id, skill, deps: [], confidence, domain, outputs: [] });

type Proposals = Map<Signer, { domain: string; subtasks: ReturnType<typeof sub>[] }>;

/** Everyone's own subtask at 0.9; "s-shared" is proposed by B (0.9) and C (0.5), and by A from outside its domain (0.6). */
function honestProposals(): Proposals {
  return new Map([
    [A, { domain: 'alpha', subtasks: [sub('s-a', 'alpha', 0.9), sub('s-shared', 'shared', 0.6, 'shared')] }],
    [B, { domain: 'beta', subtasks: [sub('s-b', 'beta', 0.9), sub('s-shared', 'shared', 0.9, 'beta')] }],
    [C, { domain: 'gamma', subtasks: [sub('s-c', 'gamma', 0.9), sub('s-shared', 'shared', 0.5, 'gamma')] }],
    [D, { domain: 'delta', subtasks: [sub('s-d', 'delta', 0.9)] }],
  ]);
}

/** Cards, a case, the founders' acceptance and their proposals: the belief rounds are open. */
async function planning(config: Partial<ReducerConfig> = {}, proposals = honestProposals()): Promise<FoldBoard> {
  const b = new FoldBoard({ genesisReputation: REPUTATION, capabilities: CAPABILITIES, ...config });
  for (const s of MEMBERS) assert.equal((await b.post(s, { case: null, kind: 'AgentCard', header: card(s), sections: [] })).status, 'accepted');
  await convened(b, A, [B, C, D], ['alpha', 'beta', 'gamma', 'delta']);
  for (const [s, p] of proposals) assert.equal((await b.post(s, { case: 'case-1', kind: 'Proposal', header: p, sections: [] })).status, 'accepted');
  return b;
}

const rounds = (b: FoldBoard): BeliefRounds => b.caseOf().consensus!;
const belief = (round: number, beliefs: Record<string, number>) => ({
  case: 'case-1',
  kind: 'BeliefUpdate' as const,
  header: { round, beliefs },
  sections: [],
});
const closeVote = (round: number) => ({ case: 'case-1', kind: 'Vote' as const, header: { topic: CLOSE_BELIEF_ROUND, choice: String(round) }, sections: [] });

/** Each of `who` posts what the fusion gives it for the open round, until the rounds end. */
async function runRounds(b: FoldBoard, who: Signer[] = MEMBERS): Promise<void> {
  for (let guard = 0; guard < 100 && openRound(b.caseOf()); guard++) {
    const r = rounds(b);
    const open = r.round;
    for (const s of who) {
      if (openRound(b.caseOf())?.round !== open) break;
      if (r.posted.has(s.did)) continue;
      assert.equal((await b.post(s, belief(open, beliefsOf(r, s.did)!))).status, 'accepted');
    }
    if (openRound(b.caseOf())?.round === open) return;
  }
}

test('belief rounds: the proposals open them, every member posts its fusion, and rounds stop once the spread is below ε', async () => {
  const b = await planning();
  const r = rounds(b);
  assert.equal(b.caseOf().plan, undefined, 'no one-shot plan: the proposals open rounds');
  assert.equal(r.round, 1);
  assert.ok(r.spreads[0]! >= r.epsilon, 'the proposals disagree on s-shared');
  assert.deepEqual(r.members, MEMBERS.map((s) => s.did).sort());
  // Round 0: a member's own confidence where it proposed, else the proposers' merged value.
  const row = (did: string) => r.members.indexOf(did);
  assert.equal(r.initial['s-shared']![row(B.did)], 0.9);
  assert.equal(r.initial['s-shared']![row(C.did)], 0.5);
  assert.equal(r.initial['s-shared']![row(D.did)], b.fold.state.cases.get('case-1')!.consensus!.candidates.find((s) => s.id === 's-shared')!.confidence);
  await runRounds(b);
  const done = rounds(b);
  assert.ok(done.done?.converged);
  assert.ok(done.done.spread < 0.01);
  assert.ok(done.round > 1, `several rounds (${done.round})`);
  // Before the last round the spread was above ε; after each round it shrank.
  assert.ok(done.spreads.slice(0, -1).every((s) => s >= 0.01));
  for (let i = 1; i < done.spreads.length; i++) assert.ok(done.spreads[i]! < done.spreads[i - 1]!, `round ${i} shrinks the spread`);
  assert.deepEqual(
    done.closed.map((x) => x.round),
    Array.from({ length: done.round }, (_, i) => i + 1),
  );
  assert.ok(done.closed.every((x) => x.posted.length === 4 && x.silent.length === 0));
  // The plan: every subtask, s-shared at a value inside the honest members' starting range.
  const plan = b.caseOf().plan!;
  assert.deepEqual(
    plan.subtasks.map((s) => s.id),
    ['s-a', 's-b', 's-c', 's-d', 's-shared'],
  );
  const shared = plan.subtasks.find((s) => s.id === 's-shared')!.confidence;
  assert.ok(shared >= 0.5 && shared <= 0.9);
  // Plan commit follows as before.
  for (const s of MEMBERS) await b.post(s, { case: 'case-1', kind: 'PlanCommit', header: { planHash: plan.hash }, sections: [] });
  assert.equal(b.caseOf().status, 'executing');
  // Every replica, and any later audit, folds the same log to the same plan.
  const refold = new BoardFold<CoalitionState>(didKeyResolver, coalitionReducer({ genesisReputation: REPUTATION, capabilities: CAPABILITIES }));
  for (const e of await b.store.read(0)) refold.apply(e);
  assert.equal(refold.state.cases.get('case-1')!.plan!.hash, plan.hash);
  assert.deepEqual(refold.rejected(), []);
});

test('belief rounds end at maxRounds: the plan is made from the last round, and no later round is taken', async () => {
  const b = await planning({ beliefRounds: { maxRounds: 2 } });
  await runRounds(b);
  const r = rounds(b);
  assert.equal(r.round, 2);
  assert.equal(r.done?.converged, false);
  assert.ok(r.done!.spread >= 0.01);
  assert.ok(b.caseOf().plan, 'planned from round 2 anyway');
  const late = await b.post(A, belief(3, beliefsOf(r, A.did)!));
  assert.deepEqual([late.status, late.reason], ['rejected', 'no belief round is open']);
});

test('a second BeliefUpdate from a member in the same round is refused: the first counts, split beliefs move nothing', async () => {
  const b = await planning();
  const r = rounds(b);
  const mine = beliefsOf(r, B.did)!;
  assert.equal((await b.post(B, belief(1, mine))).status, 'accepted');
  const split = await b.post(B, belief(1, { ...mine, 's-shared': 0.1 }));
  assert.deepEqual([split.status, split.reason], ['rejected', 'one belief per member and round: the first counts']);
  const again = await b.post(B, belief(1, mine));
  assert.equal(again.status, 'rejected', 'even the same values again');
  assert.equal(rounds(b).posted.get(B.did)!.index, b.fold.records.find((x) => x.kind === 'BeliefUpdate' && x.status === 'accepted')!.index);
  // A belief for a round that is not the open one is refused too.
  const ahead = await b.post(C, belief(2, beliefsOf(r, C.did)!));
  assert.deepEqual([ahead.status, ahead.reason], ['rejected', 'the open belief round is 1']);
});

test('inflated or steered beliefs are refused: above the cap, or anything but the fusion of the last round', async () => {
  const b = await planning();
  const mine = beliefsOf(rounds(b), D.did)!;
  const inflated = await b.post(D, belief(1, { ...mine, 's-d': 1 }));
  assert.deepEqual([inflated.status, inflated.reason], ['rejected', 'belief in s-d is above the confidence cap 0.95']);
  const steered = await b.post(D, belief(1, { ...mine, 's-shared': 0.2 }));
  assert.equal(steered.status, 'rejected');
  assert.match(steered.reason!, /^belief in s-shared is not the fusion of round 0 \(0\.\d+\)$/);
  const bogus = await b.post(D, belief(1, { ...mine, 's-bogus': 0.9 }));
  assert.deepEqual([bogus.status, bogus.reason], ['rejected', 'beliefs must name exactly the candidate subtasks']);
  const outsider = testSigner('belief-outsider');
  const stranger = await b.post(outsider, belief(1, mine));
  assert.equal(stranger.status, 'rejected');
  assert.equal(rounds(b).posted.size, 0, 'none of them counted');
});

test("a proposal's confidence is capped and weighted by reputation from the log, and trimmed fusion keeps a lone outlier from vetoing", async () => {
  // D, now the best reputed, claims certainty for its own subtask and zero for s-shared (a skill it has).
  const attacked = honestProposals();
  attacked.set(D, { domain: 'delta', subtasks: [sub('s-d', 'delta', 1), sub('s-shared', 'shared', 0)] });
  const config = { genesisReputation: { ...REPUTATION, [D.did]: 95 } };
  const b = await planning(config, attacked);
  const r = rounds(b);
  const d = r.members.indexOf(D.did);
  // Round 0 holds D's proposal capped at 0.95, never its 1; its weight is its board reputation.
  assert.equal(r.initial['s-d']![d], 0.95);
  assert.equal(r.initial['s-shared']![d], 0);
  assert.ok(Math.abs(r.trust['s-shared']![d]! - 0.95) < 1e-9);
  await runRounds(b);
  const shared = b.caseOf().plan!.subtasks.find((s) => s.id === 's-shared');
  assert.ok(shared, 'trimmed fusion: the lone zero does not veto s-shared');
  assert.ok(shared.confidence >= 0.5 && shared.confidence <= 0.9, `inside the other members' range (${shared.confidence})`);
  assert.ok(b.caseOf().plan!.subtasks.every((s) => s.confidence <= 0.95));
  // The mean rule (no trimming) lets the same member drag s-shared out of the plan.
  const mean = await planning({ ...config, beliefRounds: { trim: 0 } }, attacked);
  await runRounds(mean);
  assert.ok(!mean.caseOf().plan!.subtasks.some((s) => s.id === 's-shared'), 'the mean is dragged under the threshold');
});

test("a silent member cannot stall planning: after the round's deadline a member that posted closes it, and the plan is the same", async () => {
  const everyone = await planning();
  await runRounds(everyone);
  const b = await planning();
  await runRounds(b, [A, B, C]);
  assert.equal(rounds(b).round, 1, 'round 1 waits for D');
  const early = await b.post(A, closeVote(1));
  assert.deepEqual([early.status, early.reason], ['rejected', 'the belief round is still open for its members']);
  b.clock.advance(30_000);
  const notPosted = await b.post(D, closeVote(1));
  assert.deepEqual([notPosted.status, notPosted.reason], ['rejected', 'only a member that posted the round closes it']);
  assert.equal((await b.post(A, closeVote(1))).status, 'accepted');
  assert.deepEqual(rounds(b).closed[0]!.silent, [D.did]);
  assert.equal(rounds(b).round, 2);
  // Later rounds no longer wait for D, and D's beliefs still fuse: silence changes nothing.
  await runRounds(b, [A, B, C]);
  assert.ok(rounds(b).done?.converged);
  assert.equal(b.caseOf().plan!.hash, everyone.caseOf().plan!.hash);
});

test('proposals that already agree plan at once (round 0 within ε)', async () => {
  const agreeing: Proposals = new Map([...honestProposals()].map(([s, p]) => [s, { ...p, subtasks: p.subtasks.filter((x) => x.id !== 's-shared') }]));
  const b = await planning({}, agreeing);
  const r = rounds(b);
  assert.equal(r.round, 0);
  assert.equal(r.done?.converged, true);
  assert.deepEqual(
    b.caseOf().plan!.subtasks.map((s) => s.id),
    ['s-a', 's-b', 's-c', 's-d'],
  );
});
