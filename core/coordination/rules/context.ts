import type { StoredEntry } from '../../board/store.js';
import type { Evidence, Verdict } from '../../board/fold.js';
import type { CaseState, CoalitionState, EntryRef } from '../case-state.js';
import type { AwardWeights } from '../contract-net.js';

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
  /** Cards and claims must carry a verified presentation (the admission stage checks it). */
  requireCredentials: boolean;
}

/** What the access layer's admission found of an entry's presentation. */
export type CredentialEvidence =
  | { ok: true; holder: string; role: string; organization: string; organizationKind: string }
  | { ok: false; reason: string };

export function credentialOf(ctx: RuleContext): CredentialEvidence | undefined {
  const c = ctx.evidence.credential as CredentialEvidence | undefined;
  if (c?.ok && c.holder !== ctx.author) return { ok: false, reason: 'the presentation is not the author\'s' };
  return c;
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
}

export const ok: Verdict = { ok: true };
export const no = (reason: string): Verdict => ({ ok: false, reason });

export function reputationOf(state: CoalitionState, config: ReducerConfig, did: string): number {
  return state.reputation.get(did) ?? config.genesisReputation[did] ?? config.defaultReputation;
}

export function hasSkill(state: CoalitionState, did: string, skill: string): boolean {
  return state.cards.get(did)?.card.skills.some((s) => s.id === skill) ?? false;
}
