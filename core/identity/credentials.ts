import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import type { DataIntegritySigner } from '@digitalbazaar/data-integrity';
import { CRYPTOSUITES, signingCryptosuite } from './eddsa-suite.js';
import * as vc from '@digitalbazaar/vc';
import { z } from 'zod';
import { toHex } from '../common/encoding.js';
import { MurmurError, errorMessage } from '../common/errors.js';
import type { Random } from '../common/random.js';
import { cryptoRandom } from '../common/random.js';
import type { Signer } from '../crypto/signing.js';
import { MURMUR_CREDENTIALS_CONTEXT_V1, VC_CONTEXT_V2 } from './contexts.js';
import { documentLoader } from './document-loader.js';
import type { StatusEntry } from './status-list.js';
import type { OrganizationKind, Role } from './trust-registry.js';

/**
 * Verifiable credentials (VC Data Model 2.0, Data Integrity `eddsa-rdfc-2022`):
 * - an accreditor issues each organization an `AccreditationCredential` (its kind: covered
 *   entity, CLIA laboratory, payer, ...);
 * - each organization issues its agents `RoleCredential`s (e.g. `drug-interaction`).
 * Issuers sign with a `Signer` whose `keyId` is an Ed25519 assertion key of their DID
 * (`<did:prism>#issuing-0`), so keys stay in the keystore.
 */
const Iso = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
const Did = z.string().regex(/^did:[a-z0-9]+:\S+$/);

const StatusEntrySchema = z.object({
  id: z.string(),
  type: z.literal('BitstringStatusListEntry'),
  statusPurpose: z.literal('revocation'),
  statusListIndex: z.string().regex(/^\d+$/),
  statusListCredential: z.string(),
});

const ProofSchema = z.object({
  // eddsa-jcs-2022 signs the document's contexts into the proof (and checks them back).
  '@context': z.array(z.string()).min(1).max(8).optional(),
  type: z.literal('DataIntegrityProof'),
  cryptosuite: z.enum(CRYPTOSUITES),
  verificationMethod: z.string(),
  proofPurpose: z.string(),
  proofValue: z.string(),
  created: z.string().optional(),
  challenge: z.string().optional(),
  domain: z.string().optional(),
});

const base = {
  '@context': z.tuple([z.literal(VC_CONTEXT_V2), z.literal(MURMUR_CREDENTIALS_CONTEXT_V1)]),
  id: z.string(),
  issuer: Did,
  validFrom: Iso,
  validUntil: Iso,
  credentialStatus: StatusEntrySchema.optional(),
  proof: ProofSchema,
};

export const AccreditationCredentialSchema = z.object({
  ...base,
  type: z.tuple([z.literal('VerifiableCredential'), z.literal('AccreditationCredential')]),
  credentialSubject: z.object({
    id: Did,
    organizationKind: z.string(),
    organizationName: z.string(),
    accreditationNumber: z.string().optional(),
  }),
});

export const RoleCredentialSchema = z.object({
  ...base,
  type: z.tuple([z.literal('VerifiableCredential'), z.literal('RoleCredential')]),
  credentialSubject: z.object({ id: Did, role: z.string(), memberOf: Did }),
});

export type AccreditationCredential = z.infer<typeof AccreditationCredentialSchema>;
export type RoleCredential = z.infer<typeof RoleCredentialSchema>;
export type MurmurCredential = AccreditationCredential | RoleCredential;

export interface IssueOptions {
  /** Milliseconds since the epoch; also the proof's `created`. */
  validFrom: number;
  validUntil: number;
  /** Revocation entry from the issuer's `StatusList.allocate()`. */
  status?: StatusEntry;
  /** Defaults to a random `urn:murmur:credential:<hex>`. */
  id?: string;
  random?: Random;
}

export function isoSeconds(ms: number): string {
  if (!Number.isFinite(ms)) throw new MurmurError('E_INPUT', 'a date must be a finite number of milliseconds');
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** The DID a DID URL belongs to. */
export function didOf(didUrl: string): string {
  const hash = didUrl.indexOf('#');
  return hash < 0 ? didUrl : didUrl.slice(0, hash);
}

/** Adapts a Murmur `Signer` to the Data Integrity signer interface (the seed stays inside). */
export function dataIntegritySigner(signer: Signer): DataIntegritySigner {
  return { id: signer.keyId, algorithm: 'Ed25519', sign: async ({ data }) => signer.sign(data) };
}

async function issue(issuer: Signer, type: string, subject: Record<string, unknown>, options: IssueOptions): Promise<Record<string, unknown>> {
  if (!(options.validUntil > options.validFrom)) throw new MurmurError('E_INPUT', 'credential: validUntil must be after validFrom', { field: 'validUntil' });
  const credential: Record<string, unknown> = {
    '@context': [VC_CONTEXT_V2, MURMUR_CREDENTIALS_CONTEXT_V1],
    id: options.id ?? `urn:murmur:credential:${toHex((options.random ?? cryptoRandom).bytes(16))}`,
    type: ['VerifiableCredential', type],
    issuer: didOf(issuer.keyId),
    validFrom: isoSeconds(options.validFrom),
    validUntil: isoSeconds(options.validUntil),
    credentialSubject: subject,
  };
  if (options.status) credential.credentialStatus = options.status;
  try {
    return await vc.issue({
      credential,
      suite: new DataIntegrityProof({ signer: dataIntegritySigner(issuer), cryptosuite: signingCryptosuite, date: isoSeconds(options.validFrom) }),
      documentLoader: documentLoader(),
      now: isoSeconds(options.validFrom),
    });
  } catch (e) {
    throw new MurmurError('E_SIGNATURE', `could not issue the ${type}: ${errorMessage(e)}`);
  }
}

/** An accreditor accredits an organization (its did:prism) as a kind of organization. */
export async function issueAccreditation(
  accreditor: Signer,
  subject: { organization: string; organizationKind: OrganizationKind; organizationName: string; accreditationNumber?: string },
  options: IssueOptions,
): Promise<AccreditationCredential> {
  const vcRecord = await issue(
    accreditor,
    'AccreditationCredential',
    {
      id: subject.organization,
      organizationKind: subject.organizationKind,
      organizationName: subject.organizationName,
      ...(subject.accreditationNumber ? { accreditationNumber: subject.accreditationNumber } : {}),
    },
    options,
  );
  return AccreditationCredentialSchema.parse(vcRecord);
}

/** An organization confers a role on one of its agents (its did:peer). */
export async function issueRoleCredential(organization: Signer, subject: { agent: string; role: Role }, options: IssueOptions): Promise<RoleCredential> {
  const vcRecord = await issue(organization, 'RoleCredential', { id: subject.agent, role: subject.role, memberOf: didOf(organization.keyId) }, options);
  return RoleCredentialSchema.parse(vcRecord);
}
