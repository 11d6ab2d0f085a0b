// Preload of the console windows (sandboxed, context-isolated). The console talks to its org
// node over HTTP on loopback, so it needs nothing from Electron but which shell it runs in.
// A sandboxed preload is CommonJS: this compiles to require('electron').
// eslint-disable-next-line @typescript-eslint/no-require-imports
import electron = require('electron');

electron.contextBridge.exposeInMainWorld('murmurShell', { kind: 'electron', platform: process.platform });
