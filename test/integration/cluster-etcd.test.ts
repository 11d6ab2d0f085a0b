import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EtcdBoardStore } from '../../core/board/etcd-store.js';
import { startFhirServer, type EmbeddedFhirServer } from '../../fhir/server/embedded-server.js';
import { parsePasRequest } from '../../fhir/pas/request.js';
import { syntheticRequest } from '../../fhir/synthetic/index.js';
import { startLocalCluster, type LocalCluster } from '../../app/node/process/local-cluster.js';
import { submitAndWait } from '../../app/node/process/case-client.js';

// Three etcd members and four org node processes on loopback, started once for the file.
const dir = mkdtempSync(join(tmpdir(), 'murmur-cluster-'));
let fhir: EmbeddedFhirServer;
let cluster: LocalCluster;
const FAST_SCRYPT = { N: 2 ** 12, r: 8, p: 1 };

before(async () => {
  fhir = await startFhirServer({ port: 0 });
  cluster = await startLocalCluster({ dir, fhir: fhir.baseUrl, scryptCost: FAST_SCRYPT });
});
after(async () => {
  await cluster?.stop();
  await fhir?.close();
  if (!process.env.MURMUR_KEEP_TEST_DIR) rmSync(dir, { recursive: true, force: true });
});

interface NodeState {
  lastIndex: number;
  digest: string;
  cases: { id: string; status: string; outcome: string | null }[];
  rejected: number;
}

async function stateOf(org: string): Promise<NodeState> {
  const n = cluster.nodes.get(org)!;
  const res = await fetch(`${n.api}/v1/state`, { headers: { authorization: `Bearer ${n.token}` } });
  return (await res.json()) as NodeState;
}

/** Waits until every node folded the whole etcd log to the same state; returns it. */
async function converged(): Promise<NodeState> {
  const probe = await EtcdBoardStore.open({ hosts: cluster.etcd.hosts });
  const head = await probe.head();
  await probe.close();
  let states: NodeState[] = [];
  for (let i = 0; i < 100; i++) {
    states = await Promise.all([...cluster.nodes.keys()].map(stateOf));
    // The head read above is a floor: entries may still land (late votes), so every node must
    // hold at least it and all must agree.
    if (states.every((s) => s.lastIndex >= head && s.lastIndex === states[0]!.lastIndex && s.digest === states[0]!.digest)) return states[0]!;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`nodes did not converge on ${head} entries: ${states.map((s) => `${s.lastIndex}/${s.digest.slice(0, 8)}`).join(' ')}`);
}

const payerApi = (): { url: string; token: string } => ({ url: cluster.nodes.get('northwind')!.api!, token: cluster.nodes.get('northwind')!.token! });

type FoldRecordView = { index: number; id: string; kind: string; author: string; status: string; reason?: string };

/** A node's fold verdicts from index `from`. */
async function recordsOf(org: string, from = 1): Promise<FoldRecordView[]> {
  const out: FoldRecordView[] = [];
  for (;;) {
    const n = cluster.nodes.get(org)!;
    const res = await fetch(`${n.api}/v1/records?from=${from + out.length}`, { headers: { authorization: `Bearer ${n.token}` } });
    const page = (await res.json()) as FoldRecordView[];
    if (page.length === 0) return out;
    out.push(...page);
  }
}

/** Whether a record was signed by one of an organization's agents (per the charter). */
function agentsOf(org: string): (r: { author: string }) => boolean {
  const charter = JSON.parse(readFileSync(cluster.provisioned.charterPath, 'utf8')) as { members: { org: string; agents: string[] }[] };
  const dids = charter.members.find((m) => m.org === org)!.agents;
  return (r) => dids.some((d) => r.author.startsWith(`${d}#`));
}

/** The first case's decision: a case disturbed by failures must reach the same. */
let referenceDecision: unknown;

test('the reference case over etcd, each organization in its own process: approved, and every node folds the same state', async () => {
  const result = await submitAndWait(payerApi(), fhir.baseUrl, parsePasRequest(syntheticRequest('reference')), 90_000);
  assert.equal(result.outcome, 'approved');
  assert.match(JSON.stringify(result.decision), /metoclopramide/i);
  referenceDecision = result.decision;
  assert.equal((result.claimResponse as { resourceType?: string }).resourceType, 'ClaimResponse');
  const state = await converged();
  assert.equal(state.rejected, 0);
  assert.deepEqual(
    state.cases.map((c) => [c.status, c.outcome]),
    [['dissolved', 'approved']],
  );
});

test('killing one etcd member mid-case: same decision, no lost entry', async () => {
  const start = await stateOf('northwind');
  const running = submitAndWait(payerApi(), fhir.baseUrl, parsePasRequest(syntheticRequest('reference')), 60_000);
  for (let i = 0; i < 400 && (await stateOf('northwind')).lastIndex < start.lastIndex + 10; i++) await new Promise((r) => setTimeout(r, 25));
  await cluster.etcd.kill(0);
  const result = await running;
  assert.equal(result.outcome, 'approved');
  await cluster.etcd.restart(0);
  const state = await converged();
  assert.equal(state.rejected, 0, 'no envelope rejected: every chain is whole, nothing reordered or lost');
  assert.ok(state.cases.every((c) => c.status === 'dissolved' && c.outcome === 'approved'));
});

// Known gap (see docs/deployment.md): an agent killed between its Claim and its Artifact does
// not resume that work after a restart (its in-flight work and grant waits are in memory), so
// the case waits for the claim's lease (5 min) to expire. The board side (chains, catch-up)
// holds; the agent runtime does not yet checkpoint.
test('a node restarted with no local archive replays the whole log and reaches the same state', async () => {
  const reference = await converged();
  await cluster.killNode('vigilant');
  // The whole archive: its WAL and shared-memory files too, or SQLite revives part of it.
  for (const f of ['board-archive.db', 'board-archive.db-wal', 'board-archive.db-shm']) rmSync(join(dir, 'orgs', 'vigilant', 'data', f), { force: true });
  await cluster.startNode('vigilant');
  // Entries may still land meanwhile (late votes of an earlier case), so the check is that
  // every node, the restarted one included, converges on one state that holds all of before.
  const after = await converged();
  assert.ok(after.lastIndex >= reference.lastIndex);
  // Replaying, its agents signed nothing: on the partial view, earlier cases looked open.
  assert.deepEqual(
    (await recordsOf('vigilant')).filter((r) => r.status === 'rejected'),
    [],
  );
});

test('killing one etcd member and one org node mid-case: same decision, no lost entry, the node catches up', { timeout: 120_000 }, async () => {
  const start = await stateOf('northwind');
  const evidentia = agentsOf('evidentia');
  const running = submitAndWait(payerApi(), fhir.baseUrl, parsePasRequest(syntheticRequest('reference')), 45_000);
  // Mid-case: Evidentia has posted its artifact; its key grants, its DoneVote and the rest of
  // the case are to come, so the restarted node must continue its agents' chains.
  const midCase = (rs: FoldRecordView[]): boolean =>
    rs.some((r) => r.kind === 'Artifact' && r.status === 'accepted' && evidentia(r)) && !rs.some((r) => r.kind === 'DoneVote' && evidentia(r));
  let recent: FoldRecordView[] = [];
  for (let i = 0; i < 1_200 && !midCase((recent = await recordsOf('evidentia', start.lastIndex + 1))); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(midCase(recent), "the kill comes between Evidentia's artifact and its vote");
  const before = await recordsOf('northwind');
  await cluster.etcd.kill(0);
  await cluster.killNode('evidentia');
  await new Promise((r) => setTimeout(r, 1_000));
  await cluster.startNode('evidentia');
  const result = await running;
  assert.equal(result.outcome, 'approved');
  assert.deepEqual(result.decision, referenceDecision, 'the same decision as the undisturbed reference case');
  await cluster.etcd.restart(0);
  // Every node, the restarted one included, folds the same records (same digest).
  const state = await converged();
  const after = await recordsOf('evidentia');
  for (const r of before.filter((x) => x.status === 'accepted')) {
    assert.deepEqual(after[r.index - 1], r, `entry ${r.index} (${r.kind}), accepted before the kill, is still there`);
  }
  const forked = after.filter((r) => r.status === 'rejected' && /^(equivocation|chain):/.test(r.reason ?? ''));
  assert.deepEqual(forked.filter(evidentia), [], 'the restarted node signed no seq twice');
  assert.deepEqual(forked, [], 'no chain broken');
  assert.equal(state.rejected, 0, 'no envelope rejected');
  assert.ok(state.cases.every((c) => c.status === 'dissolved' && c.outcome === 'approved'));
});
