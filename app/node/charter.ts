import { z } from 'zod';
import type { Clock } from '../../core/common/clock.js';
import { MurmurError } from '../../core/common/errors.js';
import type { Random } from '../../core/common/random.js';
import { issueAccreditation, issueRoleCredential, type MurmurCredential } from '../../core/identity/credentials.js';
import { createPresentation } from '../../core/identity/presentations.js';
import { StatusList, StatusRegistry } from '../../core/identity/status-list.js';
import { trustRegistry, type TrustRegistry } from '../../core/identity/trust-registry.js';
import { Wallet, type SealedWallet } from '../../core/identity/wallet.js';
import type { ScryptCost } from '../../core/crypto/keystore.js';
import type { Signer } from '../../core/crypto/signing.js';
import type { ZkIssuer } from '../../core/access/admission.js';
import type { RoleProver } from '../../core/agents/runtime/section-access.js';
import { issueZkRoleCredential, newZkHolder, newZkSigningKey, proveRole, type ZkSigningKey } from '../../core/zk/index.js';
import type { AgentKeys, OrgIdentity, OrgSpec } from './identity.js';

const DAY = 86_400_000;

/**
 * What every node of a coalition agrees on before any case: which accreditor it trusts for
 * which kind of organization, which roles each kind may confer, and where credential status
 * (revocation) is read. Carried as data; here built for the reference coalition.
 */
export interface Charter {
  registry: TrustRegistry;
  status: StatusRegistry;
  /** Starting reputations (0–100) by agent DID. */
  genesisReputation: Record<string, number>;
  /** Organizations whose zero-knowledge role credentials are accepted, with their keys. */
  zkIssuers: ZkIssuer[];
}

export const CharterFileSchema = z
  .object({
    version: z.literal(1),
    registry: z.unknown(),
    statusLists: z.array(
      z
        .object({
          id: z.string().min(1),
          issuer: z.string().startsWith('did:'),
          size: z.number().int().positive(),
          next: z.number().int().min(0),
          bits: z.string(),
        })
        .strict(),
    ),
    genesisReputation: z.record(z.string().startsWith('did:'), z.number().min(0).max(100)),
    /** The member organizations and their agents' DIDs (who may connect to a board service). */
    members: z
      .array(z.object({ org: z.string().min(1), did: z.string().startsWith('did:'), agents: z.array(z.string().startsWith('did:')) }).strict())
      .default([]),
    zkIssuers: z
      .array(
        z
          .object({
            org: z.string().startsWith('did:'),
            kind: z.string(),
            publicKey: z.object({ x: z.string().regex(/^[0-9]{1,78}$/), y: z.string().regex(/^[0-9]{1,78}$/) }).strict(),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();
export type CharterFile = z.infer<typeof CharterFileSchema>;

export function charterToJson(charter: Charter, members: CharterFile['members'] = []): CharterFile {
  return {
    members,
    version: 1,
    registry: charter.registry.data,
    statusLists: charter.status.all().map((l) => l.toJSON()),
    genesisReputation: { ...charter.genesisReputation },
    zkIssuers: charter.zkIssuers.map((i) => ({ ...i, publicKey: { ...i.publicKey } })),
  };
}

/** Reads a charter file, naming the field that is wrong. */
export function charterFromJson(input: unknown): Charter {
  const parsed = CharterFileSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new MurmurError('E_SCHEMA', `charter: ${issue.path.join('.') || '(root)'}: ${issue.message}`, { field: issue.path.join('.') });
  }
  const status = new StatusRegistry();
  for (const l of parsed.data.statusLists) status.put(StatusList.fromJSON(l));
  return { registry: trustRegistry(parsed.data.registry), status, genesisReputation: parsed.data.genesisReputation, zkIssuers: parsed.data.zkIssuers };
}

/** An organization as its wallet holds it: keys, DIDs and credentials. */
export interface CredentialedOrg {
  spec: OrgSpec;
  wallet: Wallet;
  identity: OrgIdentity;
  /**
   * Where an agent's role credential sits in its organization's status list: what a
   * Revocation entry names (OrgNode.revoke posts it; revocation lives on the board).
   */
  statusOf(agentName: string): { issuer: string; list: string; index: number };
  /** Where the organization's accreditation sits in its accreditor's status list (what the accreditor attests revoked). */
  accreditationStatus?: { issuer: string; list: string; index: number };
  /** Each agent's wallet name (its role) and credentials, by agent name: what `sealOrg` saves. */
  credentials?: Record<string, { walletAgent: string; credentials: MurmurCredential[] }>;
}

export const ROLES_BY_KIND: Record<string, string[]> = {
  payer: ['policy-reasoner', 'form-builder'],
  'cds-vendor': ['evidence-synthesizer'],
  'clia-laboratory': ['genomics'],
  pharmacovigilance: ['drug-interaction'],
};

export interface CredentialOptions {
  random: Random;
  clock: Clock;
  /** Validity of role credentials, from now (default 90 days). */
  roleValidityMs?: number;
  /** Also issue zero-knowledge role credentials, and prove roles with them instead of presentations. */
  zkRoles?: boolean;
  /** Override an agent's role credential (tests: wrong role, expired). */
  roleOverride?: (agentName: string) => { role?: string; validUntil?: number } | undefined;
}

/**
 * Creates the reference coalition's identities: an accreditor (fictional) that accredits each
 * organization by kind, organizations with long-form did:prism DIDs, agents with did:peer
 * DIDs, and a role credential per agent issued by its organization.
 */
export async function credentialedCoalition(
  specs: readonly OrgSpec[],
  o: CredentialOptions,
): Promise<{ charter: Charter; orgs: CredentialedOrg[]; accreditor: Signer }> {
  const now = o.clock.now();
  const accreditorWallet = Wallet.empty();
  const accreditor = await accreditorWallet.createOrganization(o.random);
  const status = new StatusRegistry();
  const accreditorStatus = new StatusList('urn:murmur:status:accreditor', accreditor.did);
  status.put(accreditorStatus);
  const registry = trustRegistry({
    accreditors: [{ did: accreditor.did, name: 'Synthetic Health Accreditation Council', accredits: Object.keys(ROLES_BY_KIND) }],
    rolesByKind: ROLES_BY_KIND,
  });
  const orgs: CredentialedOrg[] = [];
  const zkIssuers: ZkIssuer[] = [];
  for (const spec of specs) {
    const wallet = Wallet.empty();
    const org = await wallet.createOrganization(o.random);
    const zkIssuer = o.zkRoles ? await newZkSigningKey(o.random) : undefined;
    if (zkIssuer) zkIssuers.push({ org: org.did, kind: spec.kind, publicKey: zkIssuer.publicKey });
    const orgStatus = new StatusList(`urn:murmur:status:${spec.id}`, org.did);
    status.put(orgStatus);
    const accreditationEntry = accreditorStatus.allocate();
    const accreditation = await issueAccreditation(
      accreditor.issuer,
      { organization: org.did, organizationKind: spec.kind, organizationName: spec.name },
      { validFrom: now - DAY, validUntil: now + 365 * DAY, status: accreditationEntry, random: o.random },
    );
    const agents = new Map<
      string,
      Awaited<ReturnType<Wallet['createAgent']>> & { credentials: MurmurCredential[]; statusIndex: number; roleProver: RoleProver | undefined }
    >();
    for (const profile of spec.agents) {
      const identity = await wallet.createAgent(profile.role, o.random);
      const override = o.roleOverride?.(profile.name);
      const entry = orgStatus.allocate();
      const role = await issueRoleCredential(
        org.issuer,
        { agent: identity.did, role: override?.role ?? profile.role },
        { validFrom: now - DAY, validUntil: override?.validUntil ?? now + (o.roleValidityMs ?? 90 * DAY), status: entry, random: o.random },
      );
      const roleProver = zkIssuer
        ? await zkRoleProver(
            zkIssuer,
            override?.role ?? profile.role,
            override?.validUntil ?? now + (o.roleValidityMs ?? 90 * DAY),
            identity.signer.keyId,
            o.random,
          )
        : undefined;
      agents.set(profile.name, { ...identity, credentials: [role, accreditation], statusIndex: Number(entry.statusListIndex), roleProver });
    }
    orgs.push({
      spec,
      wallet,
      identity: {
        did: org.did,
        agents: new Map(
          [...agents.entries()].map(([name, a]) => [name, { ...agentKeys(a, a.credentials), ...(a.roleProver ? { roleProver: a.roleProver } : {}) }]),
        ),
      },
      statusOf: (name) => ({ issuer: org.did, list: orgStatus.id, index: agents.get(name)!.statusIndex }),
      accreditationStatus: { issuer: accreditor.did, list: accreditorStatus.id, index: Number(accreditationEntry.statusListIndex) },
      credentials: Object.fromEntries(spec.agents.map((p) => [p.name, { walletAgent: p.role, credentials: agents.get(p.name)!.credentials }])),
    });
  }
  // The accreditor's issuing key, for the coalition that made it (tests, the simulator): it signs
  // revocations of accreditations, which members relay to the board.
  return { charter: { registry, status, genesisReputation: {}, zkIssuers }, orgs, accreditor: accreditor.issuer };
}

/** An agent's zero-knowledge role credential, issued by its organization, and a prover over it. */
async function zkRoleProver(issuer: ZkSigningKey, role: string, expiresAt: number, keyId: string, random: Random): Promise<RoleProver> {
  const holder = await newZkHolder(random);
  const credential = await issueZkRoleCredential(issuer, { role, expiresAt, holderId: holder.id });
  return {
    prove: async (challenge, allowedRoles, now) =>
      (await proveRole(credential, holder, { subtaskId: challenge, requesterKey: keyId, now, allowedRoles })) as unknown as Record<string, unknown>,
  };
}

function agentKeys(a: { did: string; signer: AgentKeys['signer']; unwrap: NonNullable<AgentKeys['unwrap']> }, credentials: MurmurCredential[]): AgentKeys {
  return {
    did: a.did,
    signer: a.signer,
    unwrap: a.unwrap,
    presenter: {
      present: async (challenge: string, domain: string, at: number) =>
        (await createPresentation({ holder: a.signer, credentials, challenge, domain, now: at })) as unknown as Record<string, unknown>,
    },
  };
}

// ── At rest: the charter and each organization's wallet as files, for nodes that run as
// separate processes (app/node/process). The in-process API above is unchanged.

/** One organization's wallet file: its sealed keystore and its agents' credentials. */
export interface OrgWalletFile {
  v: 1;
  org: string;
  sealed: SealedWallet;
  agents: Record<string, { walletAgent: string; credentials: MurmurCredential[] }>;
}

export async function sealOrg(org: CredentialedOrg, passphrase: string, random?: Random, cost?: ScryptCost): Promise<OrgWalletFile> {
  if (!org.credentials) throw new MurmurError('E_INPUT', `organization ${org.spec.id} has no credentials to save`, { org: org.spec.id });
  return { v: 1, org: org.spec.id, sealed: await org.wallet.seal(passphrase, random, cost), agents: org.credentials };
}

/** Opens an organization's wallet file: the identity its node signs and presents with. */
export async function openOrg(file: OrgWalletFile, spec: OrgSpec, passphrase: string): Promise<OrgIdentity> {
  if (file?.v !== 1 || file.org !== spec.id) throw new MurmurError('E_SCHEMA', `wallet file: not a wallet of organization ${spec.id}`, { field: 'org' });
  const wallet = await Wallet.open(file.sealed, passphrase);
  const agents = new Map<string, AgentKeys>();
  for (const profile of spec.agents) {
    const saved = file.agents[profile.name];
    if (!saved) throw new MurmurError('E_NOT_FOUND', `wallet file: no credentials for agent ${profile.name}`, { agent: profile.name });
    agents.set(profile.name, agentKeys(wallet.agent(saved.walletAgent), saved.credentials));
  }
  return { did: wallet.organization().did, agents };
}
