import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { MurmurError } from '../../../core/common/errors.js';
import { parseCommandArgs, type Command } from '../args.js';

const UpOptions = z.object({
  dir: z.string().min(1).default('.murmur/cluster'),
  members: z.coerce.number({ error: 'must be a number' }).int().min(1).max(7).default(3),
  fhir: z.url({ error: 'must be a FHIR base URL, e.g. http://127.0.0.1:8103/fhir/R4' }).optional(),
});

export const clusterUp: Command = {
  name: 'cluster up',
  summary: 'start a local etcd cluster and four org nodes as separate processes (loopback)',
  usage: `Usage: murmur cluster up [--dir DIR] [--members N] [--fhir URL]

Starts N etcd members (default 3) and the four reference organizations' nodes, each its own
process, on 127.0.0.1; provisions each organization's folder (config.json, sealed wallet)
and the shared charter under DIR/orgs; starts the embedded FHIR server unless --fhir is
given. Writes DIR/cluster.json (URLs and pids) and stays in the foreground; Ctrl-C or
\`murmur cluster down --dir DIR\` stops everything it started.

  --dir DIR       working folder (default .murmur/cluster; its previous content is replaced)
  --members N     etcd members (default 3)
  --fhir URL      an existing FHIR server instead of the embedded one`,
  options: { dir: { type: 'string' }, members: { type: 'string' }, fhir: { type: 'string' } },
  async run(argv) {
    const { values, help } = parseCommandArgs(this, argv, UpOptions);
    if (help) {
      process.stdout.write(`${this.usage}\n`);
      return 0;
    }
    const dir = resolve(values.dir);
    const statePath = join(dir, 'cluster.json');
    if (existsSync(statePath) && isAlive(readState(statePath).pid))
      throw new MurmurError('E_CONFLICT', `a cluster is already up in ${dir} (murmur cluster down --dir ${values.dir})`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const { startFhirServer } = await import('../../../fhir/server/embedded-server.js');
    const { startLocalCluster } = await import('../../node/process/local-cluster.js');
    const fhir = values.fhir ? undefined : await startFhirServer({ port: 0, journalPath: join(dir, 'fhir-journal.jsonl') });
    const fhirBase = values.fhir ?? fhir!.baseUrl;
    const cluster = await startLocalCluster({ dir, fhir: fhirBase, members: values.members }).catch(async (e: unknown) => {
      await fhir?.close();
      throw e;
    });
    const state = {
      pid: process.pid,
      fhir: fhirBase,
      board: cluster.etcd.boardUrl,
      etcd: cluster.etcd.members.map((m) => ({ name: m.name, client: m.clientUrl, pid: m.process?.pid })),
      nodes: Object.fromEntries([...cluster.nodes.values()].map((n) => [n.org, { api: n.api, pid: n.child?.pid, config: n.config }])),
    };
    writeFileSync(statePath, `${JSON.stringify(state, null, 2)}\n`);
    const out = (line: string): void => void process.stdout.write(`${line}\n`);
    out(`etcd: ${cluster.etcd.boardUrl}`);
    out(`FHIR: ${fhirBase}`);
    for (const n of cluster.nodes.values()) out(`node ${n.org.padEnd(10)} ${n.api}  (config ${n.config})`);
    const payer = cluster.nodes.get('northwind');
    out(
      `\nSubmit a case: murmur case submit --node ${payer?.api ?? '<payer api>'} --token-file ${payer?.tokenFile ?? '<payer data>/api-token'} --fhir ${fhirBase} --bundle fhir/synthetic/bundles/reference.json`,
    );
    out(`Stop: Ctrl-C, or murmur cluster down --dir ${values.dir}`);
    await new Promise<void>((done) => {
      process.once('SIGINT', () => done());
      process.once('SIGTERM', () => done());
    });
    out('stopping the cluster…');
    await cluster.stop();
    await fhir?.close();
    rmSync(statePath, { force: true });
    return 0;
  },
};

const DownOptions = z.object({ dir: z.string().min(1).default('.murmur/cluster') });

export const clusterDown: Command = {
  name: 'cluster down',
  summary: 'stop a cluster started by `murmur cluster up`',
  usage: `Usage: murmur cluster down [--dir DIR]

Asks the \`murmur cluster up\` process of DIR to stop its nodes, etcd members and FHIR server,
and waits (up to 30 s) until it has.`,
  options: { dir: { type: 'string' } },
  async run(argv) {
    const { values, help } = parseCommandArgs(this, argv, DownOptions);
    if (help) {
      process.stdout.write(`${this.usage}\n`);
      return 0;
    }
    const statePath = join(resolve(values.dir), 'cluster.json');
    if (!existsSync(statePath)) throw new MurmurError('E_INPUT', `--dir: no cluster is up in ${values.dir} (no cluster.json)`, { option: 'dir' });
    const { pid } = readState(statePath);
    if (isAlive(pid)) process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 300 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    if (isAlive(pid)) throw new MurmurError('E_TIMEOUT', `the cluster process ${pid} did not stop within 30 s`);
    rmSync(statePath, { force: true });
    process.stdout.write('cluster stopped\n');
    return 0;
  },
};

function readState(path: string): { pid: number } {
  const state = JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown };
  if (typeof state.pid !== 'number') throw new MurmurError('E_INPUT', `${path}: no pid`);
  return { pid: state.pid };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
