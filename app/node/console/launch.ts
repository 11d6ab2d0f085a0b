import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readPasRequestFile } from '../../../fhir/pas/request.js';
import type { Embedded } from '../embedded.js';
import type { LogHub } from './logs.js';
import type { OrgRef } from './protocol.js';
import { startConsoleServer, type ConsoleServer } from './server.js';

export interface OrgConsole {
  org: OrgRef;
  server: ConsoleServer;
}

export interface Consoles {
  consoles: OrgConsole[];
  close(): Promise<void>;
}

/** The synthetic request variants shipped with the repository. */
export function syntheticVariants(root: string): string[] {
  return readdirSync(join(root, 'fhir', 'synthetic', 'bundles'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/**
 * Starts one console server per organization of an embedded coalition, each on its own
 * loopback port with its own token. The payer's console can submit synthetic requests.
 */
export async function startConsoles(env: Embedded, o: { root: string; uiDir: string; logs: LogHub; tokens?: Record<string, string>; keyStore?: string }): Promise<Consoles> {
  const directory: OrgRef[] = env.coalition.nodes.map((n) => ({ id: n.spec.id, name: n.spec.name, kind: n.spec.kind, did: n.did }));
  const variants = syntheticVariants(o.root);
  const consoles: OrgConsole[] = [];
  for (const node of env.coalition.nodes) {
    const isPayer = node === env.coalition.payer;
    const server = await startConsoleServer({
      node,
      directory,
      uiDir: o.uiDir,
      logs: o.logs,
      ...(env.coalition.charter ? { status: env.coalition.charter.status } : {}),
      ...(isPayer
        ? {
            submit: async (variant: string) => env.run(await readPasRequestFile(join(o.root, 'fhir', 'synthetic', 'bundles', `${variant}.json`))),
            variants,
          }
        : {}),
      ...(o.tokens?.[node.spec.id] ? { token: o.tokens[node.spec.id]! } : {}),
      ...(o.keyStore ? { keyStore: o.keyStore } : {}),
    });
    consoles.push({ org: directory.find((d) => d.did === node.did)!, server });
  }
  return { consoles, close: async () => void (await Promise.all(consoles.map((c) => c.server.close()))) };
}
