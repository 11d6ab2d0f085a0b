import { z } from 'zod';
import { MurmurError } from '../common/errors.js';

/**
 * Which accreditors are trusted to accredit which kinds of organization, and which roles an
 * organization of each kind may confer on its agents. Data, agreed by the coalition (e.g.
 * carried in the plan), so every node decides alike.
 *
 * Known organization kinds: `payer`, `covered-entity` (provider), `clia-laboratory`,
 * `pharmacy`; the registry accepts any kebab-case name.
 */
export type OrganizationKind = string;
export type Role = string;

const kebab = z.string().regex(/^[a-z][a-z0-9-]{0,63}$/);

export const TrustRegistrySchema = z.object({
  accreditors: z.array(
    z.object({
      did: z.string().startsWith('did:'),
      name: z.string().min(1).max(200),
      accredits: z.array(kebab).min(1),
    }),
  ),
  /** Roles each kind of organization may issue. A kind missing here may issue no role. */
  rolesByKind: z.record(kebab, z.array(kebab)),
});

export type TrustRegistryData = z.infer<typeof TrustRegistrySchema>;

export interface TrustRegistry {
  readonly data: TrustRegistryData;
  /** Is `accreditor` trusted to accredit organizations of `kind`? */
  trustsAccreditor(accreditor: string, kind: OrganizationKind): boolean;
  /** May an organization of `kind` confer `role`? */
  mayConferRole(kind: OrganizationKind, role: Role): boolean;
}

export function trustRegistry(input: unknown): TrustRegistry {
  const parsed = TrustRegistrySchema.safeParse(input);
  if (!parsed.success) {
    const path = parsed.error.issues[0]?.path.join('.') ?? '';
    throw new MurmurError('E_SCHEMA', `trust registry: invalid field "${path}"`, { field: path });
  }
  const data = parsed.data;
  const byDid = new Map<string, Set<string>>();
  for (const a of data.accreditors) byDid.set(a.did, new Set([...(byDid.get(a.did) ?? []), ...a.accredits]));
  return {
    data,
    trustsAccreditor: (accreditor, kind) => byDid.get(accreditor)?.has(kind) ?? false,
    mayConferRole: (kind, role) => data.rolesByKind[kind]?.includes(role) ?? false,
  };
}
