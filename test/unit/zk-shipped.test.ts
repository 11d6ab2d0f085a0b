import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { artifactsCached, artifactsHash, ensureCircuitArtifacts, shippedKeysDir } from '../../core/zk/artifacts.js';
import { checkPinnedFiles, readPinnedManifest } from '../../core/zk/shipped.js';

const quiet = (): void => undefined;

/** A copy of the shipped folder (big files linked, the manifest and `changed` copied) to tamper with. */
function shippedCopy(changed: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-zk-shipped-'));
  for (const f of readdirSync(shippedKeysDir())) {
    if (f === 'manifest.json' || changed.includes(f)) copyFileSync(join(shippedKeysDir(), f), join(dir, f));
    else symlinkSync(join(shippedKeysDir(), f), join(dir, f));
  }
  return dir;
}

test('the shipped keys were built from the current circuit sources and every file matches its pinned SHA-256', async () => {
  const manifest = await readPinnedManifest(shippedKeysDir());
  assert.ok(manifest, 'circuits/keys/manifest.json is missing');
  // A circuit, tool version or build parameter changed without `murmur zk build --from-source --write-shipped`.
  assert.equal(manifest.hash, await artifactsHash());
  const bad = (await checkPinnedFiles(shippedKeysDir(), manifest)).filter((c) => !c.ok);
  assert.deepEqual(
    bad.map((c) => c.file),
    [],
  );
  assert.ok(Object.keys(manifest.files).some((f) => f.endsWith('.zkey')) && Object.keys(manifest.files).some((f) => f.endsWith('.wasm')));
});

test('a fresh clone uses the shipped keys: nothing is built into an empty cache', async () => {
  const cache = mkdtempSync(join(tmpdir(), 'murmur-zk-empty-'));
  const steps: string[] = [];
  try {
    const a = await ensureCircuitArtifacts({ cacheRoot: cache, onProgress: (p) => steps.push(p.step) });
    assert.equal(a.dir, shippedKeysDir());
    assert.equal(a.circuits.clinical.zkey, join(shippedKeysDir(), 'clinical_predicate.zkey'));
    assert.ok(
      steps.some((s) => s.startsWith('using the shipped development keys')),
      steps.join('\n'),
    );
    assert.deepEqual(readdirSync(cache), []);
    assert.equal(await artifactsCached(cache), true);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

test('a shipped key that differs from its manifest is refused by name, not used', async () => {
  const dir = shippedCopy(['clinical_predicate.vkey.json']);
  const cache = mkdtempSync(join(tmpdir(), 'murmur-zk-empty-'));
  try {
    // Same size, one character changed: only the hash can tell.
    const vkey = join(dir, 'clinical_predicate.vkey.json');
    const text = readFileSync(vkey, 'utf8');
    const i = text.search(/[0-9]/);
    writeFileSync(vkey, text.slice(0, i) + (text[i] === '1' ? '2' : '1') + text.slice(i + 1));
    await assert.rejects(
      ensureCircuitArtifacts({ cacheRoot: cache, shippedDir: dir, onProgress: quiet }),
      /refusing the shipped ZK artifact .*clinical_predicate\.vkey\.json: it has SHA-256 [0-9a-f]{64}, the manifest says/,
    );
    await assert.rejects(artifactsCached(cache, dir), /clinical_predicate\.vkey\.json/);
    // A removed file is named too.
    unlinkSync(join(dir, 'role_credential.zkey'));
    await assert.rejects(ensureCircuitArtifacts({ cacheRoot: cache, shippedDir: dir, onProgress: quiet }), /role_credential\.zkey: it is missing/);
    assert.deepEqual(readdirSync(cache), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
  }
});

test('shipped keys for other circuit sources are not used', async () => {
  const dir = shippedCopy();
  const cache = mkdtempSync(join(tmpdir(), 'murmur-zk-empty-'));
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { hash: string };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, hash: '0'.repeat(20) }));
    // Not shipped for these sources and not in the (empty) cache: not ready without a build.
    assert.equal(await artifactsCached(cache, dir), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
  }
});
