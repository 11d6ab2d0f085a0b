// `npm run bench [-- NAME … [--flag value …]]`: runs the named benchmarks (all by default), each printing a
// table and writing test/bench/results/<name>.json with its baseline measured in the same run.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const BENCHES: Record<string, string[]> = {
  'reference-case': ['reference-case.js'],
  zk: ['zk.js'],
  'zk-pool': ['zk-pool.js'],
  babyjub: ['babyjub.js'],
  coordination: ['coordination.js'],
  'coordination-cost': ['coordination-cost.js'],
  board: ['board.js'],
  fold: ['fold.js'],
  // --expose-gc: the volume run samples the heap after a full GC, per tenth of the run.
  volume: ['--expose-gc', 'volume.js'],
  pas: ['pas.js'],
};

// Names come first; everything from the first flag on goes to each benchmark (`volume --cases 60`).
const args = process.argv.slice(2);
const firstFlag = args.findIndex((a) => a.startsWith('-'));
const names = firstFlag < 0 ? args : args.slice(0, firstFlag);
const flags = firstFlag < 0 ? [] : args.slice(firstFlag);
const unknown = names.filter((n) => !BENCHES[n]);
if (unknown.length) {
  process.stderr.write(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}\n`);
  process.exit(2);
}
let failed = 0;
for (const name of names.length ? names : Object.keys(BENCHES)) {
  // One process per benchmark, so one's warm caches and threads do not colour another's numbers.
  const r = spawnSync(process.execPath, [...BENCHES[name]!.map((a) => (a.startsWith('-') ? a : join(here, a))), ...flags], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
