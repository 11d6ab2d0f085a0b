import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { MurmurError } from '../../../core/common/errors.js';
import { parsePolicy } from '../../../core/agents/clinical/policy.js';
import { checkPolicyCases, parsePolicyCases, type CaseRow } from '../../../core/agents/clinical/policy-cases.js';
import type { Command } from '../args.js';

/** Policy and case files are small data; anything larger is not one. */
const MAX_FILE_BYTES = 2 * 1024 * 1024;

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    if (statSync(path).size > MAX_FILE_BYTES) throw new MurmurError('E_INPUT', `the ${what} ${path} is larger than 2 MiB`);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof MurmurError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new MurmurError(
      'E_INPUT',
      `the ${what} ${path} ${code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? 'EIO'})`}`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new MurmurError('E_INPUT', `the ${what} ${path} is not JSON`);
  }
}

/** The cases beside a policy: `cases/<id>.cases.json` in its folder, else `<file>.cases.json`. */
function casesFileFor(policyFile: string, policyId: string): string {
  const inFolder = join(dirname(policyFile), 'cases', `${policyId}.cases.json`);
  if (existsSync(inFolder)) return inFolder;
  return join(dirname(policyFile), `${basename(policyFile, '.json')}.cases.json`);
}

export function caseTable(rows: readonly CaseRow[]): string {
  const head = ['case', 'expected', 'decided', 'criteria not met', 'result'];
  const body = rows.map((r) => [r.case, r.expected, r.got, r.criteria.join(' ') || '-', r.ok ? 'ok' : `FAIL: ${r.mismatch}`]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

const OPTIONS = { cases: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

export const policyCheck: Command = {
  name: 'policy check',
  summary: 'validate a coverage policy file and run it against its synthetic cases (a table)',
  usage: `Usage: murmur policy check FILE [--cases FILE] [--json]

Validates the coverage policy in FILE (schema, every FHIRPath expression, every %variable
bound; errors name the criterion and the field), then decides each of its synthetic cases
(cases/<policy id>.cases.json beside it, or --cases) and prints a table: the expected and
decided outcome and the criteria not met, per case.

  --cases FILE   the cases file (default: cases/<policy id>.cases.json next to FILE)
  --json         print the rows as JSON

Exit status: 0 when every case is decided as expected, 1 when one is not, 2 on a bad file.`,
  options: { cases: { type: 'string' }, json: { type: 'boolean' } },
  async run(argv) {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true });
    } catch (e) {
      throw new MurmurError('E_INPUT', `${(e as Error).message.replace(/\. To specify.*$/, '')}\n\n${this.usage}`);
    }
    if (parsed.values.help) return (void process.stdout.write(`${this.usage}\n`), 0);
    if (parsed.positionals.length !== 1) throw new MurmurError('E_INPUT', `name one policy FILE\n\n${this.usage}`);
    const file = parsed.positionals[0]!;
    const policy = parsePolicy(readJson(file, 'policy file'));
    const casesFile = typeof parsed.values.cases === 'string' ? parsed.values.cases : casesFileFor(file, policy.id);
    const cases = parsePolicyCases(readJson(casesFile, 'cases file'), policy);
    const rows = checkPolicyCases(policy, cases);
    if (parsed.values.json) process.stdout.write(`${JSON.stringify({ policy: { id: policy.id, version: policy.version }, rows }, null, 2)}\n`);
    else process.stdout.write(`${policy.id} ${policy.version}: ${rows.filter((r) => r.ok).length} of ${rows.length} cases as expected\n\n${caseTable(rows)}\n`);
    return rows.every((r) => r.ok) ? 0 : 1;
  },
};
