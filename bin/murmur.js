#!/usr/bin/env node
// The `murmur` command: runs the compiled CLI (npm run build makes dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/app/cli/murmur.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('murmur: not built yet. Run `npm run build` (npm start and npm test build first).\n');
  process.exit(2);
}
await import(entry.href);
