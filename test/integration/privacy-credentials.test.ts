import { CREDENTIAL_CODES } from '../../core/board/verdicts.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../core/common/clock.js';
import { accessChallenge, claimChallenge } from '../../core/access/challenges.js';
import { northwindZolgensmaPolicy } from '../../core/agents/clinical/policy.js';
import { runCase, type Coalition } from '../../app/node/coalition.js';
import { agentNamed, MEMORY_REF, memoryCoalition, waitForRecord } from '../support/coalition.js';

const HOUR = 3_600_000;

async function withCoalition<T>(made: Promise<{ coalition: Coalition }>, fn: (c: Coalition) => Promise<T>): Promise<T> {
  const { coalition } = await made;
  try {
    return await fn(coalition);
  } finally {
    await coalition.stop();
  }
}

const didOf = (c: Coalition, name: string) => agentNamed(c, name).did;
/** The issuing organization's node posts the Revocation; every replica folds it. */
const revokeOnBoard = async (c: Coalition, org: string, name: string) => {
  const posted = await c.nodes.find((n) => n.spec.id === org)!.revoke(c.orgs!.find((o) => o.spec.id === org)!.statusOf(name));
  await c.payer.replica.catchUp();
  assert.equal(c.payer.replica.fold.records.find((r) => r.id === posted.envelope.id)?.status, 'accepted');
};
const byAgent = (c: Coalition, name: string, kind: string) => (r: { kind: string; author: string }) => r.kind === kind && r.author.startsWith(didOf(c, name));

test('a card whose credential confers another role is rejected: the agent never enters the directory', () =>
  withCoalition(memoryCoalition('reference', { roleOverride: (n) => (n === 'FormBuilder' ? { role: 'policy-reasoner' } : undefined) }), async (c) => {
    const r = await waitForRecord(c, byAgent(c, 'FormBuilder', 'AgentCard'));
    assert.equal(r.status, 'rejected');
    assert.match(r.reason!, /confers policy-reasoner/);
    assert.ok(!c.payer.replica.state.cards.has(didOf(c, 'FormBuilder')));
  }));

test('a role the organization may not confer is rejected by the trust registry', () =>
  withCoalition(memoryCoalition('reference', { roleOverride: (n) => (n === 'GenomicsAgent' ? { role: 'policy-reasoner' } : undefined) }), async (c) => {
    const r = await waitForRecord(c, byAgent(c, 'GenomicsAgent', 'AgentCard'));
    assert.equal(r.status, 'rejected');
    assert.match(r.reason!, /role-not-conferrable/);
  }));

test('an expired credential cannot claim: the agent cannot present it, and a presentation made earlier is refused at board time', async () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 1));
  const validUntil = clock.now() + HOUR;
  await withCoalition(memoryCoalition('reference', { clock, roleOverride: (n) => (n === 'GenomicsAgent' ? { validUntil } : undefined) }), async (c) => {
    clock.advance(2 * HOUR); // the card was valid when posted; the case comes after expiry
    const caseId = await c.payer.submitCase(MEMORY_REF, northwindZolgensmaPolicy);
    await waitForRecord(c, (r) => r.kind === 'Claim' && r.status === 'accepted' && !r.author.startsWith(didOf(c, 'GenomicsAgent')));
    const state = c.payer.replica.state.cases.get(caseId)!;
    const s = state.subtasks.get('genomic-screening')!;
    assert.equal(s.claimant, undefined, 'the lab agent could not claim with an expired credential');
    // A presentation made while the credential was still valid, posted now.
    const presenter = c.orgs!.find((o) => o.spec.id === 'helix')!.identity.agents.get('GenomicsAgent')!.presenter!;
    const vp = await presenter.present(claimChallenge(state, s), s.id, validUntil - 60_000);
    const posted = await agentNamed(c, 'GenomicsAgent').post({
      case: caseId,
      subtask: s.id,
      kind: 'Claim',
      header: { leaseMs: 60_000, presentation: vp },
      sections: [],
    });
    await c.payer.replica.catchUp();
    const r = c.payer.replica.fold.records.find((x) => x.id === posted.envelope.id)!;
    assert.equal(r.status, 'rejected');
    assert.match(r.reason!, /expired/);
    assert.equal(s.claimant, undefined);
  });
});

test('a revoked credential cannot claim', () =>
  withCoalition(memoryCoalition('reference'), async (c) => {
    await revokeOnBoard(c, 'helix', 'GenomicsAgent');
    void c.payer.submitCase(MEMORY_REF, northwindZolgensmaPolicy);
    const r = await waitForRecord(c, byAgent(c, 'GenomicsAgent', 'Claim'));
    assert.equal(r.status, 'rejected');
    assert.match(r.reason!, /revoked/);
  }));

test('reading: a wrong role, a revoked credential and replayed presentations are each refused', () =>
  withCoalition(memoryCoalition('reference'), async (c) => {
    const result = await runCase(c, MEMORY_REF, { timeoutMs: 20_000 });
    const detail = result.case.subtasks.get('genomic-screening')!.artifact!.id;
    const summary = detail; // the same envelope carries detail, summary and pgx
    const presenter = (org: string, name: string) => c.orgs!.find((o) => o.spec.id === org)!.identity.agents.get(name)!.presenter!;
    const ask = (name: string, org: string, section: string, vp?: Record<string, unknown>) =>
      agentNamed(c, name).post(async () => ({
        case: result.caseId,
        kind: 'AccessRequest' as const,
        header: {
          target: detail,
          section,
          presentation: vp ?? (await presenter(org, name).present(accessChallenge(detail, section), 'genomic-screening', Date.now())),
        },
        sections: [],
      }));
    const verdict = async (posted: Promise<{ envelope: { id: string } }>) => {
      const { envelope } = await posted;
      await c.payer.replica.catchUp();
      return c.payer.replica.fold.records.find((r) => r.id === envelope.id)!;
    };

    // The form builder's role is not among the raw results' readers.
    const wrongRole = await verdict(ask('FormBuilder', 'northwind', 'detail'));
    assert.equal(wrongRole.status, 'rejected');
    assert.equal(wrongRole.code, 'E_ROLE');
    assert.match(wrongRole.reason!, /role form-builder may not read genomic-screening\/detail/);

    // The policy reasoner's earlier presentation for the summary, replayed by itself and by another agent.
    const earlier = c.payer.replica.fold.records.find(
      (r) =>
        r.kind === 'AccessRequest' &&
        r.author.startsWith(didOf(c, 'PolicyReasoner')) &&
        r.status === 'accepted' &&
        c.payer.replica.entry(r.id)!.envelope.header.target === summary,
    )!;
    const vp = c.payer.replica.entry(earlier.id)!.envelope.header.presentation as Record<string, unknown>;
    const replayed = await verdict(ask('PolicyReasoner', 'northwind', 'summary', vp));
    assert.equal(replayed.status, 'rejected');
    assert.equal(replayed.code, 'E_REPLAYED');
    assert.match(replayed.reason!, /replayed/);
    const stolen = await verdict(ask('FormBuilder', 'northwind', 'summary', vp));
    assert.equal(stolen.status, 'rejected');
    assert.ok(CREDENTIAL_CODES.includes(stolen.code!), stolen.code);
    assert.match(stolen.reason!, /holder-mismatch/);

    // A revoked reader is refused even where the policy would let its role read.
    await revokeOnBoard(c, 'vigilant', 'DrugInteractionAgent');
    const revoked = await verdict(ask('DrugInteractionAgent', 'vigilant', 'pgx'));
    assert.equal(revoked.status, 'rejected');
    assert.equal(revoked.code, 'E_REVOKED');
    assert.match(revoked.reason!, /revoked/);
  }));
