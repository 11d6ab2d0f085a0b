import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCase } from '../../app/node/coalition.js';
import { BoardReplica } from '../../core/agents/runtime/replica.js';
import { MemoryColdStore } from '../../core/coordination/case-table.js';
import { MemoryRecordSpill } from '../../core/board/record-log.js';
import { ACCESS_KINDS } from '../../core/access/rules.js';
import { DEFAULT_BOARD_TIME } from '../../core/board/board-time.js';
import { credentialAdmission } from '../../core/access/admission.js';
import { chainResolvers, didKeyResolver } from '../../core/crypto/did-key.js';
import { didPeerResolver } from '../../core/crypto/did-peer.js';
import { MEMORY_REF, memoryCoalition } from '../support/coalition.js';

// Settled cases frozen out of memory (case-table.ts) must change nothing the fold decides or a
// reader sees: the same records, the same case state, and an old case still read and appealed.
test('frozen settled cases and spilled verdicts: the fold decides the same, old cases read the same, and an appeal on one is granted', async () => {
  const { coalition, store } = await memoryCoalition('reference');
  const colds = coalition.nodes.map(() => new MemoryColdStore());
  // keepWarm 0: every settled case leaves memory at once, so the next cases run beside frozen ones.
  coalition.nodes.forEach((n, i) => n.replica.freezeSettledInto(colds[i]!, 0));
  // And the fold's older verdicts leave memory too (record-log.ts), beyond the latest 8.
  const spills = coalition.nodes.map(() => new MemoryRecordSpill());
  coalition.nodes.forEach((n, i) => n.replica.fold.records.spillInto(spills[i]!, 8));
  const payer = coalition.payer;
  const lab = coalition.nodes.find((n) => n.spec.kind === 'clia-laboratory')!;
  const caughtUp = async (): Promise<void> => {
    for (let i = 0; i < 200; i++) {
      const head = await store.head();
      for (const n of coalition.nodes) await n.replica.catchUp();
      const settled = [...payer.replica.state.cases.values()].every((c) => c.status === 'dissolved' && c.reputation !== undefined);
      if (settled && coalition.nodes.every((n) => n.replica.fold.lastIndex === head)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail('the coalition did not settle');
  };
  try {
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) outcomes.push((await runCase(coalition, MEMORY_REF, { timeoutMs: 20_000 })).outcome);
    assert.deepEqual(outcomes, ['approved', 'approved', 'approved']);
    await caughtUp();
    for (const [i, n] of coalition.nodes.entries()) {
      assert.equal(n.replica.state.cases.size, 3);
      assert.equal(n.replica.state.cases.liveCount, 0, `${n.spec.id} keeps settled cases in memory`);
      assert.equal(colds[i]!.size, 3);
      assert.ok(spills[i]!.range(0, 10_000).length > 100, `${n.spec.id} keeps every verdict in memory`);
    }

    // A replica that never freezes folds the same log to the same records and the same cases.
    const charter = coalition.charter!;
    const auditor = new BoardReplica(
      store,
      chainResolvers(didKeyResolver, didPeerResolver),
      payer.replica.config,
      credentialAdmission({ registry: charter.registry, status: charter.status, ...(charter.zkIssuers ? { zkIssuers: charter.zkIssuers } : {}) }),
      ACCESS_KINDS,
      DEFAULT_BOARD_TIME,
    );
    await auditor.catchUp();
    const verdicts = (r: BoardReplica) => r.fold.records.map((x) => `${x.index} ${x.id} ${x.status} ${x.code ?? ''}`);
    assert.equal(auditor.state.cases.liveCount, 3);
    assert.deepEqual(verdicts(payer.replica), verdicts(auditor));
    for (const id of auditor.state.cases.keys()) assert.deepEqual(payer.replica.state.cases.get(id), auditor.state.cases.get(id));

    // An appeal on the first (frozen) case: the lab, which never read the policy section,
    // asks for it; the fold warms the case, the policy reasoner grants, the lab reads.
    const first = [...payer.replica.state.cases.keys()][0]!;
    assert.ok(payer.replica.state.cases.isCold(first));
    const headBefore = await store.head();
    const policy = (await lab.readArtifact(lab.replica.state.cases.get(first)!, 'policy-lookup', 'policy')) as { id?: string } | undefined;
    assert.equal(typeof policy?.id, 'string');
    await caughtUp();
    await auditor.catchUp();
    const late = payer.replica.fold.records.filter((r) => r.index > headBefore);
    assert.ok(
      late.some((r) => r.case === first && r.kind === 'KeyGrant' && r.status === 'accepted'),
      'the appeal was granted',
    );
    assert.deepEqual(verdicts(payer.replica), verdicts(auditor));
    assert.deepEqual(payer.replica.state.cases.get(first), auditor.state.cases.get(first));
    // Once folded, the appealed case is frozen again.
    assert.equal(payer.replica.state.cases.liveCount, 0);

    // The spent presentations froze with the case, not in a ledger that grows with history:
    // the lab's granted request, replayed on the frozen case, is refused by every replica.
    const asked = late.find((r) => r.case === first && r.kind === 'AccessRequest' && r.status === 'accepted')!;
    const spentBefore = payer.replica.state.cases.get(first)!.spent;
    assert.ok(spentBefore.size > 0, 'the case keeps its own ledger of spent challenges');
    const asker = coalition.nodes.flatMap((n) => n.agents).find((a) => asked.author.startsWith(a.did))!;
    const original = payer.replica.entry(asked.id)!.envelope;
    const { target, section, presentation } = original.header as { target: string; section: string; presentation: Record<string, unknown> };
    const replay = await asker.post({ case: first, kind: 'AccessRequest', header: { target, section, presentation }, sections: [] });
    await caughtUp();
    await auditor.catchUp();
    for (const r of [payer.replica, auditor]) {
      const v = r.fold.records.find((x) => x.id === replay.envelope.id)!;
      assert.equal(`${v.status} ${v.code}`, 'rejected E_REPLAYED');
    }
    assert.deepEqual(verdicts(payer.replica), verdicts(auditor));
    assert.equal(payer.replica.state.cases.liveCount, 0);
  } finally {
    await coalition.stop();
  }
});
