import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Starts one embedded coalition with its four consoles (`murmur console`), runs the reference
 * case (approved) and the missing-titer case (pended), and waits until both are done. The
 * consoles' URLs go to a file the tests read (test/e2e/consoles.ts).
 */
export default async function globalSetup(): Promise<void> {
  if (!existsSync(process.env.MURMUR_CHROMIUM ?? '/usr/bin/chromium')) {
    throw new Error('Chromium is not installed at /usr/bin/chromium: run `apt-get install -y chromium` (or set MURMUR_CHROMIUM).');
  }
  if (!existsSync('app/ui/dist/index.html')) throw new Error('The console UI is not built: run `npm run build:ui`.');
  process.stderr.write('[e2e] starting the four consoles and running the reference and missing-titer cases (up to 90 s)…\n');
  const setupStarted = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'murmur-e2e-'));
  const ready = join(dir, 'ready.json');
  // Playwright's own loader hooks (NODE_OPTIONS) must not reach the node under test.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS' && !k.startsWith('PW_') && !k.startsWith('PLAYWRIGHT_')));
  const child = spawn(
    process.execPath,
    ['bin/murmur.js', 'console', '--run', 'reference,missing-titer', '--data-dir', join(dir, 'data'), '--ready-file', ready],
    { stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (existsSync(ready) && (JSON.parse(readFileSync(ready, 'utf8')) as { casesDone: boolean }).casesDone) {
      if (/A case failed/.test(output)) throw new Error(`a case failed in the console under test:\n${output}`);
      process.stderr.write(`[e2e] consoles ready, both cases done in ${((Date.now() - setupStarted) / 1000).toFixed(0)} s\n`);
      break;
    }
    if (child.exitCode !== null) throw new Error(`murmur console exited (${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`the consoles did not come up in 90 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  mkdirSync('test-results', { recursive: true });
  writeFileSync('test-results/e2e-consoles.json', JSON.stringify({ pid: child.pid, ready }));
  child.unref();
  child.stdout.destroy();
  child.stderr.destroy();
}
