import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { readPasRequestFile } from '../../../fhir/pas/request.js';
import { parseCommandArgs, type Command } from '../args.js';
import { PROOFS_HELP, ProofsOption, resolveProofs } from '../proofs.js';

const Options = z.object({
  proofs: ProofsOption,
  bundle: z.string({ error: 'is required: the PAS request Bundle (JSON file)' }).min(1),
  fhir: z.url({ error: 'must be a FHIR base URL, e.g. http://127.0.0.1:8103/fhir/R4' }).optional(),
  'data-dir': z.string().min(1).optional(),
  timeout: z.coerce.number({ error: 'must be a number of seconds' }).positive().max(3600).default(120),
  report: z.enum(['disclosure'], { error: 'takes one report name: disclosure' }).optional(),
});

export const caseRun: Command = {
  name: 'case run',
  summary: 'run one case from a PAS request Bundle and print the ClaimResponse',
  usage: `Usage: murmur case run --bundle FILE [--fhir URL] [--data-dir DIR] [--timeout SECONDS]

Runs one prior-authorization case from a PAS request Bundle through the coalition and prints
the PAS ClaimResponse JSON on stdout; progress goes to stderr.

  --bundle FILE     PAS request Bundle (a Claim with use = preauthorization)
  --fhir URL        FHIR server to use (default: start the embedded one)
  --data-dir DIR    where the board, FHIR journal and archive go (default: a temp folder)
  --timeout SECONDS give up after this long (default 120)
${PROOFS_HELP}
  --report disclosure
                    after the ClaimResponse, print the minimum-necessary matrix as JSON
                    (what each organization may read, could decrypt and did decrypt)

Exit status: 0 when a decision (approved, denied or pended) was reached, 2 on bad input,
1 on any other failure.`,
  options: {
    proofs: { type: 'string' },
    bundle: { type: 'string' },
    fhir: { type: 'string' },
    'data-dir': { type: 'string' },
    timeout: { type: 'string' },
    report: { type: 'string' },
  },
  async run(argv) {
    const { values, help } = parseCommandArgs(this, argv, Options);
    if (help) {
      process.stdout.write(`${this.usage}\n`);
      return 0;
    }
    // Validate the whole request before anything starts: bad input writes nothing anywhere.
    const request = await readPasRequestFile(values.bundle);
    const dataDir = values['data-dir'] ?? mkdtempSync(join(tmpdir(), 'murmur-case-'));
    // Loaded once the input is known good: the node's libraries take a second to load.
    const { startEmbedded } = await import('../../node/embedded.js');
    const { followTrace } = await import('../follow.js');
    const proofs = await resolveProofs(values.proofs, (line) => process.stderr.write(`${line}\n`));
    const env = await startEmbedded({ dataDir, proofs, ...(values.fhir ? { fhirBase: values.fhir } : {}) });
    try {
      const stop = followTrace(env.coalition.payer, (line) => process.stderr.write(`${line}\n`), process.stderr.isTTY);
      const result = await env.run(request, values.timeout * 1000);
      stop();
      process.stderr.write(`decision: ${result.outcome} (case ${result.caseId}; board and archive in ${dataDir})\n`);
      process.stdout.write(`${JSON.stringify(result.claimResponse, null, 2)}\n`);
      if (values.report === 'disclosure') {
        const { coalitionMatrix } = await import('../../node/disclosure.js');
        process.stdout.write(`${JSON.stringify(coalitionMatrix(env.coalition, result.caseId), null, 2)}\n`);
      }
      return 0;
    } finally {
      await env.close();
    }
  },
};
