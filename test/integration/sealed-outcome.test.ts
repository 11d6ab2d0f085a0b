import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ClaimResponse } from '@medplum/fhirtypes';
import { startConsoles, type Consoles } from '../../app/node/console/launch.js';
import type { CaseView, DecisionCard } from '../../app/node/console/protocol.js';
import type { CaseResult } from '../../app/node/coalition.js';
import { startEmbedded, type Embedded } from '../../app/node/embedded.js';
import { LogHub } from '../../app/node/console/logs.js';
import { parsePasRequest } from '../../fhir/pas/request.js';
import { syntheticRequest } from '../../fhir/synthetic/index.js';
import { signInOperator } from '../support/console-sign-in.js';

/**
 * The case's outcome is a sealed fact (issue 15: codes only in cleartext headers, and not
 * even the decision): every member and the board's host read headers, only the payer's
 * readers read what the determination decided. The PAS answer and the payer's console still
 * carry it, from the sealed section.
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'murmur-sealed-outcome-'));
let env: Embedded;
let consoles: Consoles;
let result: CaseResult;

before(async () => {
  env = await startEmbedded({ dataDir: dir });
  result = await env.run(parsePasRequest(syntheticRequest('reference')));
  consoles = await startConsoles(env, { root, uiDir: join(root, 'app', 'ui', 'dist'), logs: new LogHub() });
});
after(async () => {
  await consoles?.close();
  await env?.close();
  rmSync(dir, { recursive: true, force: true });
});

const OUTCOMES = new Set(['approved', 'denied', 'pended', 'info-requested']);

/** Every key path and string value of a header, to look for the outcome anywhere in it. */
/** Fails on any header, of any entry on the board, that names an outcome (field or value). */
function assertNoOutcomeInHeaders(): number {
  const payer = env.coalition.payer;
  const entries = payer.replica.fold.records.map((r) => payer.replica.entry(r.id)!).filter((e) => e !== undefined);
  for (const e of entries) {
    for (const f of walk(e.envelope.header, `#${e.index} ${e.envelope.kind}`)) {
      assert.notEqual(f.key, 'outcome', `${f.path}: an outcome field in a cleartext header`);
      assert.ok(f.value === undefined || !OUTCOMES.has(f.value), `${f.path}: the outcome "${f.value}" in a cleartext header`);
    }
  }
  return entries.length;
}

function* walk(x: unknown, path: string): Generator<{ path: string; key?: string; value?: string }> {
  if (typeof x === 'string') yield { path, value: x };
  else if (Array.isArray(x)) for (const [i, v] of x.entries()) yield* walk(v, `${path}.${i}`);
  else if (x && typeof x === 'object') {
    for (const [k, v] of Object.entries(x)) {
      yield { path: `${path}.${k}`, key: k };
      yield* walk(v, `${path}.${k}`);
    }
  }
}

test('with privacy on, no cleartext header of the case names its outcome: the determination says only that it closes the case', async () => {
  assert.equal(result.outcome, 'approved', 'the reference case is approved (read from the sealed decision)');
  assert.ok(assertNoOutcomeInHeaders() > 40, 'the whole run is on the board');
  const payer = env.coalition.payer;
  const c = payer.replica.state.cases.get(result.caseId)!;
  const det = payer.replica.entry(c.outcome!.ref.id)!;
  assert.equal((det.envelope.header as { closure?: string }).closure, 'final');
  const decision = det.envelope.sections.find((s) => s.name === 'decision')!;
  assert.equal(decision.plaintext, undefined, 'the decision section is sealed');
  assert.deepEqual(decision.readers, ['form-builder']);
});

test('the PAS ClaimResponse and the payer node still carry the outcome; other members know only the closure', async () => {
  assert.equal(result.claimResponse.resourceType, 'ClaimResponse');
  const cr = result.claimResponse as unknown as ClaimResponse;
  assert.equal(cr.outcome, 'complete');
  const reviewAction = cr.item?.[0]?.adjudication?.[0]?.extension?.[0]?.extension?.find((e) => e.url === 'code')?.valueCodeableConcept?.coding?.[0]?.code;
  assert.equal(reviewAction, 'A1', 'certified in total');
  const payer = env.coalition.payer;
  const c = payer.replica.state.cases.get(result.caseId)!;
  assert.equal(await payer.outcomeOf(c), 'approved');
  const lab = env.coalition.nodes.find((n) => n.spec.id === 'helix')!;
  const labCase = lab.replica.state.cases.get(result.caseId)!;
  assert.equal(labCase.outcome?.closure, 'final', 'the lab sees that the case is decided');
  assert.equal(await lab.outcomeOf(labCase), undefined, 'but not what was decided');
});

test("the payer's console shows the outcome on its case and decision card; the lab's console does not", async () => {
  const get = async <T>(org: string, path: string): Promise<T> => {
    const s = consoles.consoles.find((x) => x.org.id === org)!.server;
    const res = await fetch(`${s.url}api/${path}`, { headers: { authorization: `Bearer ${s.token}` } });
    assert.equal(res.status, 200, path);
    return (await res.json()) as T;
  };
  const view = await get<CaseView>('northwind', `cases/${result.caseId}`);
  assert.equal(view.outcome, 'approved');
  assert.equal(view.current.outcome, 'approved');
  const card = await get<DecisionCard>('northwind', `cases/${result.caseId}/decision`);
  assert.equal(card.readable, true);
  assert.equal(card.coalitionOutcome, 'approved');
  assert.equal(card.current.outcome, 'approved');
  const labOrg = env.coalition.nodes.find((n) => n.spec.id === 'helix')!.spec.id;
  const labView = await get<CaseView>(labOrg, `cases/${result.caseId}`);
  assert.equal(labView.outcome, undefined, "the lab's console cannot know the outcome");
});

test("an operator's decision on a pended case is sealed too: the header holds its closure, the payer's console and PAS answer its outcome", async () => {
  const pended = await env.run(parsePasRequest(syntheticRequest('liver-3x-uln')));
  assert.equal(pended.outcome, 'pended');
  const s = consoles.consoles.find((x) => x.org.id === 'northwind')!.server;
  const res = await fetch(`${s.url}api/cases/${pended.caseId}/adjudication`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await signInOperator(s.operators[0]!.launchUrl)}`, 'content-type': 'application/json' },
    body: JSON.stringify({ outcome: 'denied', reasonCode: 'clinical-review' }),
  });
  assert.equal(res.status, 201);
  const payer = env.coalition.payer;
  const c = payer.replica.state.cases.get(pended.caseId)!;
  assert.equal(c.adjudication?.closure, 'final');
  assertNoOutcomeInHeaders();
  assert.equal(
    payer.replica.entry(c.adjudication.ref.id)!.envelope.sections.find((x) => x.name === 'decision')?.plaintext,
    undefined,
    'the decision section is sealed',
  );
  assert.equal(await payer.adjudicationOf(c), 'denied');
  const view = (await (await fetch(`${s.url}api/cases/${pended.caseId}`, { headers: { authorization: `Bearer ${s.token}` } })).json()) as CaseView;
  assert.equal(view.adjudication?.outcome, 'denied');
  assert.equal(view.current.outcome, 'denied');
  const lab = consoles.consoles.find((x) => x.org.id === 'helix')!.server;
  const labView = (await (await fetch(`${lab.url}api/cases/${pended.caseId}`, { headers: { authorization: `Bearer ${lab.token}` } })).json()) as CaseView;
  assert.equal(labView.adjudication?.outcome, 'decided', 'the lab knows the payer decided, not what');
});
