import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Claim } from '@medplum/fhirtypes';
import { isMurmurError } from '../../core/common/errors.js';
import { parsePasRequest } from '../../fhir/pas/request.js';
import { syntheticRequest } from '../../fhir/synthetic/index.js';
import { deeplyNested, deeplyNestedText } from '../support/pas-fixtures.js';

/*
 * Depth and size limits come before validation: a request nested thousands deep (which made
 * the validator overflow its stack: HTTP 500, CLI exit 1) is refused with the element named.
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'murmur.js');
const dir = mkdtempSync(join(tmpdir(), 'murmur-limits-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function refusal(input: unknown): { message: string; path: string } {
  try {
    parsePasRequest(input);
  } catch (e) {
    assert.ok(isMurmurError(e, 'E_INPUT'), `expected E_INPUT, got ${String(e)}`);
    return { message: e.message, path: String(e.details.path) };
  }
  assert.fail('the request was accepted');
}

describe('PAS request limits', () => {
  test('an extension nested 5,000 deep is refused naming where, not a stack overflow', () => {
    const r = refusal(deeplyNested(5000));
    assert.match(r.message, /nested more than 64 levels deep/);
    assert.match(r.path, /^Bundle\.entry\[0\]\.resource\.extension\[0\]\.extension\[0\]/);
    assert.ok(r.path.length < 200, 'the path is shortened, not thousands of steps');
  });

  test('a realistic request passes; an oversized array or string is refused naming the element', () => {
    assert.equal(parsePasRequest(deeplyNested(10)).claim.resourceType, 'Claim');
    const many = syntheticRequest('reference');
    (many.entry![0]!.resource as Claim).item![0]!.extension = Array.from({ length: 10_001 }, () => ({ url: 'http://example.org/x', valueBoolean: true }));
    assert.equal(refusal(many).path, 'Bundle.entry[0].resource.item[0].extension');
    const long = syntheticRequest('reference');
    (long.entry![0]!.resource as Claim).item![0]!.productOrService.text = 'x'.repeat(4 * 1024 * 1024 + 1);
    assert.equal(refusal(long).path, 'Bundle.entry[0].resource.item[0].productOrService.text');
  });

  test('murmur case run refuses a deeply nested or oversized file with exit 2 and the element named', () => {
    const deep = join(dir, 'deep.json');
    writeFileSync(deep, deeplyNestedText(5000));
    const r = spawnSync(process.execPath, [bin, 'case', 'run', '--bundle', deep], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /Bundle\.entry\[0\]\.resource\.extension\[0\].*nested more than 64 levels deep/);
    assert.doesNotMatch(r.stderr, /Maximum call stack/);
    const big = join(dir, 'big.json');
    writeFileSync(big, ' '.repeat(4 * 1024 * 1024 + 1));
    const b = spawnSync(process.execPath, [bin, 'case', 'run', '--bundle', big], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(b.status, 2, b.stderr);
    assert.match(b.stderr, /larger than 4 MiB/);
  });
});
