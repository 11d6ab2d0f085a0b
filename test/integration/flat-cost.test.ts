import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { verifyRun } from '../../app/node/audit/verify.js';
import { runCase } from '../../app/node/coalition.js';
import { archiveCase, startEmbedded } from '../../app/node/embedded.js';
import { silentLogger } from '../../core/common/log.js';
import { storeRequestBundle } from '../../fhir/adapters/request-intake.js';
import { parsePasRequest } from '../../fhir/pas/request.js';
import { syntheticRequest } from '../../fhir/synthetic/index.js';
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
    assert.deepEqual(
      calls.filter((k) => k.endsWith(':dissolved')),
      [],
      'a step walked dissolved cases with nothing new',
    );

    // A new entry on the first case (an access request: here one the fold refuses, naming no
    // artifact) wakes that case up, and only that one.
    const payerAgent = coalition.payer.agents[0]!;
    await payerAgent.post({ case: first.caseId, kind: 'AccessRequest', header: { target: 'no-such-entry', section: 'decision' }, sections: [] });
    await coalition.payer.replica.catchUp();
    for (const a of coalition.payer.agents) await a.step();
    assert.ok(calls.includes(`${first.caseId}:dissolved`));
    assert.ok(!calls.includes(`${second.caseId}:dissolved`));
  } finally {
    SectionAccess.prototype.grantPending = original;
    await coalition.stop();
  }
});

test("an agent forgets a settled case's action keys: it holds as many after three cases as after one", async () => {
  const { coalition, store } = await memoryCoalition('reference');
  try {
    const agents = coalition.nodes.flatMap((n) => n.agents);
    // Every case dissolved and scored, every replica caught up, and a step taken on what it folded.
    const settled = async (): Promise<number[]> => {
      for (let i = 0; i < 200; i++) {
        const head = await store.head();
        for (const n of coalition.nodes) await n.replica.catchUp();
        const cases = [...coalition.payer.replica.state.cases.values()];
        if (coalition.nodes.every((n) => n.replica.fold.lastIndex === head) && cases.every((c) => c.status === 'dissolved' && c.reputation)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const a of agents) await a.step();
      // A settled case is no longer looked at by any agent's step.
      assert.deepEqual(
        agents.map((a) => a.watchedCases),
        agents.map(() => 0),
      );
      return agents.map((a) => a.heldActions);
    };
    await runCase(coalition, MEMORY_REF, { timeoutMs: 20_000 });
    const afterOne = await settled();
    await runCase(coalition, MEMORY_REF, { timeoutMs: 20_000 });
    await runCase(coalition, MEMORY_REF, { timeoutMs: 20_000 });
    const afterThree = await settled();
    // Without forgetting, a reference case left ≈ 60 keys across the agents, three left ≈ 180.
    assert.deepEqual(afterThree, afterOne);
    assert.equal(coalition.payer.replica.state.cases.size, 3);
  } finally {
    await coalition.stop();
  }
});

test("a settled case leaves every replica's memory; it is still read, and the board still verifies", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-flat-'));
  const env = await startEmbedded({ dataDir: dir, privacy: true, proofs: false, logger: silentLogger });
  try {
    const runOne = async (): Promise<string> => {
      const ref = await storeRequestBundle(env.fhirBase, parsePasRequest(syntheticRequest('reference')));
      const r = await runCase(env.coalition, ref, { timeoutMs: 60_000 });
      await archiveCase(env.store, dir, r.caseId);
      return r.caseId;
    };
    // Replicas catch up on the last entries of a case (its reputation update) on their own time.
    const held = async (): Promise<number[]> => {
      const head = await env.store.head();
      for (const n of env.coalition.nodes) await n.replica.catchUp();
      assert.ok(env.coalition.nodes.every((n) => n.replica.fold.lastIndex === head));
      return env.coalition.nodes.map((n) => n.replica.heldEntries);
    };
    const first = await runOne();
    const afterOne = await held();
    await runOne();
    await runOne();
    const afterThree = await held();
    const entriesOfFirst = (await env.store.readCase(first)).filter((e) => e.envelope.case === first).length;
    assert.ok(entriesOfFirst > 20, 'a reference case writes dozens of entries');
    // What a replica holds is the coalition-wide entries (cards): the same after one case and after three.
    const coalitionWide = (await env.store.read(1, 100_000)).filter((e) => e.envelope.case === null).length;
    assert.deepEqual(
      afterOne,
      env.coalition.nodes.map(() => coalitionWide),
    );
    assert.deepEqual(afterThree, afterOne);

    // The first case is out of memory, and still read in full: its decision (a grant's key
    // unwraps it), and every entry of it by id, as the fold recorded it.
    const payer = env.coalition.payer;
    const c = payer.replica.state.cases.get(first)!;
    const decision = (await payer.readArtifact(c, 'coverage-determination', 'decision')) as { outcome?: string } | undefined;
    assert.equal(decision?.outcome, 'approved');
    for (const e of await env.store.readCase(first)) assert.equal(payer.replica.entry(e.envelope.id)?.index, e.index);
  } finally {
    await env.close();
  }
  // The board, its tree heads and the audit trails still verify (murmur audit verify).
  const verdict = await verifyRun(dir);
  assert.equal(verdict.ok, true, JSON.stringify(verdict.findings.filter((f) => !f.ok)));
  rmSync(dir, { recursive: true, force: true });
});

test('a process that starts and stops the coalition again and again keeps no descriptor or exit listener of the stopped ones', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-flat-restart-'));
  const openFiles = (): number => readdirSync('/proc/self/fd').length;
  try {
    // The first start makes the identities and loads what stays loaded (definitions, circuits' keys).
    await (await startEmbedded({ dataDir: dir, privacy: true, proofs: false, logger: silentLogger })).close();
    const files = openFiles();
    const listeners = process.listenerCount('exit');
    for (let i = 0; i < 3; i++) await (await startEmbedded({ dataDir: dir, privacy: true, proofs: false, logger: silentLogger })).close();
    assert.equal(process.listenerCount('exit'), listeners, 'exit listeners after three more starts and stops');
    assert.ok(openFiles() <= files, `open descriptors: ${files} after the first stop, ${openFiles()} after three more`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
