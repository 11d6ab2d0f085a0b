import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { MurmurError } from '../../../core/common/errors.js';

/**
 * A local etcd cluster for development and tests: `members` etcd processes on loopback, one
 * data folder each, with revision auto-compaction on. On a real deployment each organization
 * runs its own member on its own host (docs/deployment.md); the flags are the same.
 */
export interface EtcdClusterOptions {
  dir: string;
  members?: number;
  /** Member i listens for clients on basePort + 2i and for peers on basePort + 2i + 1 (default: a free range). */
  basePort?: number;
  token?: string;
  /** Revisions of history kept by auto-compaction (default 10,000). */
  retention?: number;
  etcdBinary?: string;
}

export interface EtcdMember {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  process: ChildProcess | undefined;
}

export interface EtcdCluster {
  members: EtcdMember[];
  /** Client endpoints, `127.0.0.1:port`, for EtcdBoardStore `hosts` or an `etcd://` URL. */
  hosts: string[];
  boardUrl: string;
  kill(i: number, signal?: NodeJS.Signals): Promise<void>;
  restart(i: number): Promise<void>;
  stop(): Promise<void>;
}

/** $MURMUR_ETCD, else etcd on PATH (npm test's preparation checks the same, test/support/prerequisites.ts). */
export function etcdBinary(): string {
  const set = process.env['MURMUR_ETCD'];
  if (set) return set;
  const found = spawnSync('sh', ['-c', 'command -v etcd || ls /usr/bin/etcd'], { encoding: 'utf8' });
  const path = found.stdout.trim().split('\n')[0];
  if (!path) throw new MurmurError('E_NOT_FOUND', 'etcd is not installed: apt-get install -y etcd-server etcd-client (Debian) or put etcd on PATH');
  return path;
}

/** Command line of member `i` of a cluster (also what a deployment script runs per host). */
export function memberArgs(
  name: string,
  dataDir: string,
  clientPort: number,
  peerPort: number,
  initialCluster: string,
  token: string,
  retention: number,
): string[] {
  return [
    '--name',
    name,
    '--data-dir',
    dataDir,
    '--listen-client-urls',
    `http://127.0.0.1:${clientPort}`,
    '--advertise-client-urls',
    `http://127.0.0.1:${clientPort}`,
    '--listen-peer-urls',
    `http://127.0.0.1:${peerPort}`,
    '--initial-advertise-peer-urls',
    `http://127.0.0.1:${peerPort}`,
    '--initial-cluster',
    initialCluster,
    '--initial-cluster-token',
    token,
    '--initial-cluster-state',
    'new',
    '--auto-compaction-mode',
    'revision',
    '--auto-compaction-retention',
    String(retention),
    '--heartbeat-interval',
    '100',
    '--election-timeout',
    '1000',
    '--log-level',
    'error',
    '--logger',
    'zap',
  ];
}

export async function startEtcdCluster(o: EtcdClusterOptions): Promise<EtcdCluster> {
  const bin = o.etcdBinary ?? etcdBinary();
  const n = o.members ?? 3;
  const basePort = o.basePort ?? (await freePortRange(2 * n));
  const token = o.token ?? `murmur-${basePort}`;
  const members: EtcdMember[] = [];
  for (let i = 0; i < n; i++) {
    const name = `m${i + 1}`;
    members.push({
      name,
      clientUrl: `127.0.0.1:${basePort + 2 * i}`,
      peerUrl: `http://127.0.0.1:${basePort + 2 * i + 1}`,
      dataDir: join(o.dir, name),
      process: undefined,
    });
  }
  const initialCluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
  const launch = (i: number): void => {
    const m = members[i]!;
    mkdirSync(m.dataDir, { recursive: true });
    const log = openSync(join(o.dir, `${m.name}.log`), 'a');
    const args = memberArgs(m.name, m.dataDir, basePort + 2 * i, basePort + 2 * i + 1, initialCluster, token, o.retention ?? 10_000);
    m.process = spawn(bin, args, { stdio: ['ignore', log, log] });
    closeSync(log);
  };
  const waitUp = async (i: number): Promise<void> => {
    const [host, port] = members[i]!.clientUrl.split(':');
    for (let t = 0; t < 200; t++) {
      if (await canConnect(host!, Number(port))) return;
      if (members[i]!.process?.exitCode !== null && members[i]!.process?.exitCode !== undefined) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new MurmurError('E_STORE', `etcd member ${members[i]!.name} did not start (see ${join(o.dir, `${members[i]!.name}.log`)})`);
  };
  const kill = async (i: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const p = members[i]!.process;
    members[i]!.process = undefined;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill(signal);
    await exited;
  };
  try {
    for (let i = 0; i < n; i++) launch(i);
    for (let i = 0; i < n; i++) await waitUp(i);
  } catch (e) {
    for (let i = 0; i < n; i++) await kill(i);
    throw e;
  }
  const hosts = members.map((m) => m.clientUrl);
  return {
    members,
    hosts,
    boardUrl: `etcd://${hosts.join(',')}`,
    kill,
    async restart(i) {
      await kill(i);
      launch(i);
      await waitUp(i);
    },
    async stop() {
      for (let i = 0; i < n; i++) await kill(i, 'SIGTERM');
    },
  };
}

/** A base port whose next `count` loopback ports are all free now. */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + 2 * Math.floor(Math.random() * 10_000);
    let free = true;
    for (let p = base; p < base + count && free; p++) free = await canListen(p);
    if (free) return base;
  }
  throw new MurmurError('E_STORE', 'no free range of loopback ports for etcd');
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => (s.destroy(), resolve(false)));
  });
}
