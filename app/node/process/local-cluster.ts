import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { MurmurError } from '../../../core/common/errors.js';
import type { ScryptCost } from '../../../core/crypto/keystore.js';
import { startEtcdCluster, type EtcdCluster } from './etcd-cluster.js';
import { provisionCoalition, type Provisioned } from './provision.js';

/**
 * A coalition on one machine as it would run on several: an etcd cluster (three members by
 * default) and one `murmur node` process per organization, sharing nothing but the board and
 * the FHIR server. Used by `murmur cluster up` and the cluster tests.
 */
export interface LocalClusterOptions {
  dir: string;
  fhir: string;
  members?: number;
  scryptCost?: ScryptCost;
  /** Extra environment for node processes (e.g. MURMUR_LOG_LEVEL). */
  env?: Record<string, string>;
}

export interface OrgProcess {
  org: string;
  config: string;
  child: ChildProcess | undefined;
  api: string | undefined;
  /** The node API's bearer token (read from its api-token file once it is ready). */
  token: string | undefined;
  /** Where that token lives (the node's dataDir/api-token, mode 0600). */
  tokenFile: string | undefined;
}

export interface LocalCluster {
  etcd: EtcdCluster;
  provisioned: Provisioned;
  nodes: Map<string, OrgProcess>;
  startNode(org: string): Promise<OrgProcess>;
  killNode(org: string, signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

const MURMUR_BIN = fileURLToPath(new URL('../../../../bin/murmur.js', import.meta.url));

export async function startLocalCluster(o: LocalClusterOptions): Promise<LocalCluster> {
  const etcd = await startEtcdCluster({ dir: join(o.dir, 'etcd'), members: o.members ?? 3 });
  const nodes = new Map<string, OrgProcess>();
  try {
    const provisioned = await provisionCoalition({
      dir: join(o.dir, 'orgs'),
      board: etcd.boardUrl,
      fhir: o.fhir,
      ...(o.scryptCost ? { scryptCost: o.scryptCost } : {}),
    });
    for (const [org, config] of Object.entries(provisioned.configs))
      nodes.set(org, { org, config, child: undefined, api: undefined, token: undefined, tokenFile: undefined });
    const startNode = async (org: string): Promise<OrgProcess> => {
      const p = nodes.get(org);
      if (!p) throw new MurmurError('E_NOT_FOUND', `no organization ${org} in this cluster`);
      if (p.child && p.child.exitCode === null) return p;
      const log = openSync(join(o.dir, `${org}.log`), 'a');
      const child = spawn(process.execPath, [MURMUR_BIN, 'node', '--org', p.config], {
        stdio: ['ignore', 'pipe', log],
        env: { ...process.env, ...o.env, ...provisioned.env[org] },
      });
      closeSync(log);
      p.child = child;
      p.api = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new MurmurError('E_TIMEOUT', `node ${org} did not become ready in 60 s (see ${join(o.dir, `${org}.log`)})`)),
          60_000,
        );
        child.once(
          'exit',
          (code) => (clearTimeout(timer), reject(new MurmurError('E_INTERNAL', `node ${org} exited with ${code} (see ${join(o.dir, `${org}.log`)})`))),
        );
        createInterface({ input: child.stdout! }).on('line', (line) => {
          try {
            const msg = JSON.parse(line) as { event?: string; api?: string; apiTokenFile?: string };
            if (msg.event === 'node.ready' && msg.api) {
              clearTimeout(timer);
              p.tokenFile = msg.apiTokenFile;
              p.token = msg.apiTokenFile ? readFileSync(msg.apiTokenFile, 'utf8').trim() : undefined;
              resolve(msg.api);
            }
          } catch {
            // not a protocol line
          }
        });
      });
      return p;
    };
    const killNode = async (org: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
      const p = nodes.get(org);
      const child = p?.child;
      if (!p || !child) return;
      p.child = undefined;
      p.api = undefined;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    };
    await Promise.all([...nodes.keys()].map((org) => startNode(org)));
    return {
      etcd,
      provisioned,
      nodes,
      startNode,
      killNode,
      async stop() {
        for (const org of nodes.keys()) await killNode(org, 'SIGTERM');
        await etcd.stop();
      },
    };
  } catch (e) {
    for (const p of nodes.values()) p.child?.kill('SIGKILL');
    await etcd.stop();
    throw e;
  }
}
