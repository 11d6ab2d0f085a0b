import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const MURMUR = join(root, 'bin', 'murmur.js');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
}

/** Runs the CLI; with `killAt`, sends SIGKILL as soon as a stdout line matches it. */
function murmur(args: string[], killAt?: RegExp): Promise<Run> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [MURMUR, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      if (killAt && !killed && out.split('\n').some((l) => killAt.test(l))) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolveRun({ code, signal, out }));
  });
}

const demo = (dir: string, killAt?: RegExp) => murmur(['demo', '--headless', '--proofs', 'off', '--data-dir', dir], killAt);

/**
 * `kill -9` a headless demo at a point, start it again on the same folder: it must resume (the
 * case a killed run left open is finished, not opened twice), decide as an unbroken run does,
 * and leave a board and audit trails that verify.
 */
for (const [where, killAt] of [
  ['while the organizations start', /^Starting the embedded FHIR server/],
  ['just after the case opened (T0)', /^T0 #\s+\d+ .* request for J3399/],
  ['while subtasks are claimed (T2)', /^T2 #\s+\d+ .* claims /],
  ['once the decision is posted (T5)', /^T5 #/],
] as const) {
  test(`restart anywhere: killed ${where}, the next run on the folder resumes and decides the same`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-restart-'));
    try {
      const first = await demo(dir, killAt);
      assert.equal(first.signal, 'SIGKILL', `the first run was killed ${where}:\n${first.out.slice(-800)}`);
      const opened = /T0 #\s+\d+ .* request for J3399/.test(first.out);

      const second = await demo(dir);
      assert.equal(second.code, 0, `the second run finished:\n${second.out.slice(-1500)}`);
      assert.doesNotMatch(second.out, /does not verify|belongs to another organization/);
      assert.match(second.out, /^Decision: APPROVED/m);
      if (opened) assert.match(second.out, /^Resuming case case-[0-9a-f]+ from this folder's earlier run/m, 'the open case is resumed, not opened twice');

      const verify = await murmur(['audit', 'verify', '--data-dir', dir]);
      assert.equal(verify.code, 0, verify.out);
      assert.doesNotMatch(verify.out, /BROKEN|fail/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
