import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The programs the test suite needs beyond Node: etcd (the distributed board's tests start
 * their own members) and Debian's Chromium (the console's end-to-end tests). Finding them and
 * deciding what to do is pure, so it is tested without touching the machine; test/support/
 * prepare.ts runs the decision (apt-get when it can, else one line naming what to install).
 */
export interface Prerequisite {
  /** What the tests call it. */
  name: string;
  /** The Debian package that provides it. */
  debianPackage: string;
  /** The environment variable that points at it instead of the default look-up. */
  envVar: string;
}

export const ETCD: Prerequisite = { name: 'etcd', debianPackage: 'etcd-server', envVar: 'MURMUR_ETCD' };
export const CHROMIUM: Prerequisite = { name: 'chromium', debianPackage: 'chromium', envVar: 'MURMUR_CHROMIUM' };
export const PREREQUISITES: readonly Prerequisite[] = [ETCD, CHROMIUM];

/** Where Playwright looks for Chromium unless MURMUR_CHROMIUM says otherwise (playwright.config.ts). */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

export type Env = Readonly<Record<string, string | undefined>>;

export function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export type Found = { ok: true; path: string; via: 'env' | 'PATH' | 'default' } | { ok: false; reason: 'env-not-executable' | 'absent'; path?: string };

/** `name` in the PATH folders of `env`, first hit wins (what a shell's `command -v` finds). */
export function onPath(name: string, env: Env, executable: (p: string) => boolean = isExecutableFile): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir.length === 0) continue;
    const p = join(dir, name);
    if (executable(p)) return p;
  }
  return undefined;
}

/**
 * etcd: $MURMUR_ETCD if set (and then only there, so a wrong value is reported, not papered
 * over), else `etcd` on PATH.
 */
export function findEtcd(env: Env, executable: (p: string) => boolean = isExecutableFile): Found {
  const set = env[ETCD.envVar];
  if (set !== undefined && set.length > 0)
    return executable(set) ? { ok: true, path: set, via: 'env' } : { ok: false, reason: 'env-not-executable', path: set };
  const p = onPath('etcd', env, executable);
  return p ? { ok: true, path: p, via: 'PATH' } : { ok: false, reason: 'absent' };
}

/** Chromium: $MURMUR_CHROMIUM if set, else Debian's /usr/bin/chromium (what Playwright launches). */
export function findChromium(env: Env, executable: (p: string) => boolean = isExecutableFile): Found {
  const set = env[CHROMIUM.envVar];
  if (set !== undefined && set.length > 0)
    return executable(set) ? { ok: true, path: set, via: 'env' } : { ok: false, reason: 'env-not-executable', path: set };
  return executable(DEBIAN_CHROMIUM) ? { ok: true, path: DEBIAN_CHROMIUM, via: 'default' } : { ok: false, reason: 'absent' };
}

export interface Probe {
  found: ReadonlyMap<Prerequisite, Found>;
  /** Running as root (apt-get needs it). */
  root: boolean;
  /** apt-get is on PATH. */
  apt: boolean;
}

export type Plan =
  | { kind: 'ready' }
  | { kind: 'install'; packages: string[] }
  /** `line` is the whole message: what is missing and exactly what to install or fix. */
  | { kind: 'stop'; line: string };

/**
 * What to do: nothing when everything is there; install the missing Debian packages when we
 * are root with apt-get; otherwise stop with one line. A variable pointing at a missing file is
 * the user's setting, so it is never "fixed" by installing something elsewhere.
 */
export function plan(probe: Probe): Plan {
  const missing = [...probe.found].filter(([, f]) => !f.ok);
  if (missing.length === 0) return { kind: 'ready' };
  const badEnv = missing.filter(([, f]) => !f.ok && f.reason === 'env-not-executable');
  if (badEnv.length > 0) {
    const what = badEnv.map(([p, f]) => `${p.envVar}=${f.ok ? '' : (f.path ?? '')} is not an executable file`).join('; ');
    return { kind: 'stop', line: `${what}: point it at ${badEnv.map(([p]) => `${p.name} (Debian package ${p.debianPackage})`).join(' and ')}, or unset it.` };
  }
  const packages = missing.map(([p]) => p.debianPackage);
  if (probe.root && probe.apt) return { kind: 'install', packages };
  const names = missing.map(([p]) => p.name).join(' and ');
  const how = probe.apt
    ? `sudo apt-get install -y ${packages.join(' ')}`
    : `install the Debian packages ${packages.join(' ')} (or put ${names} on PATH / set ${missing.map(([p]) => p.envVar).join(', ')})`;
  return { kind: 'stop', line: `The tests need ${names}, which ${missing.length > 1 ? 'are' : 'is'} not installed: ${how}.` };
}

export function probe(env: Env, root: boolean, executable: (p: string) => boolean = isExecutableFile): Probe {
  return {
    found: new Map([
      [ETCD, findEtcd(env, executable)],
      [CHROMIUM, findChromium(env, executable)],
    ]),
    root,
    apt: onPath('apt-get', env, executable) !== undefined,
  };
}
