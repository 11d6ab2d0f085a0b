import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { Wallet, type OperatorIdentity } from '../../../core/identity/wallet.js';
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

/** The demo's operators: one reviewer per organization (a payer's utilization-review nurse, …). */
export const DEMO_OPERATORS: Readonly<Record<string, { id: string; name: string }[]>> = {
  payer: [
    { id: 'okafor', name: 'Amara Okafor' },
    { id: 'lindqvist', name: 'Erik Lindqvist' },
  ],
  'cds-vendor': [{ id: 'moreau', name: 'Claire Moreau' }],
  'clia-laboratory': [{ id: 'tanaka', name: 'Kenji Tanaka' }],
  pharmacovigilance: [{ id: 'adeyemi', name: 'Tola Adeyemi' }],
};

/** The organization's operators from its wallet, creating the demo's when it has none. */
function operatorsOf(wallet: Wallet, kind: string): OperatorIdentity[] {
  if (wallet.operatorIds().length === 0) for (const x of DEMO_OPERATORS[kind] ?? []) wallet.createOperator(x.id, x.name);
  return wallet.operatorIds().map((id) => wallet.operator(id));
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
export async function startConsoles(
  env: Embedded,
  o: {
    root: string;
    uiDir: string;
    logs: LogHub;
    tokens?: Record<string, string>;
    operatorTokens?: Record<string, string>;
    keyStore?: string;
    timeframes?: { standardHours: number; expeditedHours: number };
    now?: () => number;
  },
): Promise<Consoles> {
  const directory: OrgRef[] = env.coalition.nodes.map((n) => ({ id: n.spec.id, name: n.spec.name, kind: n.spec.kind, did: n.did }));
  const variants = syntheticVariants(o.root);
  const consoles: OrgConsole[] = [];
  for (const node of env.coalition.nodes) {
    const isPayer = node === env.coalition.payer;
    // An organization without a credentialed wallet (no charter) keeps its operators in a wallet of their own.
    const wallet = env.coalition.orgs?.find((x) => x.spec.id === node.spec.id)?.wallet ?? Wallet.empty();
    const operators = operatorsOf(wallet, node.spec.kind).map((identity) => ({
      identity,
      unlock: o.operatorTokens?.[`${node.spec.id}/${identity.id}`] ?? randomBytes(24).toString('base64url'),
    }));
    const server = await startConsoleServer({
      node,
      directory,
      uiDir: o.uiDir,
      logs: o.logs,
      ...(env.coalition.charter ? { status: env.coalition.charter.status } : {}),
      ...(isPayer
        ? {
            // A synthetic request as shipped, or sent as urgent: its Claim's priority set to `stat`.
            submit: async (variant: string, priority: 'normal' | 'stat') => {
              const request = await readPasRequestFile(join(o.root, 'fhir', 'synthetic', 'bundles', `${variant}.json`));
              if (priority === 'stat') {
                const stat = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'stat' }] };
                for (const c of [request.claim, ...(request.bundle.entry ?? []).map((e) => e.resource).filter((r) => r?.resourceType === 'Claim')])
                  (c as { priority?: unknown }).priority = stat;
              }
              return env.run(request);
            },
            variants,
          }
        : {}),
      ...(o.tokens?.[node.spec.id] ? { token: o.tokens[node.spec.id]! } : {}),
      ...(o.keyStore ? { keyStore: o.keyStore } : {}),
      operators,
      ...(o.timeframes ? { timeframes: o.timeframes } : {}),
      ...(o.now ? { now: o.now } : {}),
    });
    consoles.push({ org: directory.find((d) => d.did === node.did)!, server });
  }
  return { consoles, close: async () => void (await Promise.all(consoles.map((c) => c.server.close()))) };
}
