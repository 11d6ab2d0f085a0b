import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { MurmurError } from '../../../core/common/errors.js';
import { DOMAIN_AGENTS } from '../../../core/agents/domain/workflow.js';

/**
 * An org node's configuration file (`murmur node --org CONFIG`). Paths are relative to the
 * file. The wallet passphrase is never in the file: `passphraseEnv` names the environment
 * variable that holds it.
 */
export const NodeConfigSchema = z
  .object({
    v: z.literal(1, { error: 'must be 1 (the config format version)' }),
    org: z
      .object({
        id: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be a lower-case id such as helix'),
        name: z.string().min(1).max(200),
        kind: z.enum(['payer', 'cds-vendor', 'clia-laboratory', 'pharmacovigilance']),
      })
      .strict(),
    agents: z
      .array(z.string().refine((n) => n in DOMAIN_AGENTS, { error: `must name a domain agent (${Object.keys(DOMAIN_AGENTS).join(', ')})` }))
      .min(1, 'must list at least one agent'),
    board: z.string().regex(/^(etcd:\/\/[^\s/]+(\/[\w./-]*)?|https?:\/\/\S+)$/, 'must be etcd://host:port[,host:port...][/prefix] or http(s)://board-service'),
    fhir: z.url({ error: 'must be a FHIR base URL, e.g. http://127.0.0.1:8103/fhir/R4' }),
    dataDir: z.string().min(1).default('data'),
    wallet: z.string().min(1).default('wallet.json'),
    charter: z.string().min(1).default('../charter.json'),
    passphraseEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name such as MURMUR_PASSPHRASE'),
    api: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(0),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 0 }),
    /**
     * SMART backend services toward an external FHIR server: the node's adapters get tokens
     * with this client's key (a private JWK file readable by the node's user only).
     */
    fhirAuth: z
      .object({
        clientId: z.string().min(1).max(200),
        keyFile: z.string().min(1),
        scope: z.string().regex(/^system\/\S+( system\/\S+)*$/, 'must be SMART system scopes, e.g. "system/Patient.rs system/Observation.rs"'),
        /** Discovered from [fhir]/.well-known/smart-configuration when absent. */
        tokenUrl: z.url().optional(),
      })
      .strict()
      .optional(),
    /** The payer's PAS endpoint (Claim/$submit, $inquire, Subscriptions) with its SMART clients. */
    pas: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(0),
        /** A JSON file of registered backend-service clients: [{clientId, jwks: {keys}, scopes}]. */
        clients: z.string().min(1),
        /** How long $submit waits for the coalition before answering pended (A4, queued). */
        syncWaitMs: z.number().int().min(0).max(300_000).default(15_000),
      })
      .strict()
      .optional(),
    /**
     * On an etcd board: archive each settled case to `<dataDir>/archive/` and release its keys
     * from etcd (docs/board.md). Every member should set it: a member that does not register
     * does not hold removal back, and cannot then restart without a member's archive copy.
     */
    releaseArchived: z.boolean().optional(),
    /** Serve this node's own SQLite board to other nodes (the embedded mode's board host). */
    boardService: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535),
      })
      .strict()
      .optional(),
  })
  .strict();

export type NodeConfig = z.infer<typeof NodeConfigSchema>;

/** A config with its paths resolved against the file's folder. */
export interface LoadedConfig extends NodeConfig {
  path: string;
}

export function parseNodeConfig(input: unknown, path = '(config)'): LoadedConfig {
  const result = NodeConfigSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.join('.') || '(root)';
    throw new MurmurError('E_INPUT', `${path}: ${field}: ${issue.message}`, { field });
  }
  const base = dirname(resolve(path));
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  const c = result.data;
  if (c.pas && c.org.kind !== 'payer')
    throw new MurmurError('E_INPUT', `${path}: pas: only a payer organization's node serves the PAS endpoint`, { field: 'pas' });
  return {
    ...c,
    dataDir: abs(c.dataDir),
    wallet: abs(c.wallet),
    charter: abs(c.charter),
    ...(c.pas ? { pas: { ...c.pas, clients: abs(c.pas.clients) } } : {}),
    ...(c.fhirAuth ? { fhirAuth: { ...c.fhirAuth, keyFile: abs(c.fhirAuth.keyFile) } } : {}),
    path: resolve(path),
  };
}

/** Reads and validates a config file; `overrides` (command-line flags) go through the same schema. */
export function loadNodeConfig(path: string, overrides: Partial<Record<'board' | 'fhir', string>> = {}): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new MurmurError('E_INPUT', `${path}: cannot read the config file`, { field: 'org' });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new MurmurError('E_INPUT', `${path}: not JSON (${(e as Error).message.slice(0, 120)})`);
  }
  return parseNodeConfig(typeof json === 'object' && json !== null ? { ...json, ...overrides } : json, path);
}
