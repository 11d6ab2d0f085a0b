import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Random } from '../../../core/common/random.js';
import { cryptoRandom } from '../../../core/common/random.js';
import { systemClock, type Clock } from '../../../core/common/clock.js';
import type { ScryptCost } from '../../../core/crypto/keystore.js';
import { charterToJson, credentialedCoalition, openOrg, sealOrg, type CredentialedOrg, type OrgWalletFile } from '../charter.js';
import type { OrgSpec } from '../identity.js';
import { REFERENCE_ORGS, STARTING_REPUTATION } from '../reference-coalition.js';
import type { NodeConfig } from './config.js';

export interface ProvisionOptions {
  dir: string;
  board: string;
  fhir: string;
  orgs?: readonly OrgSpec[];
  /** Passphrase per organization (default: random, written to `<dir>/secrets.env`, dev only). */
  passphrases?: Record<string, string>;
  /** API port per organization (default 0: any free port, announced on stdout). */
  apiPorts?: Record<string, number>;
  boardService?: { org: string; port: number };
  random?: Random;
  clock?: Clock;
  scryptCost?: ScryptCost;
}

export interface Provisioned {
  charterPath: string;
  configs: Record<string, string>;
  /** Environment a node process needs: its passphrase variable. */
  env: Record<string, Record<string, string>>;
}

export const passphraseEnvOf = (org: string): string => `MURMUR_PASSPHRASE_${org.toUpperCase().replace(/-/g, '_')}`;

/**
 * Creates a coalition at rest: the charter every node holds (trust registry, status lists,
 * genesis reputations, members), and per organization a folder with its sealed wallet and
 * its node's config.json. On four hosts, each organization provisions its own wallet and
 * the charter is agreed out of band (docs/deployment.md); this does all of it on one host.
 */
export async function provisionCoalition(o: ProvisionOptions): Promise<Provisioned> {
  const specs = o.orgs ?? REFERENCE_ORGS;
  const random = o.random ?? cryptoRandom;
  const passphrases: Record<string, string> = Object.fromEntries(specs.map((s) => [s.id, o.passphrases?.[s.id] ?? randomBytes(18).toString('base64url')]));
  const made = await credentialedCoalition(specs, { random, clock: o.clock ?? systemClock });
  const sealed = await sealAll(made.orgs, passphrases, random, o.scryptCost);
  const genesis: Record<string, number> = {};
  for (const org of made.orgs) {
    for (const a of org.spec.agents) {
      const rep = STARTING_REPUTATION[a.name];
      if (rep !== undefined) genesis[org.identity.agents.get(a.name)!.did] = rep;
    }
  }
  made.charter.genesisReputation = genesis;
  const charter = charterToJson(
    made.charter,
    made.orgs.map((org) => ({ org: org.spec.id, did: org.identity.did, agents: [...org.identity.agents.values()].map((a) => a.did) })),
  );
  mkdirSync(o.dir, { recursive: true });
  const charterPath = join(o.dir, 'charter.json');
  writeFileSync(charterPath, `${JSON.stringify(charter, null, 2)}\n`);
  const configs: Record<string, string> = {};
  const env: Record<string, Record<string, string>> = {};
  const secrets: string[] = [];
  for (const org of made.orgs) {
    const id = org.spec.id;
    const folder = join(o.dir, id);
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const passphrase = passphrases[id]!;
    const wallet = sealed[id]!;
    writeFileSync(join(folder, 'wallet.json'), `${JSON.stringify(wallet)}\n`, { mode: 0o600 });
    const config: NodeConfig = {
      v: 1,
      org: { id, name: org.spec.name, kind: org.spec.kind },
      agents: org.spec.agents.map((a) => a.name),
      board: o.board,
      fhir: o.fhir,
      dataDir: 'data',
      wallet: 'wallet.json',
      charter: '../charter.json',
      passphraseEnv: passphraseEnvOf(id),
      api: { host: '127.0.0.1', port: o.apiPorts?.[id] ?? 0 },
      ...(o.boardService?.org === id ? { boardService: { host: '127.0.0.1', port: o.boardService.port } } : {}),
    };
    configs[id] = join(folder, 'config.json');
    writeFileSync(configs[id], `${JSON.stringify(config, null, 2)}\n`);
    env[id] = { [passphraseEnvOf(id)]: passphrase };
    secrets.push(`${passphraseEnvOf(id)}=${passphrase}`);
  }
  if (!o.passphrases)
    writeFileSync(join(o.dir, 'secrets.env'), `# development only: each organization keeps its own passphrase\n${secrets.join('\n')}\n`, { mode: 0o600 });
  return { charterPath, configs, env };
}

async function sealAll(
  orgs: CredentialedOrg[],
  passphrases: Record<string, string>,
  random: Random,
  cost?: ScryptCost,
): Promise<Record<string, OrgWalletFile>> {
  const out: Record<string, OrgWalletFile> = {};
  for (const org of orgs) {
    const file = await sealOrg(org, passphrases[org.spec.id]!, random, cost);
    // A wallet that does not reopen would strand its organization: check before writing it.
    await openOrg(file, org.spec, passphrases[org.spec.id]!);
    out[org.spec.id] = file;
  }
  return out;
}
