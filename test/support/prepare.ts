/**
 * The first step of `npm test` after the build: makes sure everything the suites need beyond
 * Node is there before any test starts, so no test fails half-way for a missing program.
 * Finds etcd and Debian's Chromium; when one is missing and we are root with apt-get, installs
 * its Debian package (progress on stderr); otherwise stops at once with one line naming what
 * to install. Then makes the ZK circuit keys ready (the shipped ones, checked by SHA-256).
 *
 * Usage: node dist/test/support/prepare.js [--no-zk]
 */
import { spawn, spawnSync } from 'node:child_process';
import { errorMessage } from '../../core/common/errors.js';
import { CHROMIUM, ETCD, plan, probe, type Found, type Prerequisite } from './prerequisites.js';

const say = (line: string): void => void process.stderr.write(`[prepare] ${line}\n`);

function version(path: string): string {
  const r = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 15_000 });
  return (r.stdout || '').split('\n')[0]?.trim() ?? '';
}

function report(p: Prerequisite, f: Found): void {
  if (f.ok) say(`${p.name}: ${f.path}${f.via === 'env' ? ` (from ${p.envVar})` : ''} ${version(f.path)}`.trimEnd());
}

/** Runs apt-get with its output passed through (so a slow mirror shows progress), resolving its exit code. */
function aptGet(args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    child.on('error', () => resolve(127));
    child.on('close', (code) => resolve(code ?? 1));
  });
}

function stop(line: string): never {
  process.stderr.write(`${line}\n`);
  process.exit(1);
}

async function prerequisites(): Promise<void> {
  const root = process.getuid?.() === 0;
  let p = probe(process.env, root);
  let decision = plan(p);
  if (decision.kind === 'install') {
    const pkgs = decision.packages;
    say(`${pkgs.join(' and ')} not found: installing the Debian package${pkgs.length > 1 ? 's' : ''} ${pkgs.join(' ')} with apt-get (about a minute)`);
    say('apt-get update');
    const updated = await aptGet(['update']);
    if (updated !== 0) stop(`apt-get update failed (exit ${updated}): install ${pkgs.join(' ')} by hand, then run npm test again.`);
    say(`apt-get install -y --no-install-recommends ${pkgs.join(' ')}`);
    const installed = await aptGet(['install', '-y', '--no-install-recommends', ...pkgs]);
    if (installed !== 0) stop(`apt-get install ${pkgs.join(' ')} failed (exit ${installed}): install them by hand, then run npm test again.`);
    p = probe(process.env, root);
    decision = plan(p);
    if (decision.kind === 'install')
      stop(
        `apt-get installed ${pkgs.join(' ')} but ${decision.packages.join(' ')} still ${decision.packages.length > 1 ? 'are' : 'is'} not found (etcd on PATH, Chromium at /usr/bin/chromium).`,
      );
  }
  if (decision.kind === 'stop') stop(decision.line);
  report(ETCD, p.found.get(ETCD)!);
  report(CHROMIUM, p.found.get(CHROMIUM)!);
}

async function zkKeys(): Promise<void> {
  const zk = await import('../../core/zk/index.js');
  try {
    say('ZK circuit keys: checking (shipped keys by SHA-256; a build from source, ≈5 min on 2 cores, only if the circuits changed)');
    const a = await zk.ensureCircuitArtifacts();
    say(`ZK circuit keys ready in ${a.dir}`);
  } catch (e) {
    stop(`The ZK circuit keys are not usable: ${errorMessage(e)}`);
  } finally {
    await zk.shutdownZk();
  }
}

await prerequisites();
if (!process.argv.includes('--no-zk')) await zkKeys();
