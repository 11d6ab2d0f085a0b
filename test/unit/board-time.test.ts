import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_BOARD_TIME, boundedTime } from '../../core/board/board-time.js';
import { tickDue } from '../../core/coordination/rules/tick.js';
import { FoldBoard, testCard, type Signer } from '../support/fold-board.js';
import { testSigner } from '../support/keys.js';

const DAY = 86_400_000;
const [A, B, C, M] = ['time-a', 'time-b', 'time-c', 'time-m'].map(testSigner) as [Signer, Signer, Signer, Signer];

const card = (s: Signer, skill: string) => testCard(s, [skill], { name: skill });

/** Four members executing one plan; B holds a 60 s lease on s-b. Every post is stamped by the writer's clock. */
async function leased(): Promise<{
  b: FoldBoard;
  stamp: (s: Signer, draft: Parameters<FoldBoard['sign']>[1], skewMs: number) => ReturnType<FoldBoard['stampedAt']>;
}> {
  const b = new FoldBoard({}, undefined, DEFAULT_BOARD_TIME);
  const members: [Signer, string][] = [
    [A, 'alpha'],
    [B, 'beta'],
    [C, 'gamma'],
    [M, 'mu'],
  ];
  for (const [s, skill] of members) await b.post(s, { case: null, kind: 'AgentCard', header: card(s, skill), sections: [] });
  await b.post(A, {
    case: 'case-1',
    kind: 'TaskAvailable',
    header: { service: { system: 'http://example.org', code: 'X' }, policy: { id: 'p', version: '1', hash: '0'.repeat(64) }, needs: ['alpha'] },
    sections: [],
  });
  const inv = await b.post(A, { case: 'case-1', kind: 'Invitation', header: { invitees: [B.did, C.did, M.did].sort() }, sections: [] });
  for (const s of [B, C, M]) await b.post(s, { case: 'case-1', kind: 'Accept', header: { invitation: inv.id }, sections: [] });
  for (const [s, skill] of members) {
    await b.post(s, {
      case: 'case-1',
      kind: 'Proposal',
      header: { domain: skill, subtasks: [{ id: `s-${skill}`, title: skill, skill, deps: [], confidence: 0.9, domain: skill }] },
      sections: [],
    });
  }
  for (const [s] of members) await b.post(s, { case: 'case-1', kind: 'PlanCommit', header: { planHash: b.caseOf().plan!.hash }, sections: [] });
  assert.equal((await b.post(B, { case: 'case-1', subtask: 's-beta', kind: 'Claim', header: { leaseMs: 60_000 }, sections: [] })).status, 'accepted');
  // A writer whose clock is `skewMs` ahead signs and stamps with it (an etcd member writes its own stamp).
  const stamp = (s: Signer, draft: Parameters<FoldBoard['sign']>[1], skewMs: number) => b.stampedAt(b.sign(s, draft, skewMs), b.clock.now() + skewMs);
  return { b, stamp };
}

test('a member stamping and signing a day ahead does not run the board ahead: no lease expires early, and time moves on with the others', async () => {
  const { b, stamp } = await leased();
  const ahead = await stamp(M, { case: 'case-1', kind: 'Vote', header: { topic: 'x', choice: 'y' }, sections: [] }, DAY);
  assert.equal(ahead.status, 'accepted', "its entry stands, at the board's time");
  assert.ok(ahead.at <= b.clock.now() + DEFAULT_BOARD_TIME.maxSkewMs, "bounded by the others' signed times");
  // The same member now tries to revoke B's lease on the strength of its own clock.
  const early = await stamp(M, { case: 'case-1', subtask: 's-beta', kind: 'LeaseExpired', header: { claimant: B.did }, sections: [] }, DAY);
  assert.equal(early.reason, 'the lease is still valid');
  // Honest entries after it carry honest time (not stuck a day ahead), and leases lapse when they should.
  b.clock.advance(30_000);
  assert.equal((await stamp(B, { case: 'case-1', subtask: 's-beta', kind: 'Heartbeat', header: {}, sections: [] }, 0)).status, 'accepted');
  b.clock.advance(200_000);
  for (const s of [C, A]) await stamp(s, { case: 'case-1', kind: 'Vote', header: { topic: 'tick', choice: 'y' }, sections: [] }, 0);
  const lapsed = await stamp(A, { case: 'case-1', subtask: 's-beta', kind: 'LeaseExpired', header: { claimant: B.did }, sections: [] }, 0);
  assert.equal(lapsed.status, 'accepted');
});

test('a board host stamping ahead of what the author signed is bounded by the signed time', async () => {
  const { b } = await leased();
  const env = b.sign(A, { case: 'case-1', subtask: 's-beta', kind: 'LeaseExpired', header: { claimant: B.did }, sections: [] });
  const r = await b.stampedAt(env, b.clock.now() + DAY);
  assert.equal(r.reason, 'the lease is still valid');
  assert.ok(r.at <= env.at + DEFAULT_BOARD_TIME.maxSkewMs);
});

test('a member cannot outvote the others with fresh keys: signed times count per organization, once its card is on the board', async () => {
  const { b, stamp } = await leased();
  // M mints three keys; two publish cards under M's organization, one posts with no card at all.
  const sybils = ['time-s1', 'time-s2', 'time-s3'].map(testSigner);
  for (const s of sybils.slice(0, 2)) {
    await stamp(
      s,
      { case: null, kind: 'AgentCard', header: { ...card(s, 'mu'), provider: { organization: 'org', did: M.did, kind: 'test' } }, sections: [] },
      DAY,
    );
  }
  for (const s of sybils) await stamp(s, { case: 'case-1', kind: 'Vote', header: { topic: 'x', choice: 'y' }, sections: [] }, DAY);
  const early = await stamp(M, { case: 'case-1', subtask: 's-beta', kind: 'LeaseExpired', header: { claimant: B.did }, sections: [] }, DAY);
  assert.equal(early.reason, 'the lease is still valid');
  assert.ok(early.at <= b.clock.now() + DEFAULT_BOARD_TIME.maxSkewMs, `board time stays with the honest organizations (${early.at - b.clock.now()} ms ahead)`);
});

test("the rule is one function: previous time, stamp, signed time and the voters' median", () => {
  const rule = DEFAULT_BOARD_TIME;
  assert.equal(boundedTime(rule, 100, 50, 1_000, 1_000), 100, 'never backwards');
  assert.equal(boundedTime(rule, 0, DAY, 1_000, 1_000), 1_000 + rule.maxSkewMs, 'a stamp is held to the signed time');
  assert.equal(boundedTime(rule, 0, DAY, DAY, 1_000), 1_000 + rule.maxSkewMs, "a signed time is held to the voters' median");
  assert.equal(boundedTime(rule, 0, 5_000, 5_000, undefined), 5_000, 'no voters yet: stamp and signed time alone');
});

test('a Tick comes only from an agent with a card, and a node ticks only on a quiet board with a case open, once per period', async () => {
  const { b, stamp } = await leased();
  const stranger = testSigner('time-stranger');
  assert.equal(
    (await stamp(stranger, { case: null, kind: 'Tick', header: {}, sections: [] }, 0)).code,
    'E_NO_CARD',
    'only an agent with a card on the board ticks',
  );
  b.clock.advance(40_000);
  const tick = await stamp(C, { case: null, kind: 'Tick', header: {}, sections: [] }, 0);
  assert.equal(tick.status, 'accepted');
  assert.ok(tick.at > b.fold.records.at(-2)!.at, 'a tick moves board time on');
  const state = b.fold.state;
  const now = b.clock.now();
  assert.equal(tickDue(state, now - 40_000, now, Number.NEGATIVE_INFINITY, 30_000), true, 'quiet for a period, a case open');
  assert.equal(tickDue(state, now - 10_000, now, Number.NEGATIVE_INFINITY, 30_000), false, 'not quiet long enough');
  assert.equal(tickDue(state, now - 40_000, now, now - 10_000, 30_000), false, 'this node ticked within the period');
  b.caseOf().status = 'dissolved';
  assert.equal(tickDue(state, now - 40_000, now, Number.NEGATIVE_INFINITY, 30_000), false, 'no case open: an idle board gets no ticks');
});
