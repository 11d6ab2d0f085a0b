import { formatReport, fuzzAll } from './targets.js';

/**
 * `npm run fuzz [-- --runs N --seed S]`: the envelope, PAS bundle and HTTP targets for a fixed
 * number of seeded runs; prints what each tried and found, and exits 1 if anything was found.
 * A found case prints its seed and path: the same arguments replay it exactly.
 */
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i === -1 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(v) || v < 0) {
    process.stderr.write(`--${name}: expected a whole number\n`);
    process.exit(2);
  }
  return v;
};

const runs = arg('runs', 1_000);
const seed = arg('seed', 20_261_201);
const started = Date.now();
const reports = await fuzzAll({ runs, seed });
for (const r of reports) process.stdout.write(`${formatReport(r)}\n\n`);
const found = reports.filter((r) => r.failure);
process.stdout.write(
  `${reports.reduce((n, r) => n + r.runs, 0)} inputs in ${((Date.now() - started) / 1000).toFixed(1)} s; ${found.length ? `FOUND problems in ${found.map((r) => r.target).join(', ')}` : 'nothing found'}\n`,
);
process.exit(found.length ? 1 : 0);
