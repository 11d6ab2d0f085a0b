import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCase } from '../../app/node/coalition.js';
import { SectionAccess } from '../../core/agents/runtime/section-access.js';
import type { CaseState } from '../../core/coordination/case-state.js';
import { MEMORY_REF, memoryCoalition } from '../support/coalition.js';

test('an agent step leaves settled dissolved cases alone, and still answers a new access request on one', async () => {
  const { coalition } = await memoryCoalition('reference');
  const original = SectionAccess.prototype.grantPending;
  try {
    const first = await runCase(coalition, MEMORY_REF, { timeoutMs: 20_000 });
    const second = await runCase(coalition, MEMORY_REF, { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 200)); // let the steps triggered by the last entries finish
    const calls: string[] = [];
    SectionAccess.prototype.grantPending = async function (c: CaseState) {
      calls.push(`${c.id}:${c.status}`);
    };
    const agents = coalition.nodes.flatMap((n) => n.agents);
    for (const a of agents) await a.step();
    assert.deepEqual(calls.filter((k) => k.endsWith(':dissolved')), [], 'a step walked dissolved cases with nothing new');

    // An appeal's access request on the first case (as the fold would record it) wakes it up.
    const state = coalition.payer.replica.state.cases.get(first.caseId)!;
    const [someRequest] = state.access.requests.entries();
    assert.ok(someRequest, 'the reference case has access requests');
    state.access.requests.set(`${someRequest[0]}-appeal`, someRequest[1]);
    for (const a of coalition.payer.agents) await a.step();
    assert.ok(calls.includes(`${first.caseId}:dissolved`));
    assert.ok(!calls.includes(`${second.caseId}:dissolved`));
  } finally {
    SectionAccess.prototype.grantPending = original;
    await coalition.stop();
  }
});
