import { closureOf } from '../../core/coordination/messages.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Evidence } from '../../core/board/fold.js';
import { claimChallenge } from '../../core/access/challenges.js';
import { sectionsDigest } from '../../core/coordination/rules/execution.js';
import { REFERENCE_CAPABILITIES } from '../../core/coordination/roles.js';
import type { ReducerConfig } from '../../core/coordination/reducer.js';
import { convened, FoldBoard, testCard, type Signer } from '../support/fold-board.js';
import { testSigner } from '../support/keys.js';

// Three organizations' agents, each holding the role its organization's credential attests.
const P = testSigner('cap-payer-policy');
const L = testSigner('cap-lab-genomics');
const F = testSigner('cap-payer-form');
const ROLE = new Map([
  [P.did, 'policy-reasoner'],
  [L.did, 'genomics'],
  [F.did, 'form-builder'],
]);
const SKILLS = new Map([
  [P.did, ['coverage-policy', 'pa-determination']],
  [L.did, ['variant-annotation']],
  [F.did, ['pas-form']],
]);

/** What the admission stage reports for a verified presentation of `s`'s role credential. */
const credential = (s: Signer): Evidence => ({
  credential: { ok: true, holder: s.did, role: ROLE.get(s.did)!, organization: s.did, organizationKind: 'test' },
});

const card = (s: Signer, skills = SKILLS.get(s.did)!) =>
  testCard(s, skills, { name: ROLE.get(s.did)!, role: ROLE.get(s.did)!, credentials: ['RoleCredential'] });

const summary = [{ section: 'summary', readers: ['policy-reasoner'] }];
const decision = [{ section: 'decision', readers: ['form-builder'] }];
const sub = (id: string, skill: string, deps: string[], outputs: { section: string; readers: string[] }[]) => ({
  id,
  title: id,
  skill,
  deps,
  confidence: 0.9,
  domain: skill,
  outputs,
});
const sealed = (name: string, readers: string[]) => ({
  name,
  readers,
  sealed: { alg: 'A256GCM', nonce: 'bm9uY2U', ciphertext: 'Y2lwaGVy', keyId: `k/${name}` },
});

/** The payer's, the lab's and the form builder's agents, executing screening → determination → form. */
async function executing(config: Partial<ReducerConfig> = {}): Promise<FoldBoard> {
  const b = new FoldBoard({ requireCredentials: true, requireSealed: true, capabilities: REFERENCE_CAPABILITIES, ...config });
  for (const s of [P, L, F])
    assert.equal((await b.post(s, { case: null, kind: 'AgentCard', header: card(s), sections: [] }, credential(s))).status, 'accepted');
  await convened(b, P, [L, F], ['pa-determination', 'variant-annotation', 'pas-form'], 'J3399');
  const proposals: [Signer, string, ReturnType<typeof sub>[]][] = [
    [P, 'pa-determination', [sub('coverage-determination', 'pa-determination', ['genomic-screening'], decision)]],
    [L, 'variant-annotation', [sub('genomic-screening', 'variant-annotation', [], summary)]],
    [F, 'pas-form', [sub('pas-response', 'pas-form', ['coverage-determination'], [])]],
  ];
  for (const [s, domain, subtasks] of proposals) await b.post(s, { case: 'case-1', kind: 'Proposal', header: { domain, subtasks }, sections: [] });
  for (const s of [P, L, F]) await b.post(s, { case: 'case-1', kind: 'PlanCommit', header: { planHash: b.caseOf().plan!.hash }, sections: [] });
  assert.equal(b.caseOf().status, 'executing');
  return b;
}

const claim = (subtask: string) => ({ case: 'case-1', subtask, kind: 'Claim' as const, header: { leaseMs: 60_000 }, sections: [] });
const artifactOf = (
  subtask: string,
  sections: ReturnType<typeof sealed>[] | { name: string; readers: string[]; plaintext: unknown }[],
  outcome?: 'approved' | 'denied',
) => ({
  case: 'case-1',
  subtask,
  kind: 'Artifact' as const,
  header: { digest: sectionsDigest(sections), ...(outcome ? { closure: closureOf(outcome) } : {}) },
  sections,
});

test("a lab cannot make itself the decider: its card may list only its role's skills, so it cannot claim the determination", async () => {
  const b = await executing();
  // The lab re-publishes its card (with a valid presentation of its genomics credential) listing pa-determination.
  const forged = await b.post(L, { case: null, kind: 'AgentCard', header: card(L, ['variant-annotation', 'pa-determination']), sections: [] }, credential(L));
  assert.equal(forged.status, 'rejected');
  assert.equal(forged.reason, 'card lists skill pa-determination, which role genomics may not exercise');
  assert.deepEqual(
    b.fold.state.cards.get(L.did)!.card.skills.map((s) => s.id),
    ['variant-annotation'],
    'the earlier card stands',
  );
  const grab = await b.post(L, claim('coverage-determination'), credential(L));
  assert.equal(grab.status, 'rejected');
  assert.match(grab.reason!, /lacks the skill pa-determination/);
  // The policy role claims it as before.
  assert.equal((await b.post(P, claim('coverage-determination'), credential(P))).status, 'accepted');
});

test('only the determination carries an outcome: a screening artifact that sets one is refused, and the real decision stands', async () => {
  const b = await executing();
  assert.equal((await b.post(L, claim('genomic-screening'), credential(L))).status, 'accepted');
  const hostile = await b.post(L, artifactOf('genomic-screening', [sealed('summary', ['policy-reasoner'])], 'approved'));
  assert.equal(hostile.status, 'rejected');
  assert.equal(hostile.reason, 'only the determination carries an outcome, and genomic-screening is not one');
  assert.equal(b.caseOf().outcome, undefined);
  assert.equal((await b.post(L, artifactOf('genomic-screening', [sealed('summary', ['policy-reasoner'])]))).status, 'accepted');
  assert.equal((await b.post(P, claim('coverage-determination'), credential(P))).status, 'accepted');
  assert.equal((await b.post(P, artifactOf('coverage-determination', [sealed('decision', ['form-builder'])], 'denied'))).status, 'accepted');
  assert.equal(b.caseOf().outcome?.closure, 'final');
  assert.equal(b.caseOf().outcome?.subtask, 'coverage-determination');
});

test("with privacy on, a plaintext section is refused even from the claimant, under the plan's readers", async () => {
  const b = await executing();
  await b.post(L, claim('genomic-screening'), credential(L));
  const plain = await b.post(L, artifactOf('genomic-screening', [{ name: 'summary', readers: ['policy-reasoner'], plaintext: { smn1: 0 } }]));
  assert.equal(plain.status, 'rejected');
  assert.equal(plain.reason, 'section summary is not sealed');
  assert.equal(b.caseOf().subtasks.get('genomic-screening')!.artifact, undefined);
  // Without privacy (the simulator) plaintext is how sections travel.
  const open = await executing({ requireSealed: false });
  await open.post(L, claim('genomic-screening'), credential(L));
  assert.equal(
    (await open.post(L, artifactOf('genomic-screening', [{ name: 'summary', readers: ['policy-reasoner'], plaintext: { smn1: 0 } }]))).status,
    'accepted',
  );
});

test('a gap cannot add a second determination', async () => {
  const b = await executing();
  const gap = {
    gap: 'gap-decide',
    skill: 'pa-determination',
    reasonCode: 'test',
    subtask: { id: 'lab-decision', title: 'x', deps: [], blocks: ['pas-response'], outputs: [] },
  };
  const r = await b.post(L, { case: 'case-1', kind: 'Gap', header: gap, sections: [] });
  assert.equal(r.status, 'rejected');
  assert.equal(r.reason, 'a gap cannot ask for the deciding skill pa-determination');
});

test('each claim attempt has its own challenge: a release or a revocation opens a new one, a later round another', async () => {
  const b = await executing();
  const s = () => b.caseOf().subtasks.get('genomic-screening')!;
  const seen = [claimChallenge(b.caseOf(), s())];
  await b.post(L, claim('genomic-screening'), credential(L));
  seen.push(claimChallenge(b.caseOf(), s())); // a takeover after a lapse succeeds this claim
  const released = await b.post(L, { case: 'case-1', subtask: 'genomic-screening', kind: 'Release', header: { reason: 'work-failed' }, sections: [] });
  assert.equal(claimChallenge(b.caseOf(), s()).endsWith(released.id), true);
  seen.push(claimChallenge(b.caseOf(), s()));
  b.clock.advance(1_000); // the backoff after giving work back
  assert.equal((await b.post(L, claim('genomic-screening'), credential(L))).status, 'accepted', 'the same agent claims again');
  b.clock.advance(60_001);
  const revoked = await b.post(P, { case: 'case-1', subtask: 'genomic-screening', kind: 'LeaseExpired', header: { claimant: L.did }, sections: [] });
  assert.equal(revoked.status, 'accepted');
  seen.push(claimChallenge(b.caseOf(), s()));
  assert.equal(new Set(seen).size, seen.length, 'no challenge repeats');
});

test("a well-reputed member cannot redefine another's subtask: outside its skills its proposal does not shape the plan", async () => {
  // The evidence vendor is the best-reputed member; it proposes the lab's screening with the raw
  // results open to itself. Its domain label says genomics, but its card offers no genomics skill.
  const E = testSigner('cap-vendor-evidence');
  ROLE.set(E.did, 'evidence-synthesizer');
  SKILLS.set(E.did, ['evidence-synthesis']);
  const b = new FoldBoard({
    requireCredentials: true,
    requireSealed: true,
    capabilities: REFERENCE_CAPABILITIES,
    genesisReputation: { [E.did]: 95, [L.did]: 74, [P.did]: 91, [F.did]: 84 },
  });
  for (const s of [P, L, F, E]) await b.post(s, { case: null, kind: 'AgentCard', header: card(s), sections: [] }, credential(s));
  await convened(b, P, [L, F, E], ['pa-determination', 'variant-annotation', 'pas-form', 'evidence-synthesis'], 'J3399');
  const leaky = [{ section: 'summary', readers: ['evidence-synthesizer', 'policy-reasoner'] }];
  const proposals: [Signer, string, ReturnType<typeof sub>[]][] = [
    [P, 'pa-determination', [sub('coverage-determination', 'pa-determination', ['genomic-screening'], decision)]],
    [L, 'variant-annotation', [sub('genomic-screening', 'variant-annotation', [], summary)]],
    [F, 'pas-form', [sub('pas-response', 'pas-form', ['coverage-determination'], [])]],
    [E, 'variant-annotation', [sub('evidence-synthesis', 'evidence-synthesis', [], []), sub('genomic-screening', 'variant-annotation', [], leaky)]],
  ];
  for (const [s, domain, subtasks] of proposals) await b.post(s, { case: 'case-1', kind: 'Proposal', header: { domain, subtasks }, sections: [] });
  const screening = b.caseOf().plan!.subtasks.find((s) => s.id === 'genomic-screening')!;
  assert.deepEqual(screening.outputs, summary, "the lab's disclosure policy for its own work stands");
});

test('the determination keeps its deciding skill: a member cannot re-propose it as a task of its own', async () => {
  const E = testSigner('cap-vendor-evidence');
  ROLE.set(E.did, 'evidence-synthesizer');
  SKILLS.set(E.did, ['evidence-synthesis']);
  const b = new FoldBoard({
    requireCredentials: true,
    requireSealed: true,
    capabilities: REFERENCE_CAPABILITIES,
    genesisReputation: { [E.did]: 95, [L.did]: 74, [P.did]: 91, [F.did]: 84 },
  });
  for (const s of [P, L, F, E]) await b.post(s, { case: null, kind: 'AgentCard', header: card(s), sections: [] }, credential(s));
  await convened(b, P, [L, F, E], ['pa-determination', 'variant-annotation', 'pas-form', 'evidence-synthesis'], 'J3399');
  const proposals: [Signer, string, ReturnType<typeof sub>[]][] = [
    [P, 'pa-determination', [sub('coverage-determination', 'pa-determination', ['genomic-screening'], decision)]],
    [L, 'variant-annotation', [sub('genomic-screening', 'variant-annotation', [], summary)]],
    [F, 'pas-form', [sub('pas-response', 'pas-form', ['coverage-determination'], [])]],
    // Within its own skill, and better reputed than the payer's agent.
    [
      E,
      'evidence-synthesis',
      [sub('coverage-determination', 'evidence-synthesis', [], [{ section: 'decision', readers: ['evidence-synthesizer', 'form-builder'] }])],
    ],
  ];
  for (const [s, domain, subtasks] of proposals) await b.post(s, { case: 'case-1', kind: 'Proposal', header: { domain, subtasks }, sections: [] });
  const det = b.caseOf().plan!.subtasks.find((s) => s.id === 'coverage-determination')!;
  assert.equal(det.skill, 'pa-determination');
  assert.deepEqual(det.outputs, decision);
});

test('work given back may be claimed again, but not after maxReleases releases: failing work cannot loop on the board', async () => {
  const b = await executing({ maxReleases: 3 });
  const release = { case: 'case-1', subtask: 'genomic-screening', kind: 'Release' as const, header: { reason: 'work-failed' }, sections: [] };
  const claimNow = async () => b.post(L, claim('genomic-screening'), credential(L));
  for (let i = 0; i < 3; i++) {
    assert.equal((await claimNow()).status, 'accepted', `claim ${i + 1}`);
    assert.equal((await b.post(L, release)).status, 'accepted');
    b.clock.advance(1_000);
  }
  const fourth = await claimNow();
  assert.equal(fourth.status, 'rejected');
  assert.equal(fourth.reason, 'the author gave this subtask back 3 times');
  assert.deepEqual(b.caseOf().subtasks.get('genomic-screening')!.released, [L.did, L.did, L.did]);
});
