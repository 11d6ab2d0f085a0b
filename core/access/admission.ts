import type { Admission, Evidence } from '../board/fold.js';
import { authorDid } from '../board/envelope.js';
import type { StoredEntry } from '../board/store.js';
import type { CoalitionState } from '../coordination/case-state.js';
import { RevocationSchema } from '../coordination/messages.js';
import type { CredentialEvidence } from '../coordination/rules/context.js';
import { verifyPresentation, type PresentationVerdict } from '../identity/presentations.js';
import { verifyRevocationAttestation, type RevocationAttestation } from '../identity/revocation-attestation.js';
import type { StatusRegistry } from '../identity/status-list.js';
import type { TrustRegistry } from '../identity/trust-registry.js';
import { verifyRoleProof, type BabyJubPublicKey } from '../zk/index.js';
import { accessChallenge, CARD_DOMAIN, cardChallenge, claimChallenge, targetOf } from './challenges.js';
import { boardStatus, holderRevoked } from './revocation.js';

/** An organization whose zero-knowledge role credentials the coalition accepts. */
export interface ZkIssuer {
  org: string;
  kind: string;
  publicKey: BabyJubPublicKey;
}

/** Accepted drift between a role proof's stated time and the board's stamp. */
export const ROLE_PROOF_SKEW_MS = 10 * 60_000;

export interface CredentialAdmissionOptions {
  registry: TrustRegistry;
  status: StatusRegistry;
  /** Issuers of zero-knowledge role credentials (from the charter). */
  zkIssuers?: readonly ZkIssuer[];
  /** Called for every presentation checked (for the org's audit trail). */
  onCheck?: (entry: StoredEntry, verdict: PresentationVerdict) => void;
}

/**
 * The admission stage for credentials: verifies the presentation an AgentCard, Claim or
 * AccessRequest carries against the nonce and domain the log implies, at board time, with
 * replay protection. Its verdict becomes the entry's evidence for the fold's rules.
 */
export function credentialAdmission(o: CredentialAdmissionOptions): Admission<CoalitionState> {
  // Consumed (challenge, holder) pairs and role-proof nullifiers, rebuilt identically by every
  // replica from the log. A card's nonce belongs to no case, so cards spend into this set (one
  // per card); a claim's or access request's nonce names an entry of its case, so those spend
  // into the case's own ledger and leave memory when the settled case is frozen.
  const directory = new Set<string>();
  return async (state, entry): Promise<Evidence> => {
    const env = entry.envelope;
    const header = env.header as { presentation?: unknown; roleProof?: unknown; target?: string; section?: string };
    if (env.kind === 'Revocation') return attestationEvidence(env.header, o.registry);
    const ledger = env.kind === 'AgentCard' ? directory : env.case ? state.cases.get(env.case)?.spent : undefined;
    if (header.roleProof !== undefined) return roleProofEvidence(state, entry, header, o.zkIssuers ?? [], ledger);
    if (header.presentation === undefined) return {};
    const expected = expectation(state, entry, header);
    if (!expected || !ledger)
      return { credential: { ok: false, reason: 'nothing this presentation could be bound to', codes: ['unbound'] } satisfies CredentialEvidence };
    const verdict = await verifyPresentation(
      header.presentation,
      { ...expected, now: entry.at, holder: authorDid(env.author) },
      { registry: o.registry, status: boardStatus(o.status, state), ledger },
    );
    o.onCheck?.(entry, verdict);
    const credential: CredentialEvidence =
      verdict.ok && holderRevoked(state, verdict.organization, verdict.holder)
        ? { ok: false, reason: 'revoked', codes: ['revoked'] }
        : verdict.ok
          ? { ok: true, holder: verdict.holder, role: verdict.role, organization: verdict.organization, organizationKind: verdict.organizationKind }
          : { ok: false, reason: verdict.reasons.map((r) => r.code).join(', '), codes: verdict.reasons.map((r) => r.code) };
    return { credential };
  };
}

/**
 * An accreditor's revocation, relayed: whether its attestation verifies against an accreditor
 * the trust registry lists. The rule decides with this as evidence (it stays pure). A header
 * that does not parse is left to the rule's schema check.
 */
async function attestationEvidence(header: unknown, registry: TrustRegistry): Promise<Evidence> {
  const h = RevocationSchema.safeParse(header);
  if (!h.success || !('attestation' in h.data) || !h.data.attestation) return {};
  const { issuer, list, index } = h.data;
  return { attestation: await verifyRevocationAttestation({ issuer, list, index }, h.data.attestation as RevocationAttestation, registry) };
}

/**
 * Verifies a zero-knowledge role proof: issued by an organization the charter lists, for one
 * of the roles the action allows (the claimant's card role; a section's readers), unexpired at
 * board time, bound to the log's nonce and the author's key; its nullifier is spent once.
 */
async function roleProofEvidence(
  state: CoalitionState,
  entry: StoredEntry,
  header: { roleProof?: unknown; target?: string; section?: string },
  issuers: readonly ZkIssuer[],
  ledger: Set<string> | undefined,
): Promise<Evidence> {
  const fail = (code: string, reason = code): Evidence => ({ credential: { ok: false, reason, codes: [code] } satisfies CredentialEvidence });
  const env = entry.envelope;
  const expected = expectation(state, entry, header);
  const card = state.cards.get(authorDid(env.author))?.card;
  if (!expected || !card || !ledger) return fail('unbound', 'nothing this proof could be bound to');
  const issuer = issuers.find((i) => i.org === card.provider.did);
  if (!issuer) return fail('untrusted-issuer');
  // The issuer revoked this agent on the board before this entry: its role proofs stop here.
  if (holderRevoked(state, issuer.org, authorDid(env.author))) return fail('revoked');
  // The proof is for the role on the author's (public) card; an access request's role must
  // also be among the section's readers.
  const allowed: readonly string[] = [card.role];
  if (env.kind === 'AccessRequest') {
    const c = env.case ? state.cases.get(env.case) : undefined;
    const readers = (c && header.target && header.section ? targetOf(c, header.target, header.section)?.readers : undefined) ?? [];
    if (!readers.includes(card.role)) return fail('wrong-role');
  }
  const v = await verifyRoleProof(header.roleProof, {
    issuerPublicKey: issuer.publicKey,
    allowedRoles: allowed,
    now: entry.at,
    maxClockSkewMs: ROLE_PROOF_SKEW_MS,
    subtaskId: expected.challenge,
    requesterKey: env.author,
  });
  if (!v.ok) return fail(v.reason ?? 'invalid-proof');
  const spent = `nullifier:${v.nullifier!}`;
  if (ledger.has(spent)) return fail('replayed');
  ledger.add(spent);
  return {
    credential: {
      ok: true,
      holder: authorDid(env.author),
      role: card.role,
      organization: issuer.org,
      organizationKind: issuer.kind,
    } satisfies CredentialEvidence,
    nullifier: v.nullifier,
  };
}

function expectation(
  state: CoalitionState,
  entry: StoredEntry,
  header: { target?: string; section?: string },
): { challenge: string; domain: string } | undefined {
  const env = entry.envelope;
  if (env.kind === 'AgentCard') return { challenge: cardChallenge(env.seq), domain: CARD_DOMAIN };
  const c = env.case ? state.cases.get(env.case) : undefined;
  if (!c) return undefined;
  if (env.kind === 'Claim') {
    const s = env.subtask ? c.subtasks.get(env.subtask) : undefined;
    return s ? { challenge: claimChallenge(c, s), domain: s.id } : undefined;
  }
  if (env.kind === 'AccessRequest' && header.target && header.section) {
    const t = targetOf(c, header.target, header.section);
    return t ? { challenge: accessChallenge(header.target, header.section), domain: t.subtask } : undefined;
  }
  return undefined;
}
