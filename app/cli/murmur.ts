import './quiet.js';
import { errorMessage, isMurmurError } from '../../core/common/errors.js';
import type { Command } from './args.js';
import { auditProve, auditReport, auditVerify } from './commands/audit.js';
import { caseRun } from './commands/case-run.js';
import { consoleCommand } from './commands/console.js';
import { demo } from './commands/demo.js';
import { clusterDown, clusterUp } from './commands/cluster.js';
import { caseSubmit, node } from './commands/node.js';
import { policyCheck } from './commands/policy.js';
import { sim } from './commands/sim.js';
import { zkBuild, zkCeremony, zkSelftest } from './commands/zk.js';

const COMMANDS: Command[] = [
  demo,
  caseRun,
  caseSubmit,
  node,
  clusterUp,
  clusterDown,
  sim,
  consoleCommand,
  auditVerify,
  auditProve,
  auditReport,
  policyCheck,
  zkBuild,
  zkSelftest,
  zkCeremony,
];

const USAGE = `Usage: murmur <command> [options]

Prior authorization by a coalition of organizations' agents, with no orchestrator.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`).join('\n')}

Run \`murmur <command> --help\` for a command's options.`;

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  const command = COMMANDS.find((c) => {
    const words = c.name.split(' ');
    return words.every((w, i) => argv[i] === w);
  });
  if (!command) {
    process.stderr.write(`murmur: unknown command '${argv.slice(0, 2).join(' ')}'\n\n${USAGE}\n`);
    return 2;
  }
  return command.run(argv.slice(command.name.split(' ').length));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (isMurmurError(e, 'E_INPUT') || isMurmurError(e, 'E_SCHEMA')) {
      process.stderr.write(`murmur: ${e.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`murmur: ${errorMessage(e)}\n`);
    process.exit(1);
  },
);
