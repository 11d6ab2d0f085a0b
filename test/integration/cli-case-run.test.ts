import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { validateResource } from '@medplum/core';
import { loadFhirDefinitions } from '../../fhir/server/definitions.js';
import type { ClaimResponse } from '@medplum/fhirtypes';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'murmur.js');
const bundles = join(root, 'fhir', 'synthetic', 'bundles');
const dir = mkdtempSync(join(tmpdir(), 'murmur-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function murmur(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const REVIEW_ACTION = 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-reviewAction';
function reviewAction(cr: ClaimResponse): string | undefined {
  const ext = cr.item?.[0]?.adjudication?.[0]?.extension?.find((e) => e.url === REVIEW_ACTION);
  return ext?.extension?.find((e) => e.url === 'code')?.valueCodeableConcept?.coding?.[0]?.code;
}

describe('murmur case run', () => {
  test('the reference Bundle yields a valid PAS ClaimResponse: A1, preAuthRef, the pharmacogenomic caveat', () => {
    const data = join(dir, 'ref');
    const r = murmur('case', 'run', '--bundle', join(bundles, 'reference.json'), '--data-dir', data);
    assert.equal(r.code, 0, r.stderr);
    const cr = JSON.parse(r.stdout) as ClaimResponse;
    loadFhirDefinitions();
    validateResource(cr);
    assert.equal(cr.resourceType, 'ClaimResponse');
    assert.equal(cr.use, 'preauthorization');
    assert.equal(cr.outcome, 'complete');
    assert.equal(reviewAction(cr), 'A1');
    assert.match(cr.preAuthRef ?? '', /^NW-/);
    assert.ok(cr.processNote?.some((n) => /metoclopramide/i.test(n.text ?? '')));
    assert.match(r.stderr, /T0 .*request for J3399/);
    assert.match(r.stderr, /T6 .*dissolves the coalition/);
    assert.ok(existsSync(join(data, 'archive')), 'the dissolved board is archived');
  });

  test('a missing titer pends (A4, queued) and names the missing document', () => {
    const r = murmur('case', 'run', '--bundle', join(bundles, 'missing-titer.json'), '--data-dir', join(dir, 'pend'));
    assert.equal(r.code, 0, r.stderr);
    const cr = JSON.parse(r.stdout) as ClaimResponse;
    assert.equal(cr.outcome, 'queued');
    assert.equal(reviewAction(cr), 'A4');
    assert.equal(cr.preAuthRef, undefined);
    assert.ok(cr.processNote?.some((n) => /titer/i.test(n.text ?? '')));
  });

  test('--help answers on every command', () => {
    for (const args of [['--help'], ['demo', '--help'], ['case', 'run', '--help']]) {
      const r = murmur(...args);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /Usage: murmur/);
    }
  });
});

describe('bad input: one clear error, exit 2, nothing written', () => {
  const reference = JSON.parse(readFileSync(join(bundles, 'reference.json'), 'utf8')) as { entry: { resource: Record<string, unknown> }[] };
  const cases: [string, string, RegExp][] = [
    ['not JSON', '{"resourceType": "Bundle", ', /not JSON/i],
    ['not a Bundle', JSON.stringify({ resourceType: 'Patient' }), /not a FHIR Bundle|Bundle/],
    [
      'no preauthorization Claim',
      JSON.stringify({
        ...reference,
        entry: reference.entry.map((e) => (e.resource.resourceType === 'Claim' ? { ...e, resource: { ...e.resource, use: 'claim' } } : e)),
      }),
      /preauthorization/,
    ],
    [
      'a referenced resource missing',
      JSON.stringify({ ...reference, entry: reference.entry.filter((e) => e.resource.resourceType !== 'Patient') }),
      /Claim\.patient/,
    ],
  ];
  for (const [name, text, pattern] of cases) {
    test(name, () => {
      const file = join(dir, `${name.replace(/\W+/g, '-')}.json`);
      writeFileSync(file, text);
      const data = join(dir, `bad-${name.replace(/\W+/g, '-')}`);
      const r = murmur('case', 'run', '--bundle', file, '--data-dir', data);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, pattern);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one error line, got: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.ok(!existsSync(join(data, 'board.db')), 'no board was written');
    });
  }

  test('an unknown option names itself', () => {
    const r = murmur('case', 'run', '--bundel', 'x.json');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--bundel/);
  });

  test('a payer timeframe the console cannot run on is refused by name, for demo and console alike', () => {
    for (const command of ['demo', 'console']) {
      const r = murmur(command, '--decision-hours', '24,72', '--data-dir', join(dir, `bad-hours-${command}`));
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--decision-hours: needs both at least 1 h, the expedited no longer than the standard/);
      assert.ok(!existsSync(join(dir, `bad-hours-${command}`, 'board.db')), 'nothing was started');
    }
  });

  test('a missing file is named', () => {
    const r = murmur('case', 'run', '--bundle', join(dir, 'nope.json'));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nope\.json/);
  });
});
