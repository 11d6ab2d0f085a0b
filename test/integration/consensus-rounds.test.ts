import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoredEntry } from '../../core/board/store.js';
import type { MemoryBoardStore } from '../../core/board/memory-store.js';
import { runCase, type Coalition } from '../../app/node/coalition.js';
import { traceLine } from '../../app/node/trace.js';
import { credentialAdmission } from '../../core/access/admission.js';
import { ACCESS_KINDS } from '../../core/access/rules.js';
import { BoardReplica } from '../../core/agents/runtime/replica.js';
import { DEFAULT_BOARD_TIME } from '../../core/board/board-time.js';
import { chainResolvers, didKeyResolver } from '../../core/crypto/did-key.js';
import { didPeerResolver } from '../../core/crypto/did-peer.js';
import { REFERENCE_CAPABILITIES } from '../../core/coordination/roles.js';
import { agentNamed, MEMORY_REF, memoryCoalition } from '../support/coalition.js';

/**
 * T1 on a real coalition (four org nodes, privacy on): the plan comes from belief rounds on the
 * board, and a member that injects inflated or split beliefs leaves it as the honest members
 * would have made it.
 */

async function withCoalition<T>(fn: (c: Coalition, store: MemoryBoardStore) => Promise<T>, reducer?: { beliefRounds: { roundMs: number } }): Promise<T> {
  const { coalition, store } = await memoryCoalition('reference', reducer ? { reducer } : {});
  try {
    return await fn(coalition, store);
  } finally {
    await coalition.stop();
  }
}

const labNode = (c: Coalition) => c.nodes.find((n) => n.spec.id === 'helix')!;

function assertReferenceDecision(result: Awaited<ReturnType<typeof runCase>>): void {
  assert.equal(result.outcome, 'approved');
  assert.ok(
    result.decision.caveats.some((x) => /metoclopramide/i.test(x.text)),
    'the pharmacogenomic caveat',
  );
}

/** The verdict every node's fold reached on an envelope (they must agree). */
function verdictOf(c: Coalition, id: string): { status: string; reason?: string } {
  const seen = c.nodes.map((n) => n.replica.fold.records.find((r) => r.id === id));
  assert.ok(
    seen.every((r) => r !== undefined),
    'every node folded it',
  );
  assert.equal(new Set(seen.map((r) => `${r!.status} ${r!.reason}`)).size, 1, 'every node reached the same verdict');
  return { status: seen[0]!.status, ...(seen[0]!.reason !== undefined ? { reason: seen[0]!.reason } : {}) };
}

/** The T1 lines of the payer's trace. */
function t1(c: Coalition): string[] {
  const replica = c.payer.replica;
  return replica.fold.records.flatMap((r) => {
    const line = traceLine(r, replica.entry(r.id)!, replica.state);
    return line?.phase === 'T1' ? [`${line.kind} ${line.status} ${line.text}`] : [];
  });
}

test('an honest coalition plans by belief rounds on the board, to ε, and the trace shows them', { timeout: 90_000 }, () =>
  withCoalition(async (c, store) => {
    const result = await runCase(c, MEMORY_REF, { timeoutMs: 30_000 });
    assertReferenceDecision(result);
    const r = result.case.consensus!;
    assert.ok(r.done?.converged, 'ε reached');
    assert.ok(r.done.spread < 0.01 && r.spreads[0]! >= 0.01, 'the proposals disagreed (the payer and the lab on the screening)');
    assert.ok(r.round >= 2);
    assert.ok(
      r.closed.every((x) => x.posted.length === 4),
      'every founder posted every round',
    );
    const updates = c.payer.replica.fold.records.filter((x) => x.kind === 'BeliefUpdate' && x.case === result.caseId);
    assert.equal(updates.length, 4 * r.round);
    assert.ok(updates.every((x) => x.status === 'accepted'));
    const trace = t1(c);
    assert.ok(trace.some((l) => /belief rounds open: round 0 spread 0\.\d{4}, ε = 0\.01/.test(l)));
    assert.ok(
      trace.some((l) => new RegExp(`round ${r.round} closed \\(4/4 posted\\), spread 0\\.\\d{4} < ε = 0\\.01: converged`).test(l)),
      trace.join('\n'),
    );
    // An auditor re-folding the board with the charter reaches the same plan.
    const audit = new BoardReplica(
      store,
      chainResolvers(didKeyResolver, didPeerResolver),
      { genesisReputation: c.charter!.genesisReputation, requireCredentials: true, requireSealed: true, capabilities: REFERENCE_CAPABILITIES },
      credentialAdmission({ registry: c.charter!.registry, status: c.charter!.status }),
      ACCESS_KINDS,
      DEFAULT_BOARD_TIME,
    );
    await audit.catchUp();
    assert.equal(audit.state.cases.get(result.caseId)!.plan!.hash, result.case.plan!.hash);
    await audit.stop();
  }),
);

/** The plan of a run where every member is honest (computed once). */
let honestPlan: Promise<{ hash: string; subtasks: unknown[] }> | undefined;
const honestRun = () => (honestPlan ??= withCoalition(async (c) => (await runCase(c, MEMORY_REF, { timeoutMs: 30_000 })).case.plan!));

test('a member injecting inflated or split beliefs leaves the plan as the honest members made it', { timeout: 120_000 }, async () => {
  const honest = await honestRun();
  await withCoalition(async (c) => {
    const lab = agentNamed(c, 'GenomicsAgent');
    const hostile: { what: string; posted: Promise<StoredEntry> }[] = [];
    let proposals = 0;
    const splitRounds = new Set<number>();
    const stop = labNode(c).replica.onRecord((record, entry) => {
      const caseId = entry.envelope.case;
      if (!caseId || record.status !== 'accepted') return;
      const belief = (round: number, beliefs: Record<string, number>) =>
        lab.post({ case: caseId, kind: 'BeliefUpdate', header: { round, beliefs }, sections: [] });
      // The proposals are in: before its honest update, the lab pushes its screening and drops the evidence.
      if (record.kind === 'Proposal' && ++proposals === 4) {
        const all = (v: number) =>
          Object.fromEntries(['coverage-determination', 'evidence-synthesis', 'genomic-screening', 'pas-response', 'policy-lookup'].map((id) => [id, v]));
        hostile.push({ what: 'inflated', posted: belief(1, all(1)) });
        hostile.push({ what: 'steered', posted: belief(1, { ...all(0.95), 'evidence-synthesis': 0 }) });
      }
      // After each honest update it tells the board a second, different belief for the same round.
      if (record.kind === 'BeliefUpdate' && record.author.startsWith(lab.did) && !splitRounds.has(Number(entry.envelope.header.round))) {
        const round = Number(entry.envelope.header.round);
        splitRounds.add(round);
        const mine = entry.envelope.header.beliefs as Record<string, number>;
        hostile.push({ what: 'split', posted: belief(round, { ...mine, 'genomic-screening': 0.95, 'coverage-determination': 0 }) });
      }
    });
    const result = await runCase(c, MEMORY_REF, { timeoutMs: 30_000 });
    stop();
    for (const h of hostile) {
      const v = verdictOf(c, (await h.posted).envelope.id);
      assert.equal(v.status, 'rejected', `${h.what} belief refused`);
      if (h.what === 'inflated') assert.match(v.reason!, /above the confidence cap 0\.95/);
      // Refused as a second belief in its round, or, when the lab's honest update closed the round, as late.
      if (h.what === 'split')
        assert.match(v.reason!, /^(one belief per member and round: the first counts|the open belief round is \d+|no belief round is open)$/);
    }
    assert.ok(hostile.filter((h) => h.what === 'split').length >= 2, 'the lab split its belief in several rounds');
    // The plan is the honest run's, to the hash; and the case reaches its fault-free decision.
    assert.deepEqual(result.case.plan!.subtasks, honest.subtasks);
    assert.equal(result.case.plan!.hash, honest.hash);
    assert.ok(result.case.consensus!.done?.converged);
    assert.ok(
      result.case.consensus!.closed.every((x) => x.posted.length === 4),
      "the lab's honest updates counted, its lies did not",
    );
    assertReferenceDecision(result);
  });
});

test(
  'a member that never posts its beliefs cannot stall planning: the round closes at its deadline, and the plan is the same',
  { timeout: 120_000 },
  async () => {
    const honest = await honestRun();
    await withCoalition(
      async (c) => {
        const lab = agentNamed(c, 'GenomicsAgent');
        // The lab's node never gets its BeliefUpdates out (its other envelopes go as usual).
        const post = lab.post.bind(lab);
        lab.post = (draft) => (typeof draft !== 'function' && draft.kind === 'BeliefUpdate' ? Promise.reject(new Error('link down')) : post(draft));
        const result = await runCase(c, MEMORY_REF, { timeoutMs: 30_000 });
        const r = result.case.consensus!;
        assert.deepEqual(r.closed[0]!.silent, [lab.did], 'round 1 closed without the lab');
        const closes = c.payer.replica.fold.records.filter(
          (x) => x.kind === 'Vote' && x.case === result.caseId && c.payer.replica.entry(x.id)!.envelope.header.topic === 'close-belief-round',
        );
        assert.ok(
          closes.some((x) => x.status === 'accepted'),
          "closed by a member's vote after the deadline",
        );
        assert.ok(
          r.closed.slice(1).every((x) => x.silent.length === 0 && !x.posted.includes(lab.did)),
          'later rounds no longer wait for it',
        );
        assert.ok(r.done?.converged);
        assert.equal(result.case.plan!.hash, honest.hash);
        assertReferenceDecision(result);
        assert.ok(
          t1(c).some((l) => /closes belief round 1 \(its deadline passed\); round 1 closed \(3\/4 posted\)/.test(l)),
          t1(c).join('\n'),
        );
      },
      { beliefRounds: { roundMs: 1_500 } },
    );
  },
);
