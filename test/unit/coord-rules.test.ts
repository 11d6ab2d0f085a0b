import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BoardFold, type FoldRecord, type VerdictCode } from '../../core/board/fold.js';
import { signEnvelope } from '../../core/board/envelope.js';
import type { Draft } from '../../core/coordination/kinds/draft.js';
import { MemoryBoardStore } from '../../core/board/memory-store.js';
import { ManualClock } from '../../core/common/clock.js';
import { didKeyResolver } from '../../core/crypto/did-key.js';
import type { CoalitionState } from '../../core/coordination/case-state.js';
import { coalitionReducer, type ReducerConfig } from '../../core/coordination/reducer.js';
import { convenerRanking } from '../../core/coordination/roles.js';
import { deadlocks } from '../../core/coordination/rules/failures.js';
import { depsSatisfied, sectionsDigest } from '../../core/coordination/rules/execution.js';
import { reputationDeltas } from '../../core/coordination/reputation.js';
import { testSigner } from '../support/keys.js';
import { convened, testCard } from '../support/fold-board.js';
import { toBase64url } from '../../core/common/encoding.js';
import { AdjudicationSchema, adjudicationCommitment, adjudicationStatement, closureOf } from '../../core/coordination/messages.js';
import { Wallet } from '../../core/identity/wallet.js';

type Signer = ReturnType<typeof testSigner>;

/** A board with one fold, posting signed envelopes at a manual clock. */
class TestBoard {
  readonly clock = new ManualClock();
  readonly store = new MemoryBoardStore(this.clock);
  readonly fold: BoardFold<CoalitionState>;
  private readonly heads = new Map<string, { seq: number; prev: string | null }>();
  constructor(config: Partial<ReducerConfig> = {}) {
    this.fold = new BoardFold(didKeyResolver, coalitionReducer(config));
  }
  async post(signer: Signer, draft: Draft): Promise<FoldRecord> {
    const h = this.heads.get(signer.did) ?? { seq: 0, prev: null };
    const env = signEnvelope(signer, { ...draft, seq: h.seq + 1, prev: h.prev, at: this.clock.now() });
    this.heads.set(signer.did, { seq: env.seq, prev: env.id });
    return this.fold.apply(await this.store.append(env));
  }
  get case() {
    return this.fold.state.cases.get('case-1')!;
  }
}

const A = testSigner('rules-a');
const B = testSigner('rules-b');
const C = testSigner('rules-c');
const W = testSigner('rules-w');

const card = (s: Signer, skills: string[]) => testCard(s, skills);

const sub = (id: string, skill: string, deps: string[] = []) => ({ id, title: id, skill, deps, confidence: 0.9, domain: skill });

/** Cards, a case, an invitation, accepts, proposals and a committed plan: s-a ← s-b, s-c. */
async function executing(config: Partial<ReducerConfig> = {}, opts: { skip?: Signer } = {}): Promise<TestBoard> {
  const b = new TestBoard({ genesisReputation: { [A.did]: 60, [B.did]: 50, [C.did]: 40, [W.did]: 55 }, ...config });
  await b.post(A, { case: null, kind: 'AgentCard', header: card(A, ['alpha']), sections: [] });
  await b.post(B, { case: null, kind: 'AgentCard', header: card(B, ['beta']), sections: [] });
  await b.post(C, { case: null, kind: 'AgentCard', header: card(C, ['gamma', 'beta']), sections: [] });
  await b.post(W, { case: null, kind: 'AgentCard', header: card(W, ['delta']), sections: [] });
  await convened(b, A, [B, C], ['alpha', 'beta', 'gamma']);
  const proposals: [Signer, string, ReturnType<typeof sub>[]][] = [
    [A, 'alpha', [sub('s-a', 'alpha')]],
    [B, 'beta', [sub('s-b', 'beta', ['s-a'])]],
    [C, 'gamma', [sub('s-c', 'gamma')]],
  ];
  for (const [s, domain, subtasks] of proposals) {
    if (s === opts.skip) continue;
    await b.post(s, { case: 'case-1', kind: 'Proposal', header: { domain, subtasks }, sections: [] });
  }
  if (opts.skip) return b;
  for (const s of [A, B, C]) await b.post(s, { case: 'case-1', kind: 'PlanCommit', header: { planHash: b.case.plan!.hash }, sections: [] });
  assert.equal(b.case.status, 'executing');
  return b;
}

const claim = (leaseMs = 10_000) => ({ case: 'case-1', kind: 'Claim' as const, header: { leaseMs }, sections: [] });

/** A refusal with its stable code, and the message that says why. */
function refused(r: FoldRecord, code: VerdictCode, message: RegExp, note?: string): void {
  assert.equal(r.status, 'rejected', note);
  assert.equal(r.code, code, `${note ?? ''} ${r.reason}`);
  assert.match(r.reason!, message, note);
}

/** An operator's decision as the console posts it: the outcome in a section, its salted commitment in the header. */
function adjudicated(outcome: 'approved' | 'denied' | 'info-requested', reasonCode = 'clinical-review') {
  const decision = { outcome, salt: 'c2FsdC1mb3ItdGhlLXRlc3Q' };
  return {
    case: 'case-1',
    kind: 'Adjudication' as const,
    header: { closure: outcome === 'info-requested' ? ('open' as const) : ('final' as const), commitment: adjudicationCommitment(decision), reasonCode },
    sections: [{ name: 'decision', readers: ['alpha'], plaintext: decision }],
  };
}

test('a lapsed lease is revoked only once board time passes it, with a reputation penalty and no re-claim', async () => {
  const b = await executing({ leasePenalty: 5 });
  assert.equal((await b.post(B, { ...claim(), subtask: 's-b' })).status, 'accepted');
  assert.equal((await b.post(C, { ...claim(), subtask: 's-b' })).reason, 'already claimed by another agent');
  const early = await b.post(A, { case: 'case-1', subtask: 's-b', kind: 'LeaseExpired', header: { claimant: B.did }, sections: [] });
  assert.equal(early.reason, 'the lease is still valid');
  b.clock.advance(10_001);
  assert.equal((await b.post(A, { case: 'case-1', subtask: 's-b', kind: 'LeaseExpired', header: { claimant: B.did }, sections: [] })).status, 'accepted');
  assert.equal(b.fold.state.reputation.get(B.did), 45);
  assert.deepEqual(
    b.case.lapses.map((l) => l.cause),
    ['lapsed'],
  );
  refused(await b.post(B, { ...claim(), subtask: 's-b' }), 'E_LEASE', /revoked/);
  assert.equal((await b.post(C, { ...claim(), subtask: 's-b' })).status, 'accepted');
});

test('claim squatting with heartbeats ends at the hold cap', async () => {
  const b = await executing({ maxHoldMs: 30_000 });
  await b.post(B, { ...claim(), subtask: 's-b' });
  for (let i = 0; i < 4; i++) {
    b.clock.advance(7_000);
    assert.equal((await b.post(B, { case: 'case-1', subtask: 's-b', kind: 'Heartbeat', header: {}, sections: [] })).status, 'accepted');
  }
  assert.ok(b.case.subtasks.get('s-b')!.leaseUntil! <= b.case.subtasks.get('s-b')!.claim!.at + 30_000);
  b.clock.advance(3_000);
  assert.equal((await b.post(B, { case: 'case-1', subtask: 's-b', kind: 'Heartbeat', header: {}, sections: [] })).reason, 'lease already lapsed');
  assert.equal((await b.post(C, { case: 'case-1', subtask: 's-b', kind: 'LeaseExpired', header: { claimant: B.did }, sections: [] })).status, 'accepted');
});

test('progress fabrication: monotone checkpoints, and completion without delivery is revoked', async () => {
  const b = await executing({ deliveryGraceMs: 5_000 });
  await b.post(B, { ...claim(60_000), subtask: 's-b' });
  const cp = (progress: number) => ({ case: 'case-1', subtask: 's-b', kind: 'Checkpoint' as const, header: { progress, step: 'x' }, sections: [] });
  assert.equal((await b.post(B, cp(0.5))).status, 'accepted');
  assert.equal((await b.post(B, cp(0.3))).reason, 'progress goes backwards');
  assert.equal((await b.post(B, cp(1))).status, 'accepted');
  b.clock.advance(4_000);
  assert.equal(
    (await b.post(A, { case: 'case-1', subtask: 's-b', kind: 'LeaseExpired', header: { claimant: B.did }, sections: [] })).reason,
    'the lease is still valid',
  );
  b.clock.advance(2_000);
  assert.equal((await b.post(A, { case: 'case-1', subtask: 's-b', kind: 'LeaseExpired', header: { claimant: B.did }, sections: [] })).status, 'accepted');
  assert.equal(b.case.lapses[0]!.cause, 'undelivered');
});

test('a deadlock cycle (a gap that closes a dependency loop) is broken by its lowest-reputation agent', async () => {
  const b = await executing();
  await b.post(C, { ...claim(600_000), subtask: 's-c' });
  // B raises a gap whose subtask needs s-c and blocks s-c: a dependency cycle once awarded.
  const gap = { gap: 'gap-loop', skill: 'delta', reasonCode: 'test', subtask: { id: 's-d', title: 'd', deps: ['s-c'], blocks: ['s-c'] } };
  assert.equal((await b.post(B, { case: 'case-1', kind: 'Gap', header: gap, sections: [] })).status, 'accepted');
  await b.post(B, { case: 'case-1', kind: 'Announce', header: { gap: 'gap-loop', windowMs: 0 }, sections: [] });
  const bid = await b.post(W, {
    case: 'case-1',
    kind: 'Bid',
    header: { gap: 'gap-loop', cost: 0.2, quality: 0.9, latency: 0.2, trust: 1, credentials: [], justification: 'can-do' },
    sections: [],
  });
  const score = b.case.gaps.get('gap-loop')!.bids[0]!.score;
  assert.equal(
    (await b.post(B, { case: 'case-1', kind: 'Award', header: { gap: 'gap-loop', winner: W.did, bid: bid.id, score, justification: 'best' }, sections: [] }))
      .status,
    'accepted',
  );
  await b.post(C, { case: 'case-1', kind: 'Wait', header: { on: ['s-d'] }, sections: [] });
  await b.post(W, { case: 'case-1', kind: 'Wait', header: { on: ['s-c'] }, sections: [] });
  const at = b.clock.now();
  assert.deepEqual(deadlocks(b.case, at), [[C.did, W.did].sort()]);
  const cycle = deadlocks(b.case, at)[0]!;
  // C (reputation 40) must yield, not W (55).
  refused(await b.post(A, { case: 'case-1', kind: 'DeadlockResolved', header: { cycle, yielded: W.did }, sections: [] }), 'E_MISSTATED', /lowest-reputation/);
  assert.equal((await b.post(A, { case: 'case-1', kind: 'DeadlockResolved', header: { cycle, yielded: C.did }, sections: [] })).status, 'accepted');
  assert.deepEqual(deadlocks(b.case, at), []);
  assert.ok(!b.case.subtasks.get('s-c')!.deps.includes('s-d'), 'the yielder proceeds without the input it waited on');
  assert.ok(depsSatisfied(b.case, b.case.subtasks.get('s-c')!, at));
  // (s-c's plan declares no sections, so its artifact carries none: the disclosure policy holds.)
  const sections: never[] = [];
  assert.equal(
    (await b.post(C, { case: 'case-1', subtask: 's-c', kind: 'Artifact', header: { digest: sectionsDigest(sections) }, sections })).status,
    'accepted',
  );
});

test('a fake gap rejected by validation is withdrawn: it blocks nothing and cannot be awarded', async () => {
  const b = await executing({ gapEndorsementsToAward: 1 });
  const gap = { gap: 'gap-fake', skill: 'delta', reasonCode: 'pgx-finding', subtask: { id: 's-x', title: 'x', deps: [], blocks: ['s-b'] } };
  await b.post(C, { case: 'case-1', kind: 'Gap', header: gap, sections: [] });
  await b.post(C, { case: 'case-1', kind: 'Announce', header: { gap: 'gap-fake', windowMs: 0 }, sections: [] });
  const bid = await b.post(W, {
    case: 'case-1',
    kind: 'Bid',
    header: { gap: 'gap-fake', cost: 0.2, quality: 0.9, latency: 0.2, trust: 1, credentials: [], justification: 'x' },
    sections: [],
  });
  const score = b.case.gaps.get('gap-fake')!.bids[0]!.score;
  const award = { case: 'case-1', kind: 'Award' as const, header: { gap: 'gap-fake', winner: W.did, bid: bid.id, score, justification: 'x' }, sections: [] };
  refused(await b.post(C, award), 'E_QUORUM', /endorsements/);
  assert.ok(!depsSatisfied(b.case, b.case.subtasks.get('s-b')!, b.clock.now()) && b.case.subtasks.get('s-b')!.blockedBy.includes('gap-fake'));
  await b.post(A, { case: 'case-1', kind: 'GapReject', header: { gap: 'gap-fake' }, sections: [] });
  await b.post(B, { case: 'case-1', kind: 'GapReject', header: { gap: 'gap-fake' }, sections: [] });
  assert.ok(b.case.gaps.get('gap-fake')!.withdrawn);
  assert.deepEqual(b.case.subtasks.get('s-b')!.blockedBy, []);
  refused(await b.post(C, award), 'E_STATE', /withdrawn/);
});

test('an unendorsed gap evaporates after its half-lives and stops blocking', async () => {
  const decay = { halfLifeMs: 1_000, threshold: 0.25 };
  const b = await executing({ gapDecay: decay });
  const gap = { gap: 'gap-faint', skill: 'delta', reasonCode: 'x', subtask: { id: 's-y', title: 'y', deps: [], blocks: ['s-c'] } };
  await b.post(B, { case: 'case-1', kind: 'Gap', header: gap, sections: [] });
  const s = b.case.subtasks.get('s-c')!;
  assert.equal(depsSatisfied(b.case, s, b.clock.now() + 1_500, decay), false);
  assert.equal(depsSatisfied(b.case, s, b.clock.now() + 2_500, decay), true);
});

test('a stalled proposal round closes by a reputation-weighted vote after its window', async () => {
  const b = await executing({ proposalWindowMs: 5_000 }, { skip: C });
  assert.equal(b.case.plan, undefined);
  const vote = { case: 'case-1', kind: 'Vote' as const, header: { topic: 'close-proposals', choice: 'yes' }, sections: [] };
  refused(await b.post(A, vote), 'E_TOO_EARLY', /window/);
  b.clock.advance(5_000);
  assert.equal((await b.post(A, vote)).status, 'accepted');
  assert.equal(b.case.plan, undefined, 'A (60) alone is not a majority of 150');
  assert.equal((await b.post(B, vote)).status, 'accepted');
  assert.deepEqual(
    b.case.plan!.subtasks.map((x) => x.id),
    ['s-a', 's-b'],
  );
  refused(
    await b.post(C, { case: 'case-1', kind: 'Proposal', header: { domain: 'gamma', subtasks: [sub('s-c', 'gamma')] }, sections: [] }),
    'E_STATE',
    /closed/,
  );
});

test('convener rotation: the first-ranked agent may convene at once, the next only after the timeout', async () => {
  const b = new TestBoard({ rotateConvener: true, convenerTimeoutMs: 10_000 });
  for (const [s, skills] of [
    [A, ['alpha']],
    [B, ['beta']],
    [C, ['gamma']],
  ] as const)
    await b.post(s, { case: null, kind: 'AgentCard', header: card(s, [...skills]), sections: [] });
  const task = {
    service: { system: 'http://example.org', code: 'X' },
    policy: { id: 'p', version: '1', hash: '0'.repeat(64) },
    needs: ['alpha', 'beta', 'gamma'],
  };
  await b.post(A, { case: 'case-1', kind: 'TaskAvailable', header: task, sections: [] });
  const ranking = convenerRanking(b.fold.state, b.case);
  const signers = new Map([A, B, C].map((s) => [s.did, s]));
  const [first, second] = [signers.get(ranking[0]!)!, signers.get(ranking[1]!)!];
  const invite = (by: Signer) => ({
    case: 'case-1',
    kind: 'Invitation' as const,
    header: {
      invitees: [A, B, C]
        .filter((s) => s !== by)
        .map((s) => s.did)
        .sort(),
    },
    sections: [],
  });
  refused(await b.post(second, invite(second)), 'E_TOO_EARLY', /turn/);
  b.clock.advance(10_000);
  assert.equal((await b.post(second, invite(second))).status, 'accepted');
  void first;
});

/** Runs the committed plan to its end with `outcome` on s-a, dissolves and scores the round. */
async function finishRound(b: TestBoard, outcome: 'approved' | 'pended'): Promise<void> {
  for (const [s, id] of [
    [A, 's-a'],
    [C, 's-c'],
    [B, 's-b'],
  ] as const) {
    assert.equal((await b.post(s, { ...claim(), subtask: id })).status, 'accepted', `claim ${id}`);
    const header = { digest: sectionsDigest([]), ...(id === 's-a' ? { closure: closureOf(outcome) } : {}) };
    assert.equal((await b.post(s, { case: 'case-1', subtask: id, kind: 'Artifact', header, sections: [] })).status, 'accepted', `artifact ${id}`);
  }
  for (const s of [A, B, C]) await b.post(s, { case: 'case-1', kind: 'DoneVote', header: {}, sections: [] });
  assert.equal((await b.post(A, { case: 'case-1', kind: 'Dissolved', header: { votes: 3, members: 3 }, sections: [] })).status, 'accepted');
  const { deltas, values } = reputationDeltas(b.case);
  assert.equal((await b.post(A, { case: 'case-1', kind: 'ReputationUpdate', header: { method: 'shapley', deltas, values }, sections: [] })).status, 'accepted');
}

const update = (round: number, sections: Draft['sections'] = [{ name: 'request', readers: [], plaintext: { claim: 'Claim/2' } }]): Draft => ({
  case: 'case-1',
  kind: 'CaseUpdate',
  header: { reasonCode: 'information-received', round },
  sections,
});

test('new information on a pended case opens its next round: same members and plan, every subtask again, the first round kept', async () => {
  const b = await executing();
  assert.equal((await b.post(A, { ...claim(), subtask: 's-a' })).status, 'accepted');
  refused(await b.post(A, update(1)), 'E_STATE', /only a pended case/, 'not before the case has an outcome');
  const pended = await executing();
  await finishRound(pended, 'pended');
  refused(await pended.post(B, update(1)), 'E_NOT_PERMITTED', /requesting organization/);
  refused(await pended.post(A, update(2)), 'E_MISSTATED', /next round is 1/);
  refused(await pended.post(A, update(1, [])), 'E_DISCLOSURE', /section named request/);
  refused(await pended.post(A, update(1, [{ name: 'request', readers: ['alpha'], plaintext: {} }])), 'E_DISCLOSURE', /other readers/);
  const opened = await pended.post(A, update(1));
  assert.equal(opened.status, 'accepted');
  const c = pended.case;
  assert.equal(c.status, 'executing');
  assert.equal(c.round, 1);
  assert.equal(c.outcome, undefined);
  assert.deepEqual(
    [...c.subtasks.values()].map((s) => s.artifact),
    [undefined, undefined, undefined],
  );
  assert.deepEqual(
    c.history.map((h) => [h.round, h.outcome?.closure]),
    [[0, 'open']],
  );
  assert.equal(c.members.size, 3);
  refused(await pended.post(A, update(2)), 'E_STATE', /only a pended case/, 'a running round takes no update');
  await finishRound(pended, 'approved');
  assert.equal(pended.case.outcome?.closure, 'final');
  assert.equal(pended.case.status, 'dissolved');
  const late = await pended.post(A, update(2));
  assert.equal(late.code, 'E_STATE');
  assert.match(late.reason!, /this one is decided/);
});

test('a round still closing, or a pended case the payer decided for good, takes no new information', async () => {
  const b = await executing();
  for (const [s, id] of [
    [A, 's-a'],
    [C, 's-c'],
    [B, 's-b'],
  ] as const) {
    await b.post(s, { ...claim(), subtask: id });
    await b.post(s, {
      case: 'case-1',
      subtask: id,
      kind: 'Artifact',
      header: { digest: sectionsDigest([]), ...(id === 's-a' ? { closure: 'open' as const } : {}) },
      sections: [],
    });
  }
  assert.equal(b.case.status, 'closing');
  refused(await b.post(A, update(1)), 'E_TOO_EARLY', /still running/);
  const decided = await executing();
  await finishRound(decided, 'pended');
  assert.equal((await decided.post(A, adjudicated('denied'))).status, 'accepted');
  const late = await decided.post(A, update(1));
  assert.equal(late.code, 'E_STATE');
  assert.match(late.reason!, /was decided by the payer/);
});

const cancel = (scope: 'case' | 'items', items: number[] = []): Draft => ({
  case: 'case-1',
  kind: 'CaseCancel',
  header: { scope, items, reasonCode: 'requester-cancelled' },
  sections: [],
});

test('only the requesting organization cancels its request; item cancels accumulate, a whole cancel is final and stops updates and adjudication', async () => {
  const b = await executing();
  await finishRound(b, 'pended');
  refused(await b.post(B, cancel('case')), 'E_NOT_PERMITTED', /requesting organization/, 'a member of another organization cannot withdraw the request');
  const cancellation = () => b.fold.state.cases.get('case-1')!.cancellation;
  assert.equal(cancellation(), undefined);
  refused(await b.post(A, cancel('items')), 'E_HEADER', /at least one item/);
  assert.equal((await b.post(A, cancel('items', [2]))).status, 'accepted');
  refused(await b.post(A, cancel('items', [2])), 'E_ALREADY', /already cancelled/);
  assert.equal((await b.post(A, cancel('items', [1]))).status, 'accepted');
  assert.deepEqual([cancellation()?.whole, cancellation()?.items], [false, [1, 2]]);
  assert.equal((await b.post(A, cancel('case'))).status, 'accepted', 'a dissolved, decided case can still be withdrawn');
  assert.equal(cancellation()?.whole, true);
  refused(await b.post(A, cancel('case')), 'E_ALREADY', /already cancelled/);
  refused(await b.post(A, update(1)), 'E_CANCELLED', /cancelled/, 'a cancelled request takes no new information');
  refused(await b.post(A, adjudicated('approved')), 'E_CANCELLED', /cancelled/);
});

test('past the inputs deadline (board time) a determination may go without its inputs, pended only; the inputs are given up and the case closes', async () => {
  const b = await executing({ inputsDeadlineMs: 60_000 });
  const art = (outcome?: 'approved' | 'denied' | 'pended') => ({
    case: 'case-1',
    subtask: 's-b',
    kind: 'Artifact' as const,
    header: { digest: sectionsDigest([]), ...(outcome ? { closure: closureOf(outcome) } : {}) },
    sections: [],
  });
  assert.equal((await b.post(B, { ...claim(600_000), subtask: 's-b' })).status, 'accepted');
  b.clock.advance(59_000);
  assert.equal((await b.post(B, art('pended'))).reason, 'inputs of the subtask are not all posted, or a gap blocks it', 'not before the deadline');
  b.clock.advance(1_000);
  for (const outcome of ['approved', 'denied', undefined] as const) {
    assert.equal(
      (await b.post(B, art(outcome))).reason,
      'inputs of the subtask are not all posted, or a gap blocks it',
      `no ${outcome ?? 'plain artifact'} without the inputs`,
    );
  }
  assert.equal((await b.post(B, art('pended'))).status, 'accepted');
  assert.equal(b.case.outcome?.closure, 'open');
  assert.ok(b.case.subtasks.get('s-a')!.abandoned);
  assert.ok(b.case.subtasks.get('s-c')!.abandoned, 'an undelivered independent subtask is given up too');
  assert.equal(b.case.status, 'closing', 'nothing holds the case open');
  assert.notEqual((await b.post(A, { ...claim(), subtask: 's-a' })).status, 'accepted');
});

test("an operator's decision carries the operator's signature, which the fold verifies; a forged or altered one is refused", async () => {
  const wallet = Wallet.empty();
  const op = wallet.createOperator('okafor', 'Amara Okafor');
  const key = toBase64url(op.publicKey);
  const signed = (outcome: 'approved' | 'denied', reasonCode: string, signedOutcome = outcome) => {
    const h = adjudicated(outcome, reasonCode).header;
    const statement = { ...adjudicated(signedOutcome, reasonCode).header, operator: { id: op.id, key } };
    return { ...h, operator: { id: op.id, key, sig: toBase64url(op.signer.sign(adjudicationStatement('case-1', statement))) } };
  };
  const b = await executing();
  await finishRound(b, 'pended');
  const altered = await b.post(A, {
    case: 'case-1',
    kind: 'Adjudication',
    header: signed('approved', 'titer-documented', 'denied'),
    sections: adjudicated('approved').sections,
  });
  assert.equal(altered.status, 'rejected');
  assert.match(altered.reason!, /operator okafor's signature over the decision does not verify/);
  const other = Wallet.empty().createOperator('okafor', 'Someone else');
  const forged = {
    ...signed('approved', 'titer-documented'),
    operator: { ...signed('approved', 'titer-documented').operator, key: toBase64url(other.publicKey) },
  };
  assert.equal(
    (await b.post(A, { case: 'case-1', kind: 'Adjudication', header: forged, sections: adjudicated('approved').sections })).status,
    'rejected',
    "another key cannot claim the operator's signature",
  );
  assert.equal(b.case.adjudication?.ref, undefined, 'no refused decision stands');
  const good = await b.post(A, {
    case: 'case-1',
    kind: 'Adjudication',
    header: signed('approved', 'titer-documented'),
    sections: adjudicated('approved').sections,
  });
  assert.equal(good.status, 'accepted');
  assert.deepEqual(b.case.adjudication?.operator, { id: 'okafor', key });
});

test("an operator's decision travels in a decision section; the header holds only its closure and commitment", async () => {
  const b = await executing();
  await finishRound(b, 'pended');
  const bare = await b.post(A, { ...adjudicated('approved'), sections: [] });
  assert.equal(bare.code, 'E_DISCLOSURE');
  assert.equal(AdjudicationSchema.safeParse({ ...adjudicated('approved').header, outcome: 'approved' }).success, false, 'the header takes no outcome');
  assert.equal((await b.post(A, adjudicated('info-requested'))).status, 'accepted');
  assert.equal(b.case.adjudication?.closure, 'open');
  assert.equal((await b.post(A, adjudicated('denied'))).status, 'accepted', 'a request for information may be followed by a decision');
  assert.equal(b.case.adjudication?.closure, 'final');
  assert.equal((await b.post(A, adjudicated('approved'))).code, 'E_STATE', 'a final decision stands');
});
