import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { zkSelftest } from '../../core/zk/selftest.js';
import { shutdownZk } from '../../core/zk/prover.js';

const run = promisify(execFile);
let dir: string | undefined;
after(async () => {
  await shutdownZk();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('selftest writes proof, public signals and vkey per circuit, and snarkjs groth16 verify accepts them as they are', async () => {
  dir = await mkdtemp(join(tmpdir(), 'murmur-zk-selftest-'));
  const r = await zkSelftest({ out: dir });
  assert.equal(r.ok, true);
  assert.deepEqual(
    r.circuits.map((c) => c.circuit),
    ['role', 'clinical'],
  );
  const cli = join(
    createRequire(import.meta.url)
      .resolve('snarkjs')
      .replace(/main\.cjs$/, ''),
    'cli.cjs',
  );
  for (const c of r.circuits) {
    const vkey = JSON.parse(await readFile(c.files.verificationKey, 'utf8')) as { protocol: string; curve: string };
    assert.deepEqual([vkey.protocol, vkey.curve], ['groth16', 'bn128']);
    const out = await run(process.execPath, [cli, 'groth16', 'verify', c.files.verificationKey, c.files.publicSignals, c.files.proof]);
    assert.match(out.stdout, /OK!/);
  }
});
