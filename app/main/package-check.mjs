// Checks the packaging config (electron-builder.yml) without downloading Electron: builds the
// unpacked Linux app (--dir) against a stub electronDist, then checks what went in.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const stub = mkdtempSync(join(tmpdir(), 'murmur-electron-stub-'));
mkdirSync(join(stub, 'resources'), { recursive: true });
writeFileSync(join(stub, 'electron'), '#!/bin/sh\necho "stub electron"\n');
chmodSync(join(stub, 'electron'), 0o755);
const out = mkdtempSync(join(tmpdir(), 'murmur-package-'));
execFileSync(
  process.execPath,
  [
    'node_modules/electron-builder/cli.js',
    '--linux',
    '--dir',
    '--x64',
    '-c.electronDist=' + stub,
    '-c.npmRebuild=false',
    '-c.directories.output=' + out,
    '--publish',
    'never',
  ],
  { stdio: 'inherit', env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1', CSC_IDENTITY_AUTO_DISCOVERY: 'false' } },
);
const unpacked = join(out, 'linux-unpacked');
const asar = join(unpacked, 'resources', 'app.asar');
if (!existsSync(asar)) throw new Error(`package check: no app.asar in ${unpacked} (${readdirSync(unpacked).join(', ')})`);
console.log(`package check: ok (${asar})`);
