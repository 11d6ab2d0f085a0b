import type { StoredEntry } from '../../board/store.js';
import type { Evidence, Verdict, VerdictCode } from '../../board/fold.js';
import type { CaseState, CoalitionState, EntryRef } from '../case-state.js';
import type { AwardWeights } from '../contract-net.js';
import type { GapDecayConfig } from '../stigmergy/gap-strength.js';
import type { MergeOptions } from '../plan.js';
import type { Capabilities } from '../roles.js';
import type { BeliefRoundConfig } from '../consensus/rounds.js';

export interface ReducerConfig {
  /** Reputation of agents the board has not yet scored (0–100). */
  defaultReputation: number;
  /** Starting reputations agreed by the coalition's charter, by agent DID. */
  genesisReputation: Readonly<Record<string, number>>;
  awardWeights: AwardWeights;
  /** Share of members whose signatures commit a plan. */
  planQuorum: number;
  /** Share of members whose done votes dissolve the coalition. */
  doneQuorum: number;
  /** Lease of the claim an award confers on its winner. */
  awardLeaseMs: number;
  /** Rotate the convener by a per-case lottery (roles.ts) instead of any card holder. */
  rotateConvener: boolean;
  /** Board time after which the next-ranked agent may convene. */
  convenerTimeoutMs: number;
  /** Board time after which a convener may replace invitees who have not accepted. */
  acceptWindowMs: number;
  /** Board time after which members may vote to close the proposal round. */
  proposalWindowMs: number;
  /** Heartbeats and checkpoints extend a lease, never beyond claim time + this. */
  maxHoldMs: number;
  /** After a checkpoint at progress 1, the artifact must follow within this. */
  deliveryGraceMs: number;
  /** Reputation points lost when one's lease is revoked (claim squatting, fabrication). */
  leasePenalty: number;
  /** Revoked leases after which an agent claims nothing more in the case. */
  maxStrikes: number;
  /** Times an agent may give a subtask back (failed work) before it may not claim it again. */
  maxReleases: number;
  /**
   * Once a case has been closing this long, members silent on the board this long no longer
   * count towards the done quorum (crashed for good), so a crash cannot hold a case open.
   */
  absentAfterMs: number;
  gapDecay: GapDecayConfig;
  /** Endorsements by other members a gap needs before its contract net may award. */
  gapEndorsementsToAward: number;
  /** Plan merge: confidence cap, fusion rule, cross-validation. */
  merge: MergeOptions;
  /** Belief rounds before the plan (ε, max rounds, round deadline, trim); defaults in consensus/rounds.ts. */
  beliefRounds?: Partial<BeliefRoundConfig>;
  /** Cards and claims must carry a verified presentation (the admission stage checks it). */
  requireCredentials: boolean;
  /**
   * Board time after a round starts executing from which a determination may be posted without
   * all its inputs, pended (an input that never comes cannot hold a case open for ever).
   */
  inputsDeadlineMs: number;
  /** Role → skills the coalition binds cards, claims and artifacts to (roles.ts); none: unbound. */
  capabilities?: Capabilities;
  /** Artifact sections must be sealed (privacy on): a plaintext section is refused. */
  requireSealed: boolean;
}

/** What the access layer's admission found of an entry's presentation. */
export type CredentialEvidence =
  | { ok: true; holder: string; role: string; organization: string; organizationKind: string }
  /** `codes`: the verifier's rejection codes (core/identity/presentations.ts, the ZK checks). */
  | { ok: false; reason: string; codes: readonly string[] };

export function credentialOf(ctx: RuleContext): CredentialEvidence | undefined {
  const c = ctx.evidence.credential as CredentialEvidence | undefined;
  if (c?.ok && c.holder !== ctx.author) return { ok: false, reason: "the presentation is not the author's", codes: ['holder-mismatch'] };
  return c;
}

/** The refusal for a missing or failed credential: a spent or revoked one has its own code. */
export function credentialRefused(what: string, cred: CredentialEvidence | undefined): Verdict {
  const codes = cred && !cred.ok ? cred.codes : [];
  // A revoked credential is refused as such even when its presentation is also a replay.
  const code: VerdictCode = codes.includes('revoked') ? 'E_REVOKED' : codes.includes('replayed') ? 'E_REPLAYED' : 'E_CREDENTIAL';
  return no(code, `${what} credentials: ${cred && !cred.ok ? cred.reason : 'no presentation'}`);
}

/** What every rule sees: the entry, its parsed header, and the author as an agent DID. */
export interface RuleContext<H = unknown> {
  state: CoalitionState;
  config: ReducerConfig;
  entry: StoredEntry;
  header: H;
  /** The author's DID (the key id without its fragment). */
  author: string;
  ref: EntryRef;
  /** What the admission stage verified about this entry (credentials, proofs). */
  evidence: Evidence;
  /** The case, for kinds that belong to one (undefined for TaskAvailable of a new case). */
  case?: CaseState;
  /**
   * One copy of a DID, role or organization string the state keeps: each parsed envelope's
   * strings are fresh (and a DID cut from a key id keeps the whole key id alive), so a state
   * that outlives its entries would otherwise hold a copy per entry. Bounded by distinct values.
   */
  intern: (s: string) => string;
}

export const ok: Verdict = { ok: true };
/** A refusal with its stable code (core/board/verdicts.ts) and a message for people. */
export const no = (code: VerdictCode, reason: string): Verdict => ({ ok: false, code, reason });

export function reputationOf(state: CoalitionState, config: ReducerConfig, did: string): number {
  return state.reputation.get(did) ?? config.genesisReputation[did] ?? config.defaultReputation;
}

/** Moves an agent's board reputation by `delta` (clamped to 0–100), with a history record. */
export function adjustReputation(ctx: RuleContext, did: string, delta: number): void {
  const value = Math.min(100, Math.max(0, reputationOf(ctx.state, ctx.config, did) + delta));
  ctx.state.reputation.set(did, value);
  ctx.state.reputationHistory.push({ did, value, case: ctx.case?.id ?? null, at: ctx.entry.at });
}

export function hasSkill(state: CoalitionState, did: string, skill: string): boolean {
  return state.cards.get(did)?.card.skills.some((s) => s.id === skill) ?? false;
}
