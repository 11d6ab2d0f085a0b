import { canonicalBytes } from '../common/canonical.js';
import { sha256Hex } from '../common/hash.js';
import { z } from 'zod';

/**
 * Cleartext headers per kind. Headers are PHI-free by construction: ids, codes, numbers and
 * hashes only. Anything clinical travels in sections.
 */
const Did = z
  .string()
  .max(2048)
  .regex(/^did:[a-z0-9]+:[A-Za-z0-9._:%=-]+$/, 'expected a DID');
const Role = z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'roles are lower-case words joined by hyphens');
/** A verifiable presentation (checked by the admission stage, not here): PHI-free credentials. */
const Presentation = z.record(z.string(), z.unknown());
/** A section a subtask will post, and the roles that may read it (the disclosure policy). */
const Output = z.object({ section: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/), readers: z.array(Role).max(16) }).strict();
export type Output = z.infer<typeof Output>;
const SubtaskId = z.string().regex(/^[a-z][a-z0-9-]{0,47}$/, 'subtask ids are lower-case words joined by hyphens');
const Skill = z.string().regex(/^[a-z][a-z0-9-]{0,47}$/);
const Hash = z.string().regex(/^[0-9a-f]{64}$/);
const EnvelopeRef = Hash;
const Unit = z.number().min(0).max(1);
/**
 * A code: lower-case words joined by hyphens, from a fixed vocabulary of the sender's. Where a
 * header once held a sentence (a reason, a justification) it holds one of these: a cleartext
 * header is read by every member and the board's host, so words go in sealed sections.
 */
const Code = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'is a code (lower-case words joined by hyphens), not free text');

export const AgentSkillSchema = z
  .object({ id: Skill, name: z.string().max(80), description: z.string().max(400), tags: z.array(z.string().max(40)).max(16) })
  .strict();

/** The shape of an A2A Agent Card, extended with the agent's DID, organization and role. */
export const AgentCardSchema = z
  .object({
    name: z.string().min(1).max(80),
    description: z.string().max(400),
    version: z.string().max(20),
    provider: z.object({ organization: z.string().max(120), did: Did, kind: z.string().max(40) }).strict(),
    capabilities: z.object({ streaming: z.boolean(), pushNotifications: z.boolean() }).strict(),
    skills: z.array(AgentSkillSchema).min(1).max(16),
    did: Did,
    role: Skill,
    credentials: z.array(z.string().max(120)).max(8),
    /** The organization's key for zero-knowledge commitments (BabyJubJub), where it makes them. */
    zk: z
      .object({ publicKey: z.object({ x: z.string().regex(/^[0-9]{1,78}$/), y: z.string().regex(/^[0-9]{1,78}$/) }).strict() })
      .strict()
      .optional(),
  })
  .strict();
export type AgentCard = z.infer<typeof AgentCardSchema>;

/** A card as posted: with the presentation that backs its organization and role. */
export const AgentCardEnvelopeSchema = AgentCardSchema.extend({ presentation: Presentation.optional() }).strict();

export const TaskAvailableSchema = z
  .object({
    service: z.object({ system: z.string().url(), code: z.string().max(20) }).strict(),
    policy: z.object({ id: z.string().max(80), version: z.string().max(20), hash: Hash }).strict(),
    /** Skills the policy needs, so a convener can find founders from cards. */
    needs: z.array(Skill).min(1).max(16),
    /** Roles that may read the request section (where the case's data lives); none when it has none. */
    requestReaders: z.array(Role).max(16).default([]),
    /** The review clock the request asks for (from the PAS Claim's priority): a code; absent is standard. */
    priority: z.enum(['standard', 'expedited']).optional(),
  })
  .strict();
export type TaskAvailable = z.infer<typeof TaskAvailableSchema>;

export const InvitationSchema = z.object({ invitees: z.array(Did).min(1).max(32) }).strict();
export const AcceptSchema = z.object({ invitation: EnvelopeRef }).strict();

export const ProposedSubtaskSchema = z
  .object({
    id: SubtaskId,
    title: z.string().max(120),
    skill: Skill,
    deps: z.array(SubtaskId).max(16),
    confidence: Unit,
    /** The proposer's domain this subtask belongs to (drives domain relevance). */
    domain: Skill,
    /** Sections its artifact will carry and who may read each (none: it posts no sections). */
    outputs: z.array(Output).max(8).default([]),
  })
  .strict();
export type ProposedSubtask = z.infer<typeof ProposedSubtaskSchema>;
export const ProposalSchema = z.object({ domain: Skill, subtasks: z.array(ProposedSubtaskSchema).min(1).max(32) }).strict();
export type Proposal = z.infer<typeof ProposalSchema>;

export const PlanCommitSchema = z.object({ planHash: Hash }).strict();
export const VoteSchema = z.object({ topic: Code, choice: z.union([Code, Hash]) }).strict();

/** A zero-knowledge role proof (Groth16 proof and public signals), checked by the admission stage. */
const RoleProof = z.record(z.string(), z.unknown());
export const ClaimSchema = z
  .object({ leaseMs: z.number().int().min(1_000).max(3_600_000), presentation: Presentation.optional(), roleProof: RoleProof.optional() })
  .strict();
export const ReleaseSchema = z.object({ reason: Code }).strict();
export const HeartbeatSchema = z.object({}).strict();
export const CheckpointSchema = z.object({ progress: Unit, step: Code }).strict();

/**
 * An artifact's header: the digest of its sections and, on the determination only, its
 * closure (`final`: approved or denied; `open`: pended), which is all the fold needs. What the
 * determination decided travels in its sealed `decision` section: a cleartext header is read
 * by every member and the board's host.
 */
export const ArtifactSchema = z.object({ closure: z.enum(['final', 'open']).optional(), digest: Hash }).strict();
export type Artifact = z.infer<typeof ArtifactSchema>;

/** The closure of a determination that decided `outcome`. */
export function closureOf(outcome: 'approved' | 'denied' | 'pended'): 'final' | 'open' {
  return outcome === 'pended' ? 'open' : 'final';
}

export const GapSchema = z
  .object({
    gap: z.string().regex(/^gap-[a-z0-9-]{1,60}$/),
    skill: Skill,
    /** A coded reason (e.g. `pgx-finding`), never the finding itself. */
    reasonCode: Code,
    suggested: Did.optional(),
    subtask: z
      .object({
        id: SubtaskId,
        title: z.string().max(120),
        deps: z.array(SubtaskId).max(16),
        blocks: z.array(SubtaskId).max(16),
        outputs: z.array(Output).max(8).default([]),
      })
      .strict(),
  })
  .strict();
export type Gap = z.infer<typeof GapSchema>;
export const GapRefSchema = z.object({ gap: z.string() }).strict();

export const AnnounceSchema = z.object({ gap: z.string(), windowMs: z.number().int().min(0).max(600_000) }).strict();
export const BidSchema = z
  .object({
    gap: z.string(),
    cost: Unit,
    quality: Unit,
    latency: Unit,
    trust: Unit,
    credentials: z.array(z.string().max(120)).max(8),
    /** Why the bidder fits, as a code (e.g. `cpic-label-guidance`); never the case's findings. */
    justification: Code,
  })
  .strict();
export type Bid = z.infer<typeof BidSchema>;
export const AwardSchema = z.object({ gap: z.string(), winner: Did, bid: EnvelopeRef, score: z.number(), justification: Code }).strict();

export const WaitSchema = z.object({ on: z.array(SubtaskId).max(16) }).strict();
export const DeadlockResolvedSchema = z.object({ cycle: z.array(Did).max(32), yielded: Did }).strict();
export const LeaseExpiredSchema = z.object({ claimant: Did }).strict();
export const AccessRequestSchema = z
  .object({ section: z.string().max(40), target: EnvelopeRef, presentation: Presentation.optional(), roleProof: RoleProof.optional() })
  .strict();
export type AccessRequest = z.infer<typeof AccessRequestSchema>;
/** `grant` is the wrapped content key (core/access/key-grant.ts), validated by the access rules. */
export const KeyGrantHeaderSchema = z
  .object({ request: EnvelopeRef, target: EnvelopeRef, section: z.string().max(40), grantee: Did, grant: z.record(z.string(), z.unknown()) })
  .strict();
export type KeyGrantHeader = z.infer<typeof KeyGrantHeaderSchema>;
export const DoneVoteSchema = z.object({}).strict();
export const DissolvedSchema = z.object({ votes: z.number().int().min(0), members: z.number().int().min(1) }).strict();
export const ReputationUpdateSchema = z.object({ method: z.literal('shapley'), deltas: z.record(Did, z.number()), values: z.record(Did, z.number()) }).strict();

/**
 * A human decision on a pended case, posted by the requesting organization's operator through
 * one of its agents. The header carries a coded reason and the decision's closure (`final`:
 * approved or denied; `open`: more information requested); what the operator decided travels
 * in a `decision` section ({ outcome, salt }, sealed where selective disclosure is on) whose
 * salted hash is the header's `commitment`, and the operator's note in a `note` section.
 */
export const AdjudicationSchema = z
  .object({
    closure: z.enum(['final', 'open']),
    /** sha256 of the canonical `decision` section content: binds the sealed outcome to the operator's signature. */
    commitment: Hash,
    reasonCode: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'reason codes are lower-case words joined by hyphens'),
    /**
     * The human who decided: an operator id from the organization's wallet (a code, no name),
     * the operator's Ed25519 public key there, and the operator's signature over
     * `adjudicationStatement(…)`. The fold verifies the signature, so a decision names the
     * operator's key, not only the agent that carried it onto the board.
     */
    operator: z
      .object({
        id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'operator ids are lower-case words joined by hyphens'),
        key: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'is a base64url Ed25519 public key'),
        sig: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'is a base64url Ed25519 signature'),
      })
      .strict()
      .optional(),
  })
  .strict();

/** What an operator signs for an Adjudication: the case and the decision (through its commitment), nothing else. */
export function adjudicationStatement(
  caseId: string,
  h: { closure: string; commitment: string; reasonCode: string; operator: { id: string; key: string } },
): Uint8Array {
  return new TextEncoder().encode(`murmur-adjudication:v2\n${caseId}\n${h.closure}\n${h.commitment}\n${h.reasonCode}\n${h.operator.id}\n${h.operator.key}`);
}

/** The sealed content of an Adjudication's `decision` section; the salt keeps its commitment from naming the outcome. */
export const AdjudicationDecisionSchema = z
  .object({ outcome: z.enum(['approved', 'denied', 'info-requested']), salt: z.string().regex(/^[A-Za-z0-9_-]{22,86}$/) })
  .strict();
export type AdjudicationDecision = z.infer<typeof AdjudicationDecisionSchema>;

/** The commitment an Adjudication header carries for its `decision` section content. */
export function adjudicationCommitment(d: AdjudicationDecision): string {
  return sha256Hex(canonicalBytes(d));
}
export type Adjudication = z.infer<typeof AdjudicationSchema>;

/**
 * The requester's new information on a case pended for it (e.g. a provider's Claim update
 * with the missing lab result): it opens the next round of the same case. The header holds a
 * coded reason and the round it opens; where the new data lives travels in a `request`
 * section, like the case's first request.
 */
export const CaseUpdateSchema = z
  .object({
    reasonCode: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'reason codes are lower-case words joined by hyphens'),
    round: z.number().int().min(1).max(64),
  })
  .strict();
export type CaseUpdate = z.infer<typeof CaseUpdateSchema>;

/**
 * The requester withdraws its request, in whole (`case`) or some of its items (their Claim
 * item sequences): e.g. a PAS cancel. A cleartext fact with coded fields only.
 */
export const CaseCancelSchema = z
  .object({
    scope: z.enum(['case', 'items']),
    items: z.array(z.number().int().min(1).max(9999)).max(256),
    reasonCode: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'reason codes are lower-case words joined by hyphens'),
  })
  .strict()
  .refine((h) => h.scope === 'case' || h.items.length > 0, { message: 'an items cancel names at least one item', path: ['items'] });
export type CaseCancel = z.infer<typeof CaseCancelSchema>;

/**
 * An issuer revokes a credential it issued: the status list entry (list id and index) of the
 * credential, signed by an agent of the issuing organization, or by any member relaying the
 * accreditor's signed attestation (an accreditation credential). On the board, so every replica
 * and every audit re-fold judges presentations after it as revoked, and those before as valid.
 */
export const RevocationSchema = z.union([
  z
    .object({
      issuer: Did,
      list: z
        .string()
        .min(1)
        .max(200)
        .regex(/^[a-z][a-z0-9+.-]*:\S+$/i, 'expected an absolute IRI'),
      index: z
        .number()
        .int()
        .min(0)
        .max(1 << 24),
      // An accreditor's signed statement (core/identity/revocation-attestation.ts), relayed by any
      // member: the accreditor has no board key. Verified in the admission stage.
      attestation: z
        .object({
          version: z.literal(1),
          keyId: z
            .string()
            .max(2200)
            .regex(/^did:[a-z0-9]+:[A-Za-z0-9._:%=-]+#[A-Za-z0-9._-]{1,64}$/, 'expected a DID URL'),
          signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'expected a base64url Ed25519 signature'),
        })
        .strict()
        .optional(),
    })
    .strict(),
  // Every credential the issuer gave one of its agents, its zero-knowledge role credential
  // included: a role proof reveals no status entry, only the agent's board key.
  z.object({ issuer: Did, holder: Did }).strict(),
]);
export type Revocation = z.infer<typeof RevocationSchema>;
