import { z } from 'zod';
import { MurmurError } from '../common/errors.js';
import type { ContentKey } from '../crypto/aead.js';
import { didPeerAgreementKey } from '../crypto/did-peer.js';
import type { Unwrapper } from '../crypto/hpke.js';
import { HPKE_SUITE_NAME, wrapContentKey } from '../crypto/hpke.js';

/**
 * The payload of a `KeyGrant` envelope: one section's content key wrapped (HPKE) to one
 * reader agent's X25519 key-agreement key, with the ground it was granted on. It carries no
 * PHI and no key in clear; the board sees who may read what, which is the point of the
 * minimum-necessary audit.
 */
const id = z.string().min(1).max(256);

export const KeyGrantSchema = z.object({
  case: id,
  subtask: id,
  section: id,
  /** The reader agent's DID (did:peer:2). */
  reader: z.string().startsWith('did:'),
  /** DID URL of the reader's X25519 key the content key is wrapped to. */
  readerKeyId: z.string().startsWith('did:'),
  wrapped: z.object({ suite: z.literal(HPKE_SUITE_NAME), enc: z.string().min(40).max(48), ct: z.string().min(60).max(68) }),
  /** Why the grant was made: the reader's verified presentation (by challenge) and role. */
  basis: z.object({
    accessRequest: z.string().optional(),
    challenge: z.string(),
    role: z.string(),
  }),
});

export type KeyGrant = z.infer<typeof KeyGrantSchema>;

/** Wraps a section's content key for a reader agent, named by its did:peer:2. */
export async function grantSectionKey(input: {
  contentKey: ContentKey;
  case: string;
  subtask: string;
  section: string;
  reader: string;
  basis: KeyGrant['basis'];
}): Promise<KeyGrant> {
  const agreement = didPeerAgreementKey(input.reader);
  if (!agreement) throw new MurmurError('E_INPUT', 'key grant: the reader DID has no X25519 key-agreement key (expected did:peer:2)', { field: 'reader' });
  const wrapped = await wrapContentKey(input.contentKey, agreement.publicKey, {
    case: input.case,
    subtask: input.subtask,
    section: input.section,
    readerKeyId: agreement.keyId,
  });
  return { case: input.case, subtask: input.subtask, section: input.section, reader: input.reader, readerKeyId: agreement.keyId, wrapped, basis: input.basis };
}

/** Parses a KeyGrant payload from an envelope (E_SCHEMA naming the field when malformed). */
export function parseKeyGrant(input: unknown): KeyGrant {
  const parsed = KeyGrantSchema.safeParse(input);
  if (!parsed.success) {
    const path = parsed.error.issues[0]?.path.join('.') ?? '';
    throw new MurmurError('E_SCHEMA', `key grant: invalid field "${path}"`, { field: path });
  }
  return parsed.data;
}

/** The reader opens a grant addressed to it with its keystore's unwrapper. */
export async function openKeyGrant(grant: KeyGrant, unwrap: Unwrapper): Promise<ContentKey> {
  return unwrap(grant.wrapped, { case: grant.case, subtask: grant.subtask, section: grant.section, readerKeyId: grant.readerKeyId });
}
