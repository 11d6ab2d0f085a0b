import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { readPasRequestFile } from '../../../fhir/pas/request.js';
import { parseCommandArgs, type Command } from '../args.js';
import { PROOFS_HELP, ProofsOption, resolveProofs } from '../proofs.js';
import { DECISION_HOURS_HELP, DecisionHoursOption, timeframesOf } from '../decision-hours.js';

const Options = z.object({
  proofs: ProofsOption,
  headless: z.boolean().default(false),
  'no-open': z.boolean().default(false),
  'data-dir': z.string().min(1).optional(),
  'decision-hours': DecisionHoursOption,
  variant: z
    .string()
    .regex(/^[a-z0-9-]+$/, 'is a variant name such as reference or titer-1-100')
    .default('reference'),
});

/** The repository root, from dist/app/cli/commands/ or app/cli/commands/. */
function repoRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return resolve(here, here.includes(`${join('dist', 'app')}`) ? '../../../..' : '../../..');
}

export const demo: Command = {
  name: 'demo',
  summary: 'run the reference prior-authorization case end to end and show its trace',
  usage: `Usage: murmur demo [--headless] [--no-open] [--variant NAME] [--data-dir DIR] [--decision-hours S,E]

Starts the embedded FHIR server (seeded with a synthetic patient), the SQLite board and the
nodes of the four organizations, runs the reference case, and prints the T0–T6 trace as it
happens and the decision.

  --headless       exit when the case is done (otherwise keep the nodes up until Ctrl-C)
  --no-open        serve the consoles and print their URLs without opening a browser or window
  --variant NAME   synthetic patient variant (default: reference; see fhir/synthetic/bundles)
  --data-dir DIR   where the board, FHIR journal and archive go (default: .murmur/runs/<time>)
${DECISION_HOURS_HELP}
${PROOFS_HELP}`,
  options: {
    proofs: { type: 'string' },
    headless: { type: 'boolean' },
    'no-open': { type: 'boolean' },
    'data-dir': { type: 'string' },
    'decision-hours': { type: 'string' },
    variant: { type: 'string' },
  },
  async run(argv) {
    const { values, help } = parseCommandArgs(this, argv, Options);
    if (help) {
      process.stdout.write(`${this.usage}\n`);
      return 0;
    }
    const root = repoRoot();
    const request = await readPasRequestFile(join(root, 'fhir', 'synthetic', 'bundles', `${values.variant}.json`));
    const dataDir = values['data-dir'] ?? join(root, '.murmur', 'runs', new Date().toISOString().replace(/[:.]/g, '-'));
    mkdirSync(dataDir, { recursive: true });
    const out = (line: string): void => void process.stdout.write(`${line}\n`);
    out(`Murmur demo: a prior authorization for onasemnogene abeparvovec (J3399), no orchestrator.`);
    out(`Starting the embedded FHIR server, the board and four organizations' nodes (data in ${dataDir})…`);
    // Loaded once the input is known good: the node's libraries take a second to load.
    const { startEmbedded } = await import('../../node/embedded.js');
    const { followTrace } = await import('../follow.js');
    const proofs = await resolveProofs(values.proofs, out);
    const { LogHub } = await import('../../node/console/logs.js');
    const logs = new LogHub();
    // Interactive runs also open the payer's PAS API, with one demo EHR client registered.
    const ehr = values.headless ? undefined : await (await import('../pas-demo-client.js')).demoEhrClient(dataDir);
    const env = await startEmbedded({ dataDir, proofs, logger: logs.logger(), ...(ehr ? { pas: { clients: [ehr.registration] } } : {}) });
    out(`FHIR server ${env.fhirBase}; organizations: ${env.coalition.nodes.map((n) => n.spec.name).join(', ')}`);
    out(`Privacy: credentials on cards and claims, every section sealed; zero-knowledge proofs ${proofs ? 'on' : 'off'}.\n`);
    const stop = followTrace(env.coalition.payer, out, process.stdout.isTTY);
    const started = Date.now();
    try {
      // A run killed mid-case left it on the board: finish that one rather than open another.
      const open = env.unfinished()[0];
      if (open) out(`Resuming case ${open} from this folder's earlier run…`);
      const result = open ? await env.resume(open) : await env.run(request);
      stop();
      const d = result.decision;
      out('');
      out(`Decision: ${d.outcome.toUpperCase()} in ${((Date.now() - started) / 1000).toFixed(1)} s (case ${result.caseId})`);
      for (const r of d.reasons) out(`  reason: ${r}`);
      for (const m of d.missing) out(`  missing: ${m.description}`);
      for (const c of d.caveats) out(`  caveat: ${c.text}`);
      const adj = JSON.stringify(result.claimResponse).match(/"code":"(A[134])"/)?.[1];
      out(
        `PAS ClaimResponse: outcome ${String(result.claimResponse.outcome)}, review action ${adj ?? '?'}${result.claimResponse.preAuthRef ? `, preAuthRef ${String(result.claimResponse.preAuthRef)}` : ''}`,
      );
      out(`Board archived to ${join(dataDir, 'archive', `${result.caseId}.jsonl`)}`);
      if (values.headless) return 0;
      // npm start: the four organizations' consoles, in Electron windows where its binary is
      // present, otherwise in the default browser (the first) with all four URLs printed.
      const { serveConsoles, electronBinary, openElectron, openInBrowser, writeReadyFile } = await import('../consoles.js');
      const readyFile = join(dataDir, 'consoles.json');
      const consoles = await serveConsoles(env, { root, logs, readyFile, ...timeframesOf(values['decision-hours']) });
      writeReadyFile(readyFile, consoles, true);
      out('\nConsoles (loopback only; each URL carries its launch token):');
      for (const c of consoles.consoles) {
        out(`  ${c.org.name.padEnd(24)} ${c.server.launchUrl}`);
        for (const op of c.server.operators) out(`    signed in as ${op.name.padEnd(18)} ${op.launchUrl}`);
      }
      if (env.pas && ehr) {
        out(`\nPayer PAS API: ${env.pas.baseUrl} (CapabilityStatement at /metadata; POST Claim/$submit, Claim/$inquire, Subscription).`);
        out(`  SMART backend services: token endpoint ${env.pas.tokenUrl}, demo client "${ehr.registration.clientId}", its private key in ${ehr.keyFile}.`);
        out(
          `  Subscriptions of the demo client may notify ${ehr.registration.notificationEndpoints.join(', ')}… (the endpoints a client registered, nowhere else).`,
        );
      }
      const electron = values['no-open'] ? undefined : electronBinary(root);
      const first = consoles.consoles[0]!.server;
      const opened = values['no-open']
        ? false
        : electron
          ? (openElectron(electron, root, readyFile), true)
          : await openInBrowser(first.operators[0]?.launchUrl ?? first.launchUrl);
      const how = electron
        ? 'Opened Electron windows.'
        : opened
          ? 'Opened the first console in the default browser.'
          : values['no-open']
            ? 'Open a console URL above in a browser.'
            : 'No browser could be opened here: open a console URL above.';
      out(`\n${how} Nodes stay up (FHIR server ${env.fhirBase}). Press Ctrl-C to stop.`);
      await new Promise<void>((resolveStop) => process.once('SIGINT', () => resolveStop()));
      await consoles.close();
      return 0;
    } finally {
      await env.close();
    }
  },
};
