import { z } from 'zod';
import { readPasRequestFile } from '../../../fhir/pas/request.js';
import { parseCommandArgs, type Command } from '../args.js';

const NodeOptions = z.object({
  org: z.string({ error: "is required: the organization's config.json" }).min(1),
  board: z.string().min(1).optional(),
  fhir: z.url({ error: 'must be a FHIR base URL, e.g. http://127.0.0.1:8103/fhir/R4' }).optional(),
  'log-level': z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export const node: Command = {
  name: 'node',
  summary: "run one organization's node as its own process (etcd or board-service board)",
  usage: `Usage: murmur node --org CONFIG [--board URL] [--fhir URL] [--log-level LEVEL]

Runs one organization's agents, replica and audit trail, sharing nothing with other
organizations but the board. The wallet passphrase is read from the environment variable
named by the config's passphraseEnv. Prints one JSON line {"event":"node.ready",...} on
stdout when up; logs (JSON lines, no PHI) go to stderr. Stops on SIGTERM or SIGINT.

  --org CONFIG      the organization's config.json (schema: docs/deployment.md)
  --board URL       override the config's board: etcd://h1:2379,h2:2379,h3:2379 or http://board-service
  --fhir URL        override the config's FHIR base URL
  --log-level LEVEL debug | info | warn | error (default info)`,
  options: { org: { type: 'string' }, board: { type: 'string' }, fhir: { type: 'string' }, 'log-level': { type: 'string' } },
  async run(argv) {
    const { values, help } = parseCommandArgs(this, argv, NodeOptions);
    if (help) {
      process.stdout.write(`${this.usage}\n`);
      return 0;
    }
    const { loadNodeConfig } = await import('../../node/process/config.js');
    // Overrides go through the same schema, so a bad --board is reported like a bad file.
    const config = loadNodeConfig(values.org, { ...(values.board ? { board: values.board } : {}), ...(values.fhir ? { fhir: values.fhir } : {}) });
    const { streamLogger } = await import('../../../core/common/log.js');
    const { runOrgProcess } = await import('../../node/process/org-process.js');
    const logger = streamLogger(undefined, values['log-level'], { org: config.org.id });
    const running = await runOrgProcess(config, { logger });
    process.stdout.write(
      `${JSON.stringify({ event: 'node.ready', org: config.org.id, did: running.node.did, api: running.api.url, apiTokenFile: running.apiTokenFile, ...(running.boardService ? { boardService: running.boardService.url } : {}), ...(running.pas ? { pas: running.pas.baseUrl } : {}), lastIndex: running.node.replica.fold.lastIndex })}\n`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', () => resolve());
      process.once('SIGINT', () => resolve());
    });
    logger.log('info', 'node.stopping', {});
    await running.stop();
    return 0;
  },
};

const SubmitOptions = z.object({
  node: z.url({ error: 'must be the payer node\'s API URL (printed as "api" when it starts)' }),
  bundle: z.string({ error: 'is required: the PAS request Bundle (JSON file)' }).min(1),
  fhir: z.url({ error: 'must be a FHIR base URL, e.g. http://127.0.0.1:8103/fhir/R4' }),
  'token-file': z
    .string({ error: 'is required: the payer node\'s API token file (api-token in its data folder, printed as "apiTokenFile" when it starts)' })
    .min(1),
  timeout: z.coerce.number({ error: 'must be a number of seconds' }).positive().max(3600).default(120),
});

export const caseSubmit: Command = {
  name: 'case submit',
  summary: 'submit a PAS request Bundle to a running payer node and print the ClaimResponse',
  usage: `Usage: murmur case submit --node URL --bundle FILE --fhir URL --token-file FILE [--timeout SECONDS]

Stores the PAS request Bundle on the FHIR server, submits the case to the payer
organization's running node (its API URL), waits for the coalition to decide and dissolve,
and prints the PAS ClaimResponse JSON on stdout; progress goes to stderr.

  --node URL        the payer node's API, e.g. http://127.0.0.1:7410
  --bundle FILE     PAS request Bundle (a Claim with use = preauthorization)
  --fhir URL        FHIR server the organizations read
  --token-file FILE the payer node's API token (api-token in its data folder, mode 0600)
  --timeout SECONDS give up after this long (default 120)`,
  options: { node: { type: 'string' }, bundle: { type: 'string' }, fhir: { type: 'string' }, 'token-file': { type: 'string' }, timeout: { type: 'string' } },
  async run(argv) {
    const { values, help } = parseCommandArgs(this, argv, SubmitOptions);
    if (help) {
      process.stdout.write(`${this.usage}\n`);
      return 0;
    }
    const request = await readPasRequestFile(values.bundle);
    const { submitAndWait } = await import('../../node/process/case-client.js');
    const { readNodeApiToken } = await import('../../node/process/case-client.js');
    const token = readNodeApiToken(values['token-file']);
    const result = await submitAndWait({ url: values.node, token }, values.fhir, request, values.timeout * 1000, (line) => process.stderr.write(`${line}\n`));
    process.stderr.write(`decision: ${result.outcome} (case ${result.caseId})\n`);
    process.stdout.write(`${JSON.stringify(result.claimResponse, null, 2)}\n`);
    return 0;
  },
};
