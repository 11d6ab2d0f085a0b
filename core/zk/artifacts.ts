/**
 * Circuit artifacts: compile the circom sources, run a reproducible (beacon-only) Groth16
 * setup and cache everything in a directory keyed by a hash of the sources and the build
 * parameters. Safe when several processes ask at once: one builds under a lock file, the
 * others wait and then read the cache. Never rebuilds when the cache is complete.
 *
 * Layout (root = $MURMUR_ZK_CACHE or <repo>/.murmur/zk):
 *   <root>/ptau/<ptauHash>/pot13_final.ptau   phase 1, shared by every circuit hash
 *   <root>/<hash>/manifest.json               written last: its presence means "complete"
 *   <root>/<hash>/<circuit>.r1cs|.sym, <circuit>_js/<circuit>.wasm
 *   <root>/<hash>/<circuit>_init.zkey         phase 2 before any contribution (ceremony input)
 *   <root>/<hash>/<circuit>.zkey              final proving key (init + beacon)
 *   <root>/<hash>/<circuit>.vkey.json         snarkjs verification key JSON
 *   <root>/build.lock                         held while building
 *
 * Before the cache, the keys shipped in circuits/keys/ (pinned by SHA-256 in their manifest)
 * are used when they were built from the current sources: a fresh clone needs no build.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { copyFile, mkdir, open, readFile, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as snarkjs from 'snarkjs';
import type { SnarkjsLogger } from 'snarkjs';
import { MurmurError, errorMessage } from '../common/errors.js';
import { sha256Hex } from '../common/hash.js';
import { MANIFEST_FILE, assertPinnedFiles, readPinnedManifest, sha256File, type PinnedCheck, type PinnedFile } from './shipped.js';

export type CircuitName = 'role' | 'clinical';
export const CIRCUIT_NAMES: readonly CircuitName[] = ['role', 'clinical'];

/** The circom file (without extension) of each circuit, in circuits/. */
export const CIRCUIT_FILES: Readonly<Record<CircuitName, string>> = {
  role: 'role_credential',
  clinical: 'clinical_predicate',
};

/**
 * Everything that changes the keys. The beacons are public, so these keys are for development
 * and tests only: anyone can recompute the toxic waste. Production keys come from a ceremony
 * (core/zk/ceremony.ts, circuits/CEREMONY.md).
 */
export const BUILD_PARAMS = {
  format: 1,
  curve: 'bn128',
  tauPower: 13,
  circomFlags: ['--O2'],
  ptauBeaconHex: sha256Hex('murmur dev powers-of-tau beacon v1'),
  zkeyBeaconHex: sha256Hex('murmur dev phase-2 beacon v1'),
  beaconIterationsExp: 10,
} as const;

export interface ZkProgress {
  /** A step such as `compile role_credential`, `ptau prepare phase 2`, `zkey setup clinical`. */
  step: string;
  /** A finer message from snarkjs inside a step (noisy; the default printer throttles it). */
  detail?: string;
  /** Milliseconds since ensureCircuitArtifacts was called. */
  elapsedMs: number;
}

export interface CircuitArtifacts {
  name: CircuitName;
  r1cs: string;
  wasm: string;
  /** Phase-2 key before any contribution: the input of a ceremony. */
  initZkey: string;
  zkey: string;
  vkeyPath: string;
  vkey: Record<string, unknown>;
  constraints: number;
  nPublic: number;
}

export interface BuildManifest {
  hash: string;
  params: typeof BUILD_PARAMS;
  versions: Record<string, string>;
  circuits: Record<CircuitName, { constraints: number; nPublic: number; zkeySha256: string; zkeyBytes: number; vkeyBytes: number }>;
  /** Milliseconds per step of the build that produced this cache (phase 1 may be from an earlier build). */
  timingsMs: Record<string, number>;
}

export interface Artifacts {
  /** The cache directory of this circuit hash. */
  dir: string;
  hash: string;
  ptau: string;
  circuits: Record<CircuitName, CircuitArtifacts>;
  manifest: BuildManifest;
}

export interface EnsureArtifactsOptions {
  /** Progress sink; defaults to lines on stderr. Pass `() => {}` to silence. */
  onProgress?: (p: ZkProgress) => void;
  /** Cache root; defaults to $MURMUR_ZK_CACHE, then <repo>/.murmur/zk. */
  cacheRoot?: string;
  /** Give up waiting for another process's build after this long (default 30 min). */
  lockTimeoutMs?: number;
  /** Use the keys shipped in circuits/keys/ when they match the sources (default true); false builds from source. */
  shipped?: boolean;
  /** The shipped keys' folder (default circuits/keys). */
  shippedDir?: string;
}

const require = createRequire(import.meta.url);

/** The repository root: the nearest ancestor of this file holding circuits/*.circom. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'circuits', `${CIRCUIT_FILES.role}.circom`))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new MurmurError('E_NOT_FOUND', 'circuits/ not found above core/zk; run from a Murmur checkout');
    dir = up;
  }
}

export function circuitsDir(): string {
  return join(repoRoot(), 'circuits');
}

/** The folder of the shipped development keys and their manifest. */
export function shippedKeysDir(): string {
  return join(circuitsDir(), 'keys');
}

export function defaultCacheRoot(): string {
  const env = process.env['MURMUR_ZK_CACHE'];
  return env && env.length > 0 ? resolve(env) : join(repoRoot(), '.murmur', 'zk');
}

/** The directory of an installed package (its package.json may be hidden by "exports"). */
function packageDir(name: string): string {
  let dir = dirname(require.resolve(name));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === name) return dir;
    const up = dirname(dir);
    if (up === dir) throw new MurmurError('E_NOT_FOUND', `package ${name} not found`);
    dir = up;
  }
}

function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(join(packageDir(name), 'package.json'), 'utf8')) as { version: string }).version;
}

/** The node_modules directory holding circomlib, with symlinks resolved (circom2 runs under WASI). */
function includeDir(): string {
  return dirname(realpathSync(packageDir('circomlib')));
}

export function toolVersions(): Record<string, string> {
  return {
    circom2: packageVersion('circom2'),
    circomlib: packageVersion('circomlib'),
    snarkjs: packageVersion('snarkjs'),
  };
}

/** Hash of the circuit sources, tool versions and build parameters: the cache key. */
export async function artifactsHash(): Promise<string> {
  const dir = circuitsDir();
  const files = (await readdir(dir)).filter((f) => f.endsWith('.circom')).sort();
  const parts: string[] = [JSON.stringify(BUILD_PARAMS), JSON.stringify(toolVersions())];
  for (const f of files) parts.push(`${f}\n${sha256Hex(await readFile(join(dir, f)))}`);
  return sha256Hex(parts.join('\n')).slice(0, 20);
}

function ptauHash(): string {
  const p = BUILD_PARAMS;
  return sha256Hex(JSON.stringify([p.curve, p.tauPower, p.ptauBeaconHex, p.beaconIterationsExp, packageVersion('snarkjs')])).slice(0, 16);
}

/** The default progress printer: step lines always, snarkjs details at most every 10 s. */
export function stderrProgress(): (p: ZkProgress) => void {
  let lastDetail = 0;
  return (p) => {
    const t = `${(p.elapsedMs / 1000).toFixed(1)}s`;
    if (p.detail === undefined) {
      process.stderr.write(`[zk ${t}] ${p.step}\n`);
    } else if (p.elapsedMs - lastDetail >= 10_000) {
      lastDetail = p.elapsedMs;
      process.stderr.write(`[zk ${t}]   ${p.step}: ${p.detail}\n`);
    }
  };
}

/**
 * Whether the circuits' keys are ready without a multi-minute build: shipped and verified, or
 * built in the cache. Throws (naming the file) when a shipped key does not match its manifest.
 */
export async function artifactsCached(cacheRoot: string = defaultCacheRoot(), shippedDir: string = shippedKeysDir()): Promise<boolean> {
  const hash = await artifactsHash();
  const started = Date.now();
  const print = stderrProgress();
  if (await loadShipped(shippedDir, hash, (step) => print({ step, elapsedMs: Date.now() - started }))) return true;
  return (await loadArtifacts(resolve(cacheRoot), hash)) !== undefined;
}

const memo = new Map<string, Promise<Artifacts>>();

/**
 * The compiled circuits and their keys, built once into the cache and reused afterwards (by
 * this process and by any other). Concurrent callers in one process share one promise.
 */
export function ensureCircuitArtifacts(options: EnsureArtifactsOptions = {}): Promise<Artifacts> {
  const root = resolve(options.cacheRoot ?? defaultCacheRoot());
  const key = `${root}\n${options.shipped === false ? '' : resolve(options.shippedDir ?? shippedKeysDir())}`;
  let p = memo.get(key);
  if (!p) {
    p = ensure(root, options);
    memo.set(key, p);
    p.catch(() => memo.delete(key));
  }
  return p;
}

async function ensure(root: string, options: EnsureArtifactsOptions): Promise<Artifacts> {
  const started = Date.now();
  const report = options.onProgress ?? stderrProgress();
  const progress = (step: string, detail?: string): void => report({ step, detail, elapsedMs: Date.now() - started });
  const hash = await artifactsHash();
  if (options.shipped !== false) {
    const shipped = await loadShipped(resolve(options.shippedDir ?? shippedKeysDir()), hash, progress);
    if (shipped) return shipped;
  }
  const dir = join(root, hash);
  const cached = await loadArtifacts(root, hash);
  if (cached) return cached;

  await mkdir(root, { recursive: true });
  return withFileLock(join(root, 'build.lock'), options.lockTimeoutMs ?? 30 * 60_000, progress, async () => {
    const again = await loadArtifacts(root, hash);
    if (again) {
      progress(`cache ready (built by another process) at ${dir}`);
      return again;
    }
    progress(`building circuit artifacts into ${dir}`);
    await build(root, hash, progress);
    const built = await loadArtifacts(root, hash);
    if (!built) throw new MurmurError('E_INTERNAL', 'ZK build finished but its manifest is missing', { dir });
    progress(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return built;
  });
}

function ptauPath(root: string): string {
  return join(root, 'ptau', ptauHash(), `pot${BUILD_PARAMS.tauPower}_final.ptau`);
}

async function loadArtifacts(root: string, hash: string): Promise<Artifacts | undefined> {
  const dir = join(root, hash);
  let manifest: BuildManifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as BuildManifest;
  } catch {
    return undefined;
  }
  const ptau = ptauPath(root);
  const circuits = {} as Record<CircuitName, CircuitArtifacts>;
  for (const name of CIRCUIT_NAMES) {
    const base = CIRCUIT_FILES[name];
    const vkeyPath = join(dir, `${base}.vkey.json`);
    const entry: CircuitArtifacts = {
      name,
      r1cs: join(dir, `${base}.r1cs`),
      wasm: join(dir, `${base}_js`, `${base}.wasm`),
      initZkey: join(dir, `${base}_init.zkey`),
      zkey: join(dir, `${base}.zkey`),
      vkeyPath,
      vkey: JSON.parse(await readFile(vkeyPath, 'utf8')) as Record<string, unknown>,
      constraints: manifest.circuits[name].constraints,
      nPublic: manifest.circuits[name].nPublic,
    };
    for (const f of [entry.r1cs, entry.wasm, entry.zkey, entry.initZkey]) {
      if (!existsSync(f)) return undefined;
    }
    circuits[name] = entry;
  }
  if (!existsSync(ptau)) return undefined;
  return { dir, hash, ptau, circuits, manifest };
}

/** The shipped manifest: the pinned files plus the build's own manifest (parameters, versions, sizes). */
export interface ShippedManifest {
  hash: string;
  files: Record<string, PinnedFile>;
  build: BuildManifest;
  note: string;
}

/** Shipped file names (flat) of a circuit's artifacts, and of the shared phase-1 file. */
function shippedNames(base: string): { r1cs: string; wasm: string; initZkey: string; zkey: string; vkey: string } {
  return { r1cs: `${base}.r1cs`, wasm: `${base}.wasm`, initZkey: `${base}_init.zkey`, zkey: `${base}.zkey`, vkey: `${base}.vkey.json` };
}
const SHIPPED_PTAU = `pot${BUILD_PARAMS.tauPower}_final.ptau`;

/** Every artifact of a build under the name it is shipped as, with its path in the build. */
export function shippedFileMap(a: Artifacts): Record<string, string> {
  const out: Record<string, string> = { [SHIPPED_PTAU]: a.ptau };
  for (const name of CIRCUIT_NAMES) {
    const c = a.circuits[name];
    const n = shippedNames(CIRCUIT_FILES[name]);
    Object.assign(out, { [n.r1cs]: c.r1cs, [n.wasm]: c.wasm, [n.initZkey]: c.initZkey, [n.zkey]: c.zkey, [n.vkey]: c.vkeyPath });
  }
  return out;
}

/**
 * The shipped keys, if they were built from the current sources (same artifactsHash) and every
 * file matches its pinned SHA-256; undefined when there are none or they are for other sources.
 * A file that differs is refused: this throws, naming it.
 */
function loadShipped(dir: string, hash: string, progress: (step: string) => void): Promise<Artifacts | undefined> {
  // Checked once per process (hashing 34 MB takes about a second); a refusal is not remembered.
  const key = `${dir}\n${hash}`;
  let p = shippedMemo.get(key);
  if (!p) {
    p = checkShipped(dir, hash, progress);
    shippedMemo.set(key, p);
    p.catch(() => shippedMemo.delete(key));
  }
  return p;
}
const shippedMemo = new Map<string, Promise<Artifacts | undefined>>();

async function checkShipped(dir: string, hash: string, progress: (step: string) => void): Promise<Artifacts | undefined> {
  const pinned = await readPinnedManifest(dir);
  if (!pinned) return undefined;
  if (pinned.hash !== hash) {
    progress(`the keys shipped in ${dir} are for other circuit sources (${pinned.hash}, these are ${hash}); building from source`);
    return undefined;
  }
  const t0 = Date.now();
  const manifest = pinned as unknown as ShippedManifest;
  const expected = new Set<string>([SHIPPED_PTAU, ...CIRCUIT_NAMES.flatMap((n) => Object.values(shippedNames(CIRCUIT_FILES[n])))]);
  for (const f of expected) {
    if (!manifest.files[f]) throw new MurmurError('E_CRYPTO', `refusing the shipped ZK keys in ${dir}: the manifest does not pin ${f}`, { file: f });
  }
  await assertPinnedFiles(dir, pinned);
  const circuits = {} as Record<CircuitName, CircuitArtifacts>;
  for (const name of CIRCUIT_NAMES) {
    const n = shippedNames(CIRCUIT_FILES[name]);
    const stats = manifest.build.circuits[name];
    circuits[name] = {
      name,
      r1cs: join(dir, n.r1cs),
      wasm: join(dir, n.wasm),
      initZkey: join(dir, n.initZkey),
      zkey: join(dir, n.zkey),
      vkeyPath: join(dir, n.vkey),
      vkey: JSON.parse(await readFile(join(dir, n.vkey), 'utf8')) as Record<string, unknown>,
      constraints: stats.constraints,
      nPublic: stats.nPublic,
    };
  }
  const bytes = Object.values(manifest.files).reduce((sum, f) => sum + f.bytes, 0);
  progress(
    `using the shipped development keys in ${dir} (${expected.size} files, ${(bytes / 1e6).toFixed(1)} MB, SHA-256 checked in ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
  return { dir, hash, ptau: join(dir, SHIPPED_PTAU), circuits, manifest: manifest.build };
}

/** Each shipped file's pinned hash against the same file of a build (`murmur zk build --from-source`). */
export async function compareWithShipped(a: Artifacts, dir: string = shippedKeysDir()): Promise<{ shippedHash: string | undefined; checks: PinnedCheck[] }> {
  const pinned = await readPinnedManifest(dir);
  const checks: PinnedCheck[] = [];
  for (const [file, path] of Object.entries(shippedFileMap(a))) {
    const actual = { sha256: await sha256File(path), bytes: (await stat(path)).size };
    const expected = pinned?.files[file];
    checks.push({
      file,
      expected: expected ?? { sha256: '', bytes: 0 },
      actual,
      ok: expected !== undefined && expected.sha256 === actual.sha256 && expected.bytes === actual.bytes,
    });
  }
  return { shippedHash: pinned?.hash, checks };
}

/** Copies a build's artifacts into the shipped folder and pins them (when the circuits change). */
export async function writeShippedKeys(a: Artifacts, dir: string = shippedKeysDir()): Promise<ShippedManifest> {
  await mkdir(dir, { recursive: true });
  const files: Record<string, PinnedFile> = {};
  for (const [file, path] of Object.entries(shippedFileMap(a))) {
    await copyFile(path, join(dir, file));
    files[file] = { sha256: await sha256File(path), bytes: (await stat(path)).size };
  }
  const manifest: ShippedManifest = {
    hash: a.hash,
    note: 'Development keys from a beacon-only setup: the beacons are public, so anyone can forge proofs. Rebuild and compare: murmur zk build --from-source. Production: murmur zk ceremony (circuits/CEREMONY.md).',
    files,
    build: a.manifest,
  };
  await writeFile(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Adapts snarkjs's logger to progress details. */
function snarkLogger(step: string, progress: (step: string, detail?: string) => void): SnarkjsLogger {
  const d = (msg: string): void => progress(step, msg);
  return { debug: () => undefined, info: d, warn: d, error: d };
}

async function timed<T>(timings: Record<string, number>, key: string, progress: (step: string) => void, fn: () => Promise<T>): Promise<T> {
  progress(key);
  const t0 = Date.now();
  const out = await fn();
  timings[key] = Date.now() - t0;
  return out;
}

async function build(root: string, hash: string, progress: (step: string, detail?: string) => void): Promise<void> {
  const finalDir = join(root, hash);
  const work = join(root, `${hash}.partial-${process.pid}`);
  // Under the lock, any partial directory is a leftover of a build that died.
  for (const f of await readdir(root)) {
    if (f.startsWith(`${hash}.partial-`)) await rm(join(root, f), { recursive: true, force: true });
  }
  await mkdir(work, { recursive: true });
  const timings: Record<string, number> = {};
  const stats = {} as Record<CircuitName, { constraints: number; nPublic: number }>;

  for (const name of CIRCUIT_NAMES) {
    const base = CIRCUIT_FILES[name];
    stats[name] = await timed(timings, `compile ${base}`, progress, () => compileCircuit(join(circuitsDir(), `${base}.circom`), work));
    progress(`  ${base}: ${stats[name].constraints} constraints, ${stats[name].nPublic} public signals`);
  }

  const ptau = ptauPath(root);
  if (!existsSync(ptau)) {
    await buildPtau(ptau, timings, progress);
  } else {
    progress(`ptau 2^${BUILD_PARAMS.tauPower} reused from cache`);
    const earlier = await readFile(join(dirname(ptau), 'timings.json'), 'utf8').catch(() => '{}');
    Object.assign(timings, JSON.parse(earlier) as Record<string, number>);
  }

  const circuits = {} as BuildManifest['circuits'];
  for (const name of CIRCUIT_NAMES) {
    const base = CIRCUIT_FILES[name];
    const r1cs = join(work, `${base}.r1cs`);
    const init = join(work, `${base}_init.zkey`);
    const zkey = join(work, `${base}.zkey`);
    await timed(timings, `zkey setup ${name}`, progress, () => snarkjs.zKey.newZKey(r1cs, ptau, init, snarkLogger(`zkey setup ${name}`, progress)));
    const beacon = await timed(timings, `zkey beacon ${name}`, progress, () =>
      snarkjs.zKey.beacon(
        init,
        zkey,
        'murmur dev beacon',
        BUILD_PARAMS.zkeyBeaconHex,
        BUILD_PARAMS.beaconIterationsExp,
        snarkLogger(`zkey beacon ${name}`, progress),
      ),
    );
    if (!(beacon instanceof Uint8Array)) throw new MurmurError('E_INTERNAL', `zkey beacon failed for ${name}`, { circuit: name });
    const vkey = await snarkjs.zKey.exportVerificationKey(zkey);
    const vkeyText = `${JSON.stringify(vkey, null, 1)}\n`;
    await writeFile(join(work, `${base}.vkey.json`), vkeyText);
    const zkeyBytes = await readFile(zkey);
    circuits[name] = {
      ...stats[name],
      zkeySha256: sha256Hex(zkeyBytes),
      zkeyBytes: zkeyBytes.length,
      vkeyBytes: Buffer.byteLength(vkeyText),
    };
  }

  const manifest: BuildManifest = { hash, params: BUILD_PARAMS, versions: toolVersions(), circuits, timingsMs: timings };
  await writeFile(join(work, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await rm(finalDir, { recursive: true, force: true });
  await rename(work, finalDir);
}

async function buildPtau(ptau: string, timings: Record<string, number>, progress: (step: string, detail?: string) => void): Promise<void> {
  const dir = dirname(ptau);
  await mkdir(dir, { recursive: true });
  const p = BUILD_PARAMS;
  const t0 = join(dir, `tmp-${process.pid}-0.ptau`);
  const t1 = join(dir, `tmp-${process.pid}-1.ptau`);
  const t2 = join(dir, `tmp-${process.pid}-2.ptau`);
  try {
    const curve = await snarkjs.curves.getCurveFromName(p.curve);
    void curve; // cached in globalThis.curve_bn128; shutdownZk terminates it
    await timed(timings, `ptau new 2^${p.tauPower}`, progress, () =>
      snarkjs.powersOfTau.newAccumulator(curve, p.tauPower, t0, snarkLogger('ptau new', progress)),
    );
    await timed(timings, 'ptau beacon', progress, () =>
      snarkjs.powersOfTau.beacon(t0, t1, 'murmur dev beacon', p.ptauBeaconHex, p.beaconIterationsExp, snarkLogger('ptau beacon', progress)),
    );
    await timed(timings, 'ptau prepare phase 2 (the slow step)', progress, () =>
      snarkjs.powersOfTau.preparePhase2(t1, t2, snarkLogger('ptau prepare phase 2', progress)),
    );
    await writeFile(join(dir, 'timings.json'), JSON.stringify(Object.fromEntries(Object.entries(timings).filter(([k]) => k.startsWith('ptau')))));
    await rename(t2, ptau);
  } finally {
    await Promise.all([t0, t1, t2].map((f) => rm(f, { force: true })));
  }
}

/**
 * Runs circom2 (circom compiled to WASI). WASI sees the filesystem through relative preopens
 * from the working directory, and a symlinked node_modules does not resolve through them, so
 * we run from the common ancestor of the real paths of the source, include and output dirs.
 */
async function compileCircuit(source: string, outDir: string): Promise<{ constraints: number; nPublic: number }> {
  const inc = includeDir();
  const src = realpathSync(source);
  const out = realpathSync(outDir);
  const cwd = commonAncestor([dirname(src), inc, out]);
  const cli = require.resolve('circom2/cli.js');
  const args = [
    cli,
    relative(cwd, src) || '.',
    '--r1cs',
    '--wasm',
    '--sym',
    ...BUILD_PARAMS.circomFlags,
    '-l',
    relative(cwd, inc) || '.',
    '-o',
    relative(cwd, out) || '.',
  ];
  const { code, stdout, stderr } = await run(process.execPath, args, cwd);
  const text = stripAnsi(stdout + stderr);
  if (code !== 0 || !text.includes('Everything went okay')) {
    throw new MurmurError(
      'E_INTERNAL',
      `circom2 failed to compile ${source}: ${text
        .split('\n')
        .filter((l) => /error/i.test(l))
        .slice(0, 5)
        .join(' | ')}`,
      { source },
    );
  }
  const num = (label: string): number => Number(new RegExp(`^${label}: (\\d+)`, 'm').exec(text)?.[1] ?? 'NaN');
  const constraints = num('non-linear constraints') + num('linear constraints');
  const nPublic = num('public inputs') + num('public outputs');
  if (!Number.isFinite(constraints)) throw new MurmurError('E_INTERNAL', 'could not read the constraint count from circom2', { source });
  if (constraints + nPublic + 1 > 2 ** BUILD_PARAMS.tauPower) {
    throw new MurmurError('E_INTERNAL', `circuit too large for a 2^${BUILD_PARAMS.tauPower} powers of tau`, { source, constraints });
  }
  return { constraints, nPublic };
}

function commonAncestor(paths: string[]): string {
  const split = paths.map((p) => p.split(sep));
  const first = split[0] ?? [];
  let i = 0;
  while (i < first.length && split.every((s) => s[i] === first[i])) i++;
  return first.slice(0, i).join(sep) || sep;
}

function stripAnsi(s: string): string {
  return s.replace(/\u001b\[[0-9;]*m/g, '');
}

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? 1, stdout, stderr }));
  });
}

interface LockInfo {
  pid: number;
  host: string;
  at: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * An exclusive lock file (O_EXCL). A waiter polls; a lock whose holder process on this host
 * is gone is stale and is taken over.
 */
export async function withFileLock<T>(path: string, timeoutMs: number, progress: (step: string) => void, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      const fh = await open(path, 'wx');
      const info: LockInfo = { pid: process.pid, host: hostname(), at: Date.now() };
      await fh.writeFile(JSON.stringify(info));
      await fh.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new MurmurError('E_STORE', `cannot create the ZK build lock: ${errorMessage(e)}`, { path });
    }
    let holder: LockInfo | undefined;
    try {
      holder = JSON.parse(await readFile(path, 'utf8')) as LockInfo;
    } catch {
      // Being written or just removed: check its age, then retry.
      const s = await stat(path).catch(() => undefined);
      if (s && Date.now() - s.mtimeMs > 10_000) await unlink(path).catch(() => undefined);
    }
    if (holder && holder.host === hostname() && !alive(holder.pid)) {
      progress(`removing a stale build lock left by pid ${holder.pid}`);
      await unlink(path).catch(() => undefined);
      continue;
    }
    if (!announced) {
      progress(`waiting for another process's ZK build (lock ${path}${holder ? `, pid ${holder.pid}` : ''})`);
      announced = true;
    }
    if (Date.now() > deadline) throw new MurmurError('E_TIMEOUT', 'timed out waiting for the ZK build lock', { path });
    await new Promise((r) => setTimeout(r, 500));
  }
  try {
    return await fn();
  } finally {
    await unlink(path).catch(() => undefined);
  }
}
