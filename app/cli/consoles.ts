import { spawn } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Embedded } from '../node/embedded.js';
import type { LogHub } from '../node/console/logs.js';
import { startConsoles, type Consoles } from '../node/console/launch.js';

/** What a started console set tells its launcher (the ready file): URLs with tokens. 0600. */
export interface ReadyFile {
  pid: number;
  /** The requests given with --run have all finished. */
  casesDone: boolean;
  consoles: { org: { id: string; name: string; kind: string }; url: string; launchUrl: string; operators: { id: string; name: string; launchUrl: string }[] }[];
}

export async function serveConsoles(
  env: Embedded,
  o: { root: string; logs: LogHub; readyFile?: string; keyStore?: string; timeframes?: { standardHours: number; expeditedHours: number } },
): Promise<Consoles> {
  const uiDir = join(o.root, 'app', 'ui', 'dist');
  const consoles = await startConsoles(env, {
    root: o.root,
    uiDir,
    logs: o.logs,
    ...(o.keyStore ? { keyStore: o.keyStore } : {}),
    ...(o.timeframes ? { timeframes: o.timeframes } : {}),
  });
  if (o.readyFile) writeReadyFile(o.readyFile, consoles, false);
  if (!existsSync(join(uiDir, 'index.html'))) process.stderr.write('murmur: the console UI is not built yet: run `npm run build:ui`.\n');
  return consoles;
}

export function writeReadyFile(file: string, consoles: Consoles, casesDone: boolean): void {
  const ready: ReadyFile = {
    pid: process.pid,
    casesDone,
    consoles: consoles.consoles.map((c) => ({
      org: { id: c.org.id, name: c.org.name, kind: c.org.kind },
      url: c.server.url,
      launchUrl: c.server.launchUrl,
      operators: c.server.operators,
    })),
  };
  writeFileSync(`${file}.tmp`, JSON.stringify(ready, null, 2), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/** The Electron binary, when its download happened (it cannot on machines without internet). */
export function electronBinary(root: string): string | undefined {
  try {
    const require = createRequire(join(root, 'package.json'));
    const pkgDir = join(require.resolve('electron/package.json'), '..');
    const pathTxt = join(pkgDir, 'path.txt');
    if (!existsSync(pathTxt)) return undefined;
    const bin = join(pkgDir, 'dist', readFileSync(pathTxt, 'utf8').trim());
    return existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Opens a URL in the default browser; best effort, and says whether it worked: false when
 * there is no display (Linux without DISPLAY/WAYLAND_DISPLAY), no opener, or the opener failed.
 */
export function openInBrowser(url: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return Promise.resolve(false);
  const cmd = platform === 'darwin' ? 'open' : platform === 'win32' ? 'cmd' : 'xdg-open';
  const args = platform === 'win32' ? ['/c', 'start', '', url] : [url];
  return new Promise((resolve) => {
    try {
      const child = spawn(cmd, args, { stdio: 'ignore', detached: true, env });
      // An opener that is still running after 3 s has handed the URL over.
      const t = setTimeout(() => resolve(true), 3000);
      t.unref();
      child.on('error', () => (clearTimeout(t), resolve(false)));
      child.on('exit', (code) => (clearTimeout(t), resolve(code === 0)));
      child.unref();
    } catch {
      resolve(false);
    }
  });
}

/** Electron windows attached to running consoles (app/main reads the ready file). */
export function openElectron(binary: string, root: string, readyFile: string): void {
  const child = spawn(binary, [join(root, 'dist', 'app', 'main', 'main.js')], {
    stdio: 'ignore',
    detached: true,
    env: { ...process.env, MURMUR_ATTACH: readyFile },
  });
  child.on('error', () => undefined);
  child.unref();
}
