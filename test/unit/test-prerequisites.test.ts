import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, ETCD, findChromium, findEtcd, plan, probe } from '../support/prerequisites.js';

const prepareScript = fileURLToPath(new URL('../support/prepare.js', import.meta.url));

/** A temp folder with executable stand-ins for the given programs. */
function fakeBin(programs: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-prereq-'));
  for (const [name, body] of Object.entries(programs)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

test('etcd is found on PATH; MURMUR_ETCD, when set, is the only place looked at', () => {
  const bin = fakeBin({ etcd: 'exit 0' });
  try {
    assert.deepEqual(findEtcd({ PATH: `/nonexistent:${bin}` }), { ok: true, path: join(bin, 'etcd'), via: 'PATH' });
    assert.deepEqual(findEtcd({ PATH: '/nonexistent' }), { ok: false, reason: 'absent' });
    // A wrong MURMUR_ETCD is reported even though an etcd is on PATH.
    assert.deepEqual(findEtcd({ PATH: bin, MURMUR_ETCD: '/nonexistent/etcd' }), { ok: false, reason: 'env-not-executable', path: '/nonexistent/etcd' });
    assert.deepEqual(findEtcd({ PATH: '', MURMUR_ETCD: join(bin, 'etcd') }), { ok: true, path: join(bin, 'etcd'), via: 'env' });
    // A file that is not executable is not etcd.
    writeFileSync(join(bin, 'plain'), '');
    assert.equal(findEtcd({ MURMUR_ETCD: join(bin, 'plain') }).ok, false);
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});

test('Chromium is Debian /usr/bin/chromium unless MURMUR_CHROMIUM names another', () => {
  const seen: string[] = [];
  const exec = (p: string): boolean => (seen.push(p), p === '/usr/bin/chromium');
  assert.deepEqual(findChromium({}, exec), { ok: true, path: '/usr/bin/chromium', via: 'default' });
  assert.deepEqual(findChromium({ MURMUR_CHROMIUM: '/opt/chrome' }, exec), { ok: false, reason: 'env-not-executable', path: '/opt/chrome' });
  assert.deepEqual(
    findChromium({}, () => false),
    { ok: false, reason: 'absent' },
  );
  assert.deepEqual(seen, ['/usr/bin/chromium', '/opt/chrome']);
});

test('the plan: ready, install the missing Debian packages as root with apt, else one line naming them', () => {
  const has =
    (...present: string[]) =>
    (p: string): boolean =>
      present.includes(p);
  const env = { PATH: '/usr/bin' };
  assert.deepEqual(plan(probe(env, true, has('/usr/bin/etcd', '/usr/bin/chromium', '/usr/bin/apt-get'))), { kind: 'ready' });
  assert.deepEqual(plan(probe(env, true, has('/usr/bin/chromium', '/usr/bin/apt-get'))), { kind: 'install', packages: ['etcd-server'] });
  assert.deepEqual(plan(probe(env, true, has('/usr/bin/apt-get'))), { kind: 'install', packages: ['etcd-server', 'chromium'] });

  const notRoot = plan(probe(env, false, has('/usr/bin/apt-get')));
  assert.equal(notRoot.kind, 'stop');
  assert.ok(notRoot.kind === 'stop' && notRoot.line.includes('sudo apt-get install -y etcd-server chromium'), JSON.stringify(notRoot));

  const noApt = plan(probe(env, true, has('/usr/bin/etcd')));
  assert.ok(noApt.kind === 'stop' && /chromium/.test(noApt.line) && !/etcd-server/.test(noApt.line) && !noApt.line.includes('\n'), JSON.stringify(noApt));

  // A variable pointing nowhere is the user's to fix: never "fixed" by an install elsewhere.
  const badEnv = plan(probe({ ...env, MURMUR_ETCD: '/x/etcd' }, true, has('/usr/bin/chromium', '/usr/bin/apt-get', '/usr/bin/etcd')));
  assert.ok(
    badEnv.kind === 'stop' && badEnv.line.startsWith('MURMUR_ETCD=/x/etcd is not an executable file') && badEnv.line.includes(ETCD.debianPackage),
    JSON.stringify(badEnv),
  );
  assert.equal(CHROMIUM.debianPackage, 'chromium');
});

test("npm test's preparation stops at once with one line when etcd is missing and apt-get is not there", () => {
  const bin = fakeBin({ chromium: 'echo Chromium 0-fake' });
  try {
    const r = spawnSync(process.execPath, [prepareScript, '--no-zk'], {
      env: { PATH: bin, MURMUR_CHROMIUM: join(bin, 'chromium') },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /need etcd.*etcd-server/);
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});

test(
  'as root with apt-get, the preparation runs apt-get update, then installs etcd-server, then finds etcd',
  { skip: process.getuid?.() !== 0 && 'needs root' },
  () => {
    // A stand-in apt-get: logs its arguments; `install` puts an etcd on PATH as the package would.
    const bin = fakeBin({ chromium: 'echo Chromium 0-fake' });
    const log = join(bin, 'apt.log');
    writeFileSync(
      join(bin, 'apt-get'),
      `#!/bin/sh\necho "$@" >> ${log}\nif [ "$1" = install ]; then printf '#!/bin/sh\\necho "etcd Version: 0-fake"\\n' > ${join(bin, 'etcd')}; /bin/chmod 755 ${join(bin, 'etcd')}; fi\n`,
    );
    chmodSync(join(bin, 'apt-get'), 0o755);
    try {
      const r = spawnSync(process.execPath, [prepareScript, '--no-zk'], {
        env: { PATH: bin, MURMUR_CHROMIUM: join(bin, 'chromium') },
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), ['update', 'install -y --no-install-recommends etcd-server']);
      assert.ok(existsSync(join(bin, 'etcd')));
      assert.match(r.stderr, /installing the Debian package etcd-server/);
      assert.match(r.stderr, new RegExp(`etcd: ${join(bin, 'etcd')} etcd Version: 0-fake`));
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  },
);
