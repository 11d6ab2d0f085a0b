import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatReport, fuzzEnvelopes, fuzzHttp, fuzzPasBundles } from '../fuzz/targets.js';

// The fuzz targets' bounded run in CI: fixed seeds and run counts, a few seconds in all.
// `npm run fuzz` runs the same targets longer.
const SEED = 20_261_201;

for (const [name, target, runs] of [
  ['envelopes', fuzzEnvelopes, 400],
  ['PAS bundles', fuzzPasBundles, 300],
  ['HTTP requests', fuzzHttp, 120],
] as const) {
  test(`fuzz: ${name} (${runs} seeded inputs) find nothing that throws, verifies when forged, or gets a 5xx`, async (t) => {
    const report = await target({ runs, seed: SEED });
    for (const line of formatReport(report).split('\n')) t.diagnostic(line);
    assert.equal(report.failure, undefined, formatReport(report));
    assert.equal(report.runs, runs);
    assert.ok(Object.keys(report.outcomes).length > 1, 'the inputs reached more than one outcome');
  });
}
