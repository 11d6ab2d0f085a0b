import type { Kind } from '../../board/kinds.js';
import { AccessRequestKind, KeyGrantKind, RevocationKind } from './access.js';
import { AcceptKind, AgentCardKind, InvitationKind, TaskAvailableKind } from './bootstrap.js';
import { AdjudicationKind, CaseCancelKind, CaseUpdateKind, DissolvedKind, DoneVoteKind, ReputationUpdateKind } from './closing.js';
import type { KindDef } from './define.js';
import { ArtifactKind, CheckpointKind, ClaimKind, GapEndorseKind, GapKind, GapRejectKind, HeartbeatKind, ReleaseKind } from './execution.js';
import { DeadlockResolvedKind, LeaseExpiredKind, TickKind, WaitKind } from './failures.js';
import { AnnounceKind, AwardKind, BidKind } from './negotiation.js';
import { BeliefUpdateKind, PlanCommitKind, ProposalKind, VoteKind } from './planning.js';

/**
 * Every board kind, by name: the fold dispatches through this table. `satisfies` makes the
 * compiler refuse a kind of core/board/kinds.ts that has no definition, or one filed under
 * another kind's name.
 */
export const KIND_DEFS = {
  TaskAvailable: TaskAvailableKind,
  AgentCard: AgentCardKind,
  Invitation: InvitationKind,
  Accept: AcceptKind,
  Proposal: ProposalKind,
  BeliefUpdate: BeliefUpdateKind,
  PlanCommit: PlanCommitKind,
  Vote: VoteKind,
  Claim: ClaimKind,
  Release: ReleaseKind,
  Heartbeat: HeartbeatKind,
  Checkpoint: CheckpointKind,
  Artifact: ArtifactKind,
  Gap: GapKind,
  GapEndorse: GapEndorseKind,
  GapReject: GapRejectKind,
  Announce: AnnounceKind,
  Bid: BidKind,
  Award: AwardKind,
  Wait: WaitKind,
  DeadlockResolved: DeadlockResolvedKind,
  LeaseExpired: LeaseExpiredKind,
  Tick: TickKind,
  AccessRequest: AccessRequestKind,
  KeyGrant: KeyGrantKind,
  Revocation: RevocationKind,
  DoneVote: DoneVoteKind,
  Dissolved: DissolvedKind,
  ReputationUpdate: ReputationUpdateKind,
  Adjudication: AdjudicationKind,
  CaseUpdate: CaseUpdateKind,
  CaseCancel: CaseCancelKind,
} as const satisfies { readonly [K in Kind]: KindDef<K, unknown, unknown> };

export type KindDefs = typeof KIND_DEFS;

/** The header of a kind as its schema parses it: what a rule reads, and code reading an entry back. */
export type HeaderOf<K extends Kind> = KindDefs[K] extends KindDef<K, infer H, infer _I> ? H : never;

/** The header of a kind as its schema accepts it (before defaults and transforms): what a poster writes. */
export type HeaderInputOf<K extends Kind> = KindDefs[K] extends KindDef<K, infer _H, infer I> ? I : never;

/** The registry with some kinds replaced (a higher layer supplying their rules). */
export function withKinds(overrides: readonly KindDef[]): ReadonlyMap<Kind, KindDef> {
  const m = new Map<Kind, KindDef>(Object.values(KIND_DEFS).map((d: KindDef) => [d.kind, d]));
  for (const d of overrides) m.set(d.kind, d);
  return m;
}
