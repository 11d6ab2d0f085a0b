import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHIPPED_POLICIES, northwindHemgenixPolicy, parsePolicy } from '../../core/agents/clinical/policy.js';
import { SHIPPED_CASES } from '../../core/agents/clinical/shipped-cases.js';
import { caseRecord, checkPolicyCases, decideRecord, parsePolicyCases } from '../../core/agents/clinical/policy-cases.js';
import { policyForClaim } from '../../core/agents/clinical/items.js';
import type { FhirResource } from '../../core/agents/clinical/types.js';
import { isMurmurError } from '../../core/common/errors.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const policies = join(root, 'core', 'agents', 'clinical', 'policies');
const murmur = (...args: string[]) => spawnSync(process.execPath, [join(root, 'bin', 'murmur.js'), ...args], { encoding: 'utf8', timeout: 60_000 });

test('the portfolio: four policies beside Zolgensma, each (Zolgensma too) with cases for every outcome', () => {
  const services = SHIPPED_POLICIES.filter((p) => !p.manualReview).map((p) => p.service!.code);
  assert.deepEqual(services, ['J3399', 'J2326', '2381341', 'J1413', 'J1411']);
  assert.deepEqual(
    Object.keys(SHIPPED_CASES),
    SHIPPED_POLICIES.filter((p) => !p.manualReview).map((p) => p.id),
    'every coverage policy has its cases',
  );
  for (const [id, doc] of Object.entries(SHIPPED_CASES)) {
    assert.deepEqual(new Set(doc.cases.map((c) => c.expect.outcome)), new Set(['approved', 'denied', 'pended']), `${id} has a case per outcome`);
  }
});

test('every synthetic case of every portfolio policy is decided as its file expects', () => {
  for (const p of SHIPPED_POLICIES) {
    const doc = SHIPPED_CASES[p.id];
    if (!doc) continue;
    const rows = checkPolicyCases(p, doc);
    assert.deepEqual(
      rows.filter((r) => !r.ok).map((r) => `${r.case}: ${r.mismatch}`),
      [],
      p.id,
    );
  }
});

test("the policy is chosen by the Claim item's code: each case's Claim names its own policy", () => {
  for (const [id, doc] of Object.entries(SHIPPED_CASES)) {
    const claim = doc.record.find((r) => r.resourceType === 'Claim') as FhirResource;
    assert.equal(policyForClaim(claim, SHIPPED_POLICIES).id, id);
  }
});

test('a wrong expectation is caught: the check is not a mirror of the policy', () => {
  const doc = structuredClone(SHIPPED_CASES['northwind-hemgenix']!);
  doc.cases[1]!.expect = { outcome: 'approved', criteria: {} };
  const row = checkPolicyCases(northwindHemgenixPolicy, doc)[1]!;
  assert.equal(row.ok, false);
  assert.match(row.mismatch!, /outcome denied, expected approved/);
  assert.match(row.mismatch!, /severe-factor-ix-deficiency=not-met/);
  // And a threshold change in the policy data changes the decision: factor IX 8 % passes at 10 %.
  const looser = structuredClone(northwindHemgenixPolicy) as unknown as { criteria: { id: string; parameters?: Record<string, number> }[] };
  looser.criteria.find((c) => c.id === 'severe-factor-ix-deficiency')!.parameters!.maxFactorIxPercent = 10;
  const record = caseRecord(SHIPPED_CASES['northwind-hemgenix']!, SHIPPED_CASES['northwind-hemgenix']!.cases[1]!);
  assert.equal(decideRecord(parsePolicy(looser), record).outcome, 'approved');
});

test("a policy file's errors name the criterion and the field", () => {
  const bad = structuredClone(northwindHemgenixPolicy) as unknown as { criteria: Record<string, unknown>[] };
  bad.criteria[2]!.notMet = '%resources.where(value > %inhibitorLimit).exists()';
  delete bad.criteria[4]!.reasons;
  assert.throws(
    () => parsePolicy(bad),
    (e) => isMurmurError(e, 'E_SCHEMA') && /criteria\[4\] \(hematologist-prescriber\)\.reasons: /.test(e.message),
  );
  delete (bad.criteria[4] as Record<string, unknown>).reasons;
  (bad.criteria[4] as Record<string, unknown>).reasons = { met: 'a', notMet: 'b', missing: 'c' };
  assert.throws(
    () => parsePolicy(bad),
    (e) =>
      isMurmurError(e, 'E_SCHEMA') && /criteria\[2\] \(no-factor-ix-inhibitor\)\.notMet: uses %inhibitorLimit, which is neither a parameter/.test(e.message),
  );
});

test('a cases file naming an unknown criterion or resource is refused, naming the case and field', () => {
  const doc = structuredClone(SHIPPED_CASES['northwind-hemgenix']!) as unknown as {
    cases: { remove?: string[]; expect: { criteria: Record<string, string> } }[];
  };
  doc.cases[2]!.expect.criteria = { 'no-such-criterion': 'not-met' };
  doc.cases[3]!.remove = ['obs-nothing'];
  assert.throws(
    () => parsePolicyCases(doc, northwindHemgenixPolicy),
    (e) =>
      isMurmurError(e, 'E_SCHEMA') &&
      /cases\[2\] \(deny-inhibitor\)\.expect\.criteria: no-such-criterion/.test(e.message) &&
      /cases\[3\] \(deny-minor\)\.remove: no resource obs-nothing/.test(e.message),
  );
});

test('murmur policy check prints the table (exit 0), exits 1 on a case decided otherwise and 2 on a bad file', () => {
  const ok = murmur('policy', 'check', join(policies, 'northwind-elevidys.json'));
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /northwind-elevidys 2026\.1: 7 of 7 cases as expected/);
  assert.match(ok.stdout, /deny-titer-1-800\s+denied\s+denied\s+aavrh74-titer=not-met\s+ok/);
  const dir = mkdtempSync(join(tmpdir(), 'murmur-policy-check-'));
  try {
    const policy = structuredClone(northwindHemgenixPolicy) as unknown as { criteria: { id: string; parameters?: Record<string, number> }[] };
    policy.criteria.find((c) => c.id === 'severe-factor-ix-deficiency')!.parameters!.maxFactorIxPercent = 10;
    mkdirSync(join(dir, 'cases'));
    writeFileSync(join(dir, 'p.json'), JSON.stringify(policy));
    writeFileSync(join(dir, 'cases', 'northwind-hemgenix.cases.json'), JSON.stringify(SHIPPED_CASES['northwind-hemgenix']));
    const drift = murmur('policy', 'check', join(dir, 'p.json'));
    assert.equal(drift.status, 1, drift.stderr);
    assert.match(drift.stdout, /deny-mild-deficiency\s+denied\s+approved\s+-\s+FAIL: outcome approved, expected denied/);
    const broken = structuredClone(policy) as unknown as { criteria: Record<string, unknown>[] };
    broken.criteria[1]!.evaluatedBy = 'pharmacy';
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(broken));
    const bad = murmur('policy', 'check', join(dir, 'bad.json'));
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /criteria\[1\] \(severe-factor-ix-deficiency\)\.evaluatedBy/);
    writeFileSync(join(dir, 'notjson.json'), '{');
    assert.equal(murmur('policy', 'check', join(dir, 'notjson.json')).status, 2);
    assert.equal(murmur('policy', 'check').status, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
