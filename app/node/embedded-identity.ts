import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../core/common/clock.js';
import { MurmurError, errorMessage } from '../../core/common/errors.js';
import type { Random } from '../../core/common/random.js';
import { charterFromJson, charterToJson, credentialedCoalition, openOrg, sealOrg, type Charter, type CredentialedOrg, type OrgWalletFile } from './charter.js';
import type { OrgIdentity, OrgSpec } from './identity.js';

/**
 * The embedded coalition's identities, kept in its data folder so that a run started again on
 * the same folder is the same four organizations: the board's chains, the audit trails and
 * the sealed sections all name the keys of the first run (a fresh set of keys made the next
 * run refuse its own audit trail, "entry belongs to another organization").
 *
 *   <dataDir>/identity/<org>.json   sealed wallet (keys and credentials), mode 0600
 *   <dataDir>/identity/secrets.json each wallet's passphrase (single-machine demo only), 0600
 *   <dataDir>/identity/charter.json the charter; written last, so its presence means complete
 *
 * Four hosts use provisioned wallets instead (app/node/process, docs/deployment.md).
 */
export interface EmbeddedIdentities {
  charter: Charter;
  identities: OrgIdentity[];
  /** Each organization's passphrase (its content-key vault is sealed with it). */
  passphrases: Record<string, string>;
  /** The wallets as made, on the first run only (the console shows them). */
  made?: CredentialedOrg[];
}

/** The folder's wallets are demo wallets whose passphrase sits beside them: a low scrypt cost is honest. */
const DEMO_SCRYPT = { N: 2 ** 12, r: 8, p: 1 };

export async function embeddedIdentities(dataDir: string, specs: readonly OrgSpec[], o: { random: Random; clock: Clock }): Promise<EmbeddedIdentities> {
  const dir = join(dataDir, 'identity');
  const charterPath = join(dir, 'charter.json');
  if (existsSync(charterPath)) return reopen(dir, charterPath, specs);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const made = await credentialedCoalition(specs, o);
  const passphrases = Object.fromEntries(specs.map((s) => [s.id, randomBytes(18).toString('base64url')]));
  for (const org of made.orgs)
    writeAtomic(join(dir, `${org.spec.id}.json`), JSON.stringify(await sealOrg(org, passphrases[org.spec.id]!, o.random, DEMO_SCRYPT)));
  writeAtomic(join(dir, 'secrets.json'), JSON.stringify(passphrases));
  writeAtomic(charterPath, JSON.stringify(charterToJson(made.charter)));
  return { charter: made.charter, identities: made.orgs.map((x) => x.identity), passphrases, made: made.orgs };
}

async function reopen(dir: string, charterPath: string, specs: readonly OrgSpec[]): Promise<EmbeddedIdentities> {
  const read = (path: string): unknown => {
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as unknown;
    } catch (e) {
      throw new MurmurError('E_INPUT', `${path}: cannot read this run's identity (${errorMessage(e)}); use a new --data-dir`, { field: 'data-dir' });
    }
  };
  const charter = charterFromJson(read(charterPath));
  const passphrases = read(join(dir, 'secrets.json')) as Record<string, string>;
  const identities: OrgIdentity[] = [];
  for (const spec of specs) {
    const pass = passphrases[spec.id];
    if (typeof pass !== 'string') throw new MurmurError('E_INPUT', `${dir}: no passphrase for ${spec.id}; use a new --data-dir`, { field: 'data-dir' });
    identities.push(await openOrg(read(join(dir, `${spec.id}.json`)) as OrgWalletFile, spec, pass));
  }
  return { charter, identities, passphrases };
}

/** Written whole or not at all: a kill mid-write leaves the old file (or none), never half of one. */
function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${text}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}
