import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { errorMessage } from '../../../core/common/errors.js';
import { readPasRequestFile } from '../../../fhir/pas/request.js';
import { parseCommandArgs, type Command } from '../args.js';
import { DECISION_HOURS_HELP, DecisionHoursOption, timeframesOf } from '../decision-hours.js';

const Variants = z
  .string()
  .regex(/^([a-z0-9-]+)(,[a-z0-9-]+)*$/, 'is a comma-separated list of variant names such as reference,missing-titer')
  .default('reference');

const Options = z.object({
  run: z.union([Variants, z.literal('')]).default('reference'),
  'data-dir': z.string().min(1).optional(),
  'ready-file': z.string().min(1).optional(),
  'wallet-key-stdin': z.boolean().default(false),
  open: z.boolean().default(false),
  'decision-hours': DecisionHoursOption,
});

function repoRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return resolve(here, here.includes(`${join('dist', 'app')}`) ? '../../../..' : '../../..');
}

async function readStdinLine(): Promise<string> {
  let data = '';
  for await (const chunk of process.stdin) {
    data += String(chunk);
    if (data.includes('\n')) break;
  }
  return data.split('\n')[0]!.trim();
}

export const consoleCommand: Command = {
  name: 'console',
  summary: "serve the four organizations' consoles (loopback only, one token per launch)",
  usage: `Usage: murmur console [--run VARIANTS] [--data-dir DIR] [--ready-file FILE] [--open] [--wallet-key-stdin] [--decision-hours S,E]

Starts the embedded coalition (FHIR server, SQLite board, four organizations' nodes), runs the
given synthetic requests, and serves each organization's console on 127.0.0.1 with its own
token. Prints the four console URLs and keeps running until Ctrl-C.

  --run VARIANTS      synthetic requests to run first, comma-separated (default: reference;
                      e.g. reference,missing-titer; empty for none)
  --data-dir DIR      where the board, FHIR journal and archive go (default: .murmur/console/<time>)
  --ready-file FILE   write the consoles' URLs (with tokens) as JSON to FILE (mode 0600) once up
  --open              open the first console in the default browser
  --wallet-key-stdin  read the key that seals the wallets at rest from stdin (the Electron shell
                      passes the one it keeps in the OS key store)
${DECISION_HOURS_HELP}`,
  options: {
    run: { type: 'string' },
    'data-dir': { type: 'string' },
    'ready-file': { type: 'string' },
    open: { type: 'boolean' },
    'wallet-key-stdin': { type: 'boolean' },
    'decision-hours': { type: 'string' },
  },
  async run(argv) {
    const { values, help } = parseCommandArgs(this, argv, Options);
    if (help) {
      process.stdout.write(`${this.usage}\n`);
      return 0;
    }
    const root = repoRoot();
    const variants = values.run ? values.run.split(',') : [];
    const requests = await Promise.all(variants.map((v) => readPasRequestFile(join(root, 'fhir', 'synthetic', 'bundles', `${v}.json`))));
    const walletKey = values['wallet-key-stdin'] ? await readStdinLine() : undefined;
    const dataDir = values['data-dir'] ?? join(root, '.murmur', 'console', new Date().toISOString().replace(/[:.]/g, '-'));
    mkdirSync(dataDir, { recursive: true });
    const out = (line: string): void => void process.stdout.write(`${line}\n`);
    const { startEmbedded } = await import('../../node/embedded.js');
    const { LogHub } = await import('../../node/console/logs.js');
    const { serveConsoles, openInBrowser, writeReadyFile } = await import('../consoles.js');
    const logs = new LogHub();
    out(`Starting the embedded coalition (data in ${dataDir})…`);
    const env = await startEmbedded({ dataDir, logger: logs.logger() });
    const consoles = await serveConsoles(env, {
      root,
      logs,
      ...(values['ready-file'] ? { readyFile: values['ready-file'] } : {}),
      keyStore: walletKey ? 'sealed at rest with a key from the OS key store (Electron safeStorage)' : 'in memory (demo): each launch creates fresh keys',
      ...timeframesOf(values['decision-hours']),
    });
    // Sealed once the consoles have added their operators to the wallets.
    if (walletKey) {
      mkdirSync(join(dataDir, 'wallets'), { recursive: true, mode: 0o700 });
      for (const org of env.coalition.orgs ?? []) {
        writeFileSync(join(dataDir, 'wallets', `${org.spec.id}.json`), JSON.stringify(await org.wallet.seal(walletKey)), { mode: 0o600 });
      }
    }
    for (const c of consoles.consoles) {
      out(`  ${c.org.name.padEnd(24)} ${c.server.launchUrl}`);
      for (const op of c.server.operators) out(`    signed in as ${op.name.padEnd(18)} ${op.launchUrl}`);
    }
    if (values.open && !(await openInBrowser(consoles.consoles[0]!.server.operators[0]?.launchUrl ?? consoles.consoles[0]!.server.launchUrl)))
      out('No browser could be opened here: open a console URL above.');
    try {
      for (const [i, request] of requests.entries()) {
        const started = Date.now();
        const result = await env.run(request);
        out(`Case ${result.caseId} (${variants[i]}): ${result.outcome.toUpperCase()} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
    } catch (e) {
      out(`A case failed: ${errorMessage(e)}`);
    }
    if (values['ready-file']) writeReadyFile(values['ready-file'], consoles, true);
    out('Consoles are up. Press Ctrl-C to stop.');
    await new Promise<void>((resolveStop) => {
      process.once('SIGINT', () => resolveStop());
      process.once('SIGTERM', () => resolveStop());
    });
    await consoles.close();
    await env.close();
    return 0;
  },
};
