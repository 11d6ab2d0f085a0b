import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCase } from '../../app/node/coalition.js';
import { expectedOutcome, syntheticVariants, type CaseVariant } from '../../fhir/synthetic/index.js';
import { MEMORY_REF, memoryCoalition } from '../support/coalition.js';

async function run(variant: CaseVariant, seed = 1) {
  const { coalition, port, store } = await memoryCoalition(variant, { seed });
  try {
    const result = await runCase(coalition, MEMORY_REF, { timeoutMs: 20_000 });
    return { result, coalition, port, store };
  } finally {
    await coalition.stop();
  }
}

test('reference case: approved with the pharmacogenomic caveat, through T0–T6 with no orchestrator', async () => {
  const { result, coalition } = await run('reference');
  assert.equal(result.outcome, 'approved');
  assert.ok(
    result.decision.caveats.some((c) => /metoclopramide/i.test(c.text)),
    'caveat names metoclopramide',
  );

  const state = coalition.payer.replica.state;
  const c = result.case;
  const name = (did: string) => state.cards.get(did)!.card.name;
  // T0: the payer's PolicyReasoner convened the three other founders from their cards.
  assert.equal(name(c.convener!), 'PolicyReasoner');
  assert.deepEqual(c.invitees.map(name).sort(), ['ClinEvidence', 'FormBuilder', 'GenomicsAgent']);
  // T1: the merged plan is the union of the founders' domains, committed by quorum.
  assert.deepEqual(
    c.plan!.subtasks.map((s) => s.id),
    ['coverage-determination', 'evidence-synthesis', 'genomic-screening', 'pas-response', 'policy-lookup'],
  );
  assert.ok(c.planCommitted);
  // T3–T4: the gap was raised by the lab and awarded to the suggested peer, who joined.
  const gap = [...c.gaps.values()][0]!;
  assert.equal(name(gap.author), 'GenomicsAgent');
  assert.equal(name(gap.suggested!), 'DrugInteractionAgent');
  assert.equal(name(gap.award!.winner), 'DrugInteractionAgent');
  assert.equal(c.members.size, 5);
  assert.equal(c.members.get(gap.award!.winner)!.via, 'contract-net');
  // T5: determination waited for the new subtask.
  assert.ok(c.subtasks.get('coverage-determination')!.deps.includes('drug-interaction'));
  // T6: dissolved by quorum; the gap finder and the self-recruit gain most.
  assert.equal(c.status, 'dissolved');
  const deltas = Object.entries(c.reputation!.deltas)
    .map(([did, d]) => [name(did), d] as const)
    .sort((a, b) => b[1] - a[1]);
  assert.deepEqual(
    deltas
      .slice(0, 2)
      .map(([n]) => n)
      .sort(),
    ['DrugInteractionAgent', 'GenomicsAgent'],
  );
  assert.ok(deltas[1]![1] > deltas[2]![1]);
  // Every node folded the same log to the same state, and nothing was rejected.
  for (const n of coalition.nodes) {
    assert.equal(n.replica.fold.lastIndex, coalition.payer.replica.fold.lastIndex);
    assert.deepEqual(n.replica.fold.rejected(), []);
  }
});

for (const variant of syntheticVariants) {
  test(`variant ${variant}: decision is ${expectedOutcome(variant).outcome}`, async () => {
    const { result } = await run(variant);
    assert.equal(result.outcome, expectedOutcome(variant).outcome);
  });
}

test('a normal CYP2D6 metabolizer raises no gap: the coalition stays at four', async () => {
  const { result } = await run('cyp2d6-normal');
  assert.equal(result.case.gaps.size, 0);
  assert.equal(result.case.members.size, 4);
  assert.deepEqual(result.decision.caveats, []);
});

test('minimum necessary: each organization fetched only the data elements its work needs', async () => {
  const { port } = await run('reference');
  const byOrg = new Map<string, Set<string>>();
  for (const f of port.fetches) for (const e of f.elements) (byOrg.get(f.org) ?? byOrg.set(f.org, new Set()).get(f.org)!).add(e);
  assert.deepEqual([...(byOrg.get('evidentia') ?? [])].sort(), ['diagnosis']);
  assert.deepEqual([...(byOrg.get('vigilant') ?? [])].sort(), ['medication-plan']);
  assert.ok(!byOrg.get('northwind')!.has('smn-genotype'), 'the payer never fetches raw genotypes');
  assert.ok(byOrg.get('helix')!.has('smn-genotype'));
});
