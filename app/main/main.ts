// Murmur's Electron main process: thin. It starts the org node (a child process running
// `murmur console`, which keeps SQLite and the wallet in plain Node) or attaches to one that is
// running (MURMUR_ATTACH=<ready file>), then opens one sandboxed, context-isolated window per
// organization on its loopback console. The key that seals the wallets at rest is kept in the
// OS key store through safeStorage where it is available.
import { app, BrowserWindow, safeStorage, session, shell } from 'electron';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ReadyFile {
  casesDone: boolean;
  consoles: {
    org: { id: string; name: string; kind: string };
    url: string;
    launchUrl: string;
    operators?: { id: string; name: string; launchUrl: string }[];
  }[];
}

const here = dirname(fileURLToPath(import.meta.url));
/** dist/app/main → the package root (repository or app.asar). */
const root = join(here, '..', '..', '..');
let node: ChildProcess | undefined;

/** The wallet key: random once, stored encrypted by the OS key store (Keychain, DPAPI, libsecret). */
function walletKey(): { key: string; where: string } {
  const file = join(app.getPath('userData'), 'wallet-key.bin');
  if (!safeStorage.isEncryptionAvailable()) return { key: randomBytes(32).toString('base64url'), where: 'memory (no OS key store available)' };
  if (existsSync(file)) return { key: safeStorage.decryptString(readFileSync(file)), where: file };
  const key = randomBytes(32).toString('base64url');
  writeFileSync(file, safeStorage.encryptString(key), { mode: 0o600 });
  return { key, where: file };
}

async function startNode(): Promise<string> {
  const ready = join(mkdtempSync(join(tmpdir(), 'murmur-')), 'ready.json');
  const murmur = join(root, 'bin', 'murmur.js');
  const args = [
    murmur,
    'console',
    '--run',
    'reference,missing-titer',
    '--ready-file',
    ready,
    '--wallet-key-stdin',
    '--data-dir',
    join(app.getPath('userData'), 'node'),
  ];
  // Packaged: Electron's own Node runs the org node (ELECTRON_RUN_AS_NODE); native modules are
  // rebuilt for it by electron-builder. Development: the system's node.
  node = app.isPackaged
    ? spawn(process.execPath, args, { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['pipe', 'inherit', 'inherit'] })
    : spawn(process.env.MURMUR_NODE ?? 'node', args, { stdio: ['pipe', 'inherit', 'inherit'] });
  node.stdin?.end(`${walletKey().key}\n`);
  node.on('exit', (code) => {
    if (code) app.quit();
  });
  for (let i = 0; i < 600 && !existsSync(ready); i++) await new Promise((r) => setTimeout(r, 100));
  if (!existsSync(ready)) throw new Error('the org node did not start within 60 s');
  return ready;
}

function openWindow(c: ReadyFile['consoles'][number], i: number): void {
  const win = new BrowserWindow({
    title: `${c.org.name} — Murmur`,
    width: 1400,
    height: 900,
    x: 40 + i * 40,
    y: 40 + i * 40,
    show: false,
    backgroundColor: '#1f1f1f',
    webPreferences: {
      preload: join(here, '..', 'preload', 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  const origin = new URL(c.url).origin;
  // Only the console's own origin loads in the window; anything else opens in the browser.
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (e, url) => {
    if (new URL(url).origin !== origin) e.preventDefault();
  });
  win.once('ready-to-show', () => win.show());
  // The desktop user is the organization's first operator (a decision needs an operator's sign-in).
  void win.loadURL(c.operators?.[0]?.launchUrl ?? c.launchUrl);
}

app.whenReady().then(
  async () => {
    session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    const readyFile = process.env.MURMUR_ATTACH ?? (await startNode());
    let ready: ReadyFile | undefined;
    for (let i = 0; i < 600; i++) {
      ready = JSON.parse(readFileSync(readyFile, 'utf8')) as ReadyFile;
      if (ready.consoles.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    ready?.consoles.forEach(openWindow);
  },
  (e: unknown) => {
    console.error(`murmur: ${e instanceof Error ? e.message : String(e)}`);
    app.quit();
  },
);

app.on('window-all-closed', () => app.quit());
app.on('before-quit', () => node?.kill('SIGTERM'));
