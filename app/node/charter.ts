import { z } from 'zod';
import type { Clock } from '../../core/common/clock.js';
import { MurmurError } from '../../core/common/errors.js';
import type { Random } from '../../core/common/random.js';
import { issueAccreditation, issueRoleCredential, type MurmurCredential } from '../../core/identity/credentials.js';
import { createPresentation } from '../../core/identity/presentations.js';
import { StatusList, StatusRegistry } from '../../core/identity/status-list.js';
import { trustRegistry, type TrustRegistry } from '../../core/identity/trust-registry.js';
import { Wallet } from '../../core/identity/wallet.js';
import type { OrgIdentity, OrgSpec } from './identity.js';

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
}

const CharterFileSchema = z
  .object({
    version: z.literal(1),
    registry: z.unknown(),
    statusLists: z.array(
      z.object({ id: z.string().min(1), issuer: z.string().startsWith('did:'), size: z.number().int().positive(), next: z.number().int().min(0), bits: z.string() }).strict(),
    ),
    genesisReputation: z.record(z.string().startsWith('did:'), z.number().min(0).max(100)),
  })
  .strict();
export type CharterFile = z.infer<typeof CharterFileSchema>;

export function charterToJson(charter: Charter): CharterFile {
  return {
    version: 1,
    registry: charter.registry.data,
    statusLists: charter.status.all().map((l) => l.toJSON()),
    genesisReputation: { ...charter.genesisReputation },
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
  return { registry: trustRegistry(parsed.data.registry), status, genesisReputation: parsed.data.genesisReputation };
}

/** An organization as its wallet holds it: keys, DIDs and credentials. */
export interface CredentialedOrg {
  spec: OrgSpec;
  wallet: Wallet;
  identity: OrgIdentity;
  /** Revokes an agent's role credential (its organization's status list). */
  revoke(agentName: string): void;
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
  /** Override an agent's role credential (tests: wrong role, expired). */
  roleOverride?: (agentName: string) => { role?: string; validUntil?: number } | undefined;
}

/**
 * Creates the reference coalition's identities: an accreditor (fictional) that accredits each
 * organization by kind, organizations with long-form did:prism DIDs, agents with did:peer
 * DIDs, and a role credential per agent issued by its organization.
 */
export async function credentialedCoalition(specs: readonly OrgSpec[], o: CredentialOptions): Promise<{ charter: Charter; orgs: CredentialedOrg[] }> {
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
  for (const spec of specs) {
    const wallet = Wallet.empty();
    const org = await wallet.createOrganization(o.random);
    const orgStatus = new StatusList(`urn:murmur:status:${spec.id}`, org.did);
    status.put(orgStatus);
    const accreditation = await issueAccreditation(
      accreditor.issuer,
      { organization: org.did, organizationKind: spec.kind, organizationName: spec.name },
      { validFrom: now - DAY, validUntil: now + 365 * DAY, status: accreditorStatus.allocate(), random: o.random },
    );
    const agents = new Map<string, Awaited<ReturnType<Wallet['createAgent']>> & { credentials: MurmurCredential[]; statusIndex: number }>();
    for (const profile of spec.agents) {
      const identity = await wallet.createAgent(profile.role, o.random);
      const override = o.roleOverride?.(profile.name);
      const entry = orgStatus.allocate();
      const role = await issueRoleCredential(
        org.issuer,
        { agent: identity.did, role: override?.role ?? profile.role },
        { validFrom: now - DAY, validUntil: override?.validUntil ?? now + (o.roleValidityMs ?? 90 * DAY), status: entry, random: o.random },
      );
      agents.set(profile.name, { ...identity, credentials: [role, accreditation], statusIndex: Number(entry.statusListIndex) });
    }
    orgs.push({
      spec,
      wallet,
      identity: {
        did: org.did,
        agents: new Map(
          [...agents.entries()].map(([name, a]) => [
            name,
            {
              did: a.did,
              signer: a.signer,
              unwrap: a.unwrap,
              presenter: {
                present: async (challenge: string, domain: string, at: number) =>
                  (await createPresentation({ holder: a.signer, credentials: a.credentials, challenge, domain, now: at })) as unknown as Record<string, unknown>,
              },
            },
          ]),
        ),
      },
      revoke: (name) => orgStatus.revoke(agents.get(name)!.statusIndex),
    });
  }
  return { charter: { registry, status, genesisReputation: {} }, orgs };
}
