import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DisclosureMatrix } from '../../core/access/matrix.js';
import { OUTPUTS, REQUEST_READERS } from '../../core/agents/domain/sections.js';
import { coalitionMatrix } from '../../app/node/disclosure.js';
import { startEmbedded, type Embedded } from '../../app/node/embedded.js';
import type { CaseResult } from '../../app/node/coalition.js';
import { REFERENCE_ORGS } from '../../app/node/reference-coalition.js';
import { parsePasRequest } from '../../fhir/pas/request.js';
import { syntheticRequest } from '../../fhir/synthetic/index.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'murmur-privacy-'));
let env: Embedded;
let result: CaseResult;
let matrix: DisclosureMatrix;
const bundle = syntheticRequest('reference');

before(async () => {
  env = await startEmbedded({ dataDir: dir });
  result = await env.run(parsePasRequest(bundle));
  matrix = coalitionMatrix(env.coalition, result.caseId);
});
after(async () => {
  await env.close();
  rmSync(dir, { recursive: true, force: true });
});

const NORTHWIND = 'Northwind Health Plan';
const VIGILANT = 'Vigilant PV';

test('the reference case approves with every section sealed', () => {
  assert.equal(result.outcome, 'approved');
  for (const n of env.coalition.nodes) assert.deepEqual(n.replica.fold.rejected(), []);
});

test("the payer's agents never decrypt (nor could decrypt, nor fetch) raw genomic results", () => {
  assert.ok(!matrix.didDecrypt[NORTHWIND]!.includes('genomic-screening/detail'));
  assert.ok(!matrix.couldDecrypt[NORTHWIND]!.includes('genomic-screening/detail'));
  for (const raw of ['smn-genotype', 'cyp2d6-phenotype', 'aav9-titer']) assert.ok(!matrix.fhirRead[NORTHWIND]!.includes(raw), raw);
  // It decided the genetic criteria from the lab's summary instead.
  assert.ok(matrix.didDecrypt[NORTHWIND]!.includes('genomic-screening/summary'));
});

test('the form builder decrypted only what the form needs', () => {
  const node = env.coalition.payer;
  const formBuilder = node.agents.find((a) => a.card.name === 'FormBuilder')!;
  const read = node.audit
    .entries()
    .filter((e) => e.event.kind === 'decrypt' && e.event.actor === formBuilder.did)
    .map((e) => `${e.event.subtask === result.caseId ? 'case' : e.event.subtask}/${e.event.section}`)
    .filter((e) => !e.startsWith('pas-response/')) // its own output, read back to answer the submitter
    .sort();
  assert.deepEqual(read, ['case/request', 'coverage-determination/decision']);
});

test('the pharmacovigilance firm saw only the CYP2D6 phenotype and the medication plan', () => {
  assert.deepEqual(matrix.didDecrypt[VIGILANT], ['case/request', 'genomic-screening/pgx']);
  assert.deepEqual(matrix.fhirRead[VIGILANT], ['medication-plan']);
});

test('the matrix equals the disclosure policy, and what was decrypted stays within it', () => {
  const rolesOf = new Map(REFERENCE_ORGS.map((o) => [o.name, new Set(o.agents.map((a) => a.role))]));
  const produced = new Set(matrix.elements.map((e) => e.id));
  for (const org of matrix.organizations) {
    const roles = rolesOf.get(org.name)!;
    const expected = [
      ...(REQUEST_READERS.some((r) => roles.has(r)) || org.name === NORTHWIND ? ['case/request'] : []),
      ...Object.entries(OUTPUTS).flatMap(([subtask, outs]) =>
        outs
          .filter((o) => produced.has(`${subtask}/${o.section}`))
          .filter((o) => o.readers.some((r) => roles.has(r)) || authoredBy(subtask, org.name))
          .map((o) => `${subtask}/${o.section}`),
      ),
    ].sort();
    assert.deepEqual(matrix.policy[org.name], expected, org.name);
    for (const e of matrix.didDecrypt[org.name]!) assert.ok(matrix.couldDecrypt[org.name]!.includes(e), `${org.name} decrypted ${e} without a right`);
    for (const e of matrix.couldDecrypt[org.name]!) assert.ok(matrix.policy[org.name]!.includes(e), `${org.name} could decrypt ${e} beyond policy`);
  }
});

function authoredBy(subtask: string, org: string): boolean {
  const byOrg: Record<string, string[]> = {
    [NORTHWIND]: ['policy-lookup', 'coverage-determination', 'pas-response'],
    Evidentia: ['evidence-synthesis'],
    'Helix Genomics': ['genomic-screening'],
    [VIGILANT]: ['drug-interaction'],
  };
  return byOrg[org]?.includes(subtask) ?? false;
}

test('a dump of the board store holds no patient identifier, name, birth date or genomic value', () => {
  const patient = bundle.entry!.map((e) => e.resource!).find((r) => r.resourceType === 'Patient') as {
    name: { family: string; given: string[] }[];
    identifier: { value: string }[];
    birthDate: string;
  };
  const dump = readdirSync(dir)
    .filter((f) => f.startsWith('board.db'))
    .map((f) => readFileSync(join(dir, f)).toString('latin1'))
    .join('\n');
  assert.ok(dump.length > 10_000, 'the dump holds the board');
  const forbidden = [
    patient.name[0]!.family,
    ...patient.name[0]!.given,
    ...patient.identifier.map((i) => i.value),
    patient.birthDate,
    'HGNC:11117', // SMN1
    'HGNC:2625', // CYP2D6
    'LA9657-3', // poor metabolizer answer
    'poor-metabolizer',
    'metoclopramide',
    'copyNumber',
    '"smn1',
  ];
  for (const needle of forbidden) assert.ok(!dump.includes(needle), `the board store holds ${needle.length > 3 ? needle.slice(0, 3) + '…' : '…'}`);
});

test('murmur audit verify passes, then names the first broken link of an edited audit entry', () => {
  const bin = join(root, 'bin', 'murmur.js');
  const ok = spawnSync(process.execPath, [bin, 'audit', 'verify', '--data-dir', dir], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  const file = join(dir, 'audit', 'helix.jsonl');
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const edited = JSON.parse(lines[1]!) as { event: { outcome: string } };
  edited.event.outcome = edited.event.outcome === 'ok' ? 'denied' : 'ok';
  lines[1] = JSON.stringify(edited);
  writeFileSync(file, `${lines.join('\n')}\n`);
  const bad = spawnSync(process.execPath, [bin, 'audit', 'verify', '--data-dir', dir], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stdout, /BROKEN\s+audit helix: first broken link: entry 1/);
  assert.match(bad.stdout, /ok\s+board:/);
});
