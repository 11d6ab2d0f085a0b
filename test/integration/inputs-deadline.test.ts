import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCase } from '../../app/node/coalition.js';
import type { Decision } from '../../core/agents/clinical/types.js';
import { BundleDataPort } from '../support/bundle-port.js';
import { MEMORY_REF, memoryCoalition } from '../support/coalition.js';
import { bundleResources, syntheticRequest } from '../../fhir/synthetic/index.js';
import type { FhirResource } from '../../core/agents/clinical/types.js';

/*
 * An input that never comes: the evidence vendor's reads fail on every attempt, so its
 * subtask is released again and again. Past the round's inputs deadline (board time) the
 * policy role pends the determination without it, and the case ends instead of executing for ever.
 */
test('a determination whose input never arrives is pended at the inputs deadline, and the case ends', async () => {
  const resources = bundleResources(syntheticRequest('reference')) as FhirResource[];
  const port = new BundleDataPort(() => resources);
  const failing = { fetch: () => Promise.reject(new Error("the vendor's FHIR connection is down")) };
  const { coalition } = await memoryCoalition('reference', {
    privacy: false,
    reducer: { inputsDeadlineMs: 3_000 },
    data: (org) => (org.id === 'evidentia' ? failing : port.forOrg(org.id)),
  });
  try {
    const t0 = Date.now();
    const result = await runCase(coalition, MEMORY_REF, { timeoutMs: 30_000 });
    assert.ok(Date.now() - t0 >= 3_000, 'not before the deadline');
    assert.equal(result.outcome, 'pended');
    const decision: Decision = result.decision;
    assert.ok(
      decision.reasons.some((r) => /Not every input arrived within the time limit \(evidence-synthesis\)/.test(r)),
      decision.reasons.join(' | '),
    );
    assert.deepEqual(
      decision.items?.map((i) => i.outcome),
      ['pended'],
    );
    assert.equal(result.case.subtasks.get('evidence-synthesis')!.artifact, undefined);
    assert.ok(result.case.subtasks.get('evidence-synthesis')!.abandoned, 'the stalled input is given up, so the case can close');
    assert.ok(result.case.subtasks.get('pas-response')!.artifact, 'the answer is still compiled');
    assert.equal(result.case.status, 'dissolved');
  } finally {
    await coalition.stop();
  }
});
