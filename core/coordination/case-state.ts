import type { AgentCard, Output, Proposal, TaskAvailable } from './messages.js';
import type { BeliefRounds } from './rules/belief-update.js';
import type { CaseTable } from './case-table.js';

/** Where a case is in its life; each step is a fact of the log (see reducer.ts). */
export type CaseStatus = 'open' | 'convening' | 'planning' | 'executing' | 'closing' | 'dissolved';

export interface EntryRef {
  id: string;
  index: number;
  at: number;
}

export interface Member {
  did: string;
  /** The organization (provider DID from the agent's card). */
  org: string;
  role: string;
  via: 'convener' | 'invitation' | 'contract-net' | 'takeover';
  since: EntryRef;
}

export interface PlannedSubtask {
  id: string;
  title: string;
  skill: string;
  deps: string[];
  /** Fused confidence in this subtask from the proposals. */
  confidence: number;
  /** The disclosure policy of its artifact: each section and the roles that may read it. */
  outputs: Output[];
}

export interface Subtask extends PlannedSubtask {
  origin: 'plan' | { gap: string };
  claimant?: string;
  claim?: EntryRef;
  leaseUntil?: number;
  leaseMs?: number;
  artifact?: EntryRef & { author: string };
  /** Open gaps that must be settled before this subtask may run. */
  blockedBy: string[];
  /** The claimant's latest progress checkpoint (monotone). */
  checkpoint?: { progress: number; at: number };
  /** Claims accepted so far (each release or revocation opens a new claim round). */
  claims?: number;
  /** Agents who released their claim without delivering (failed work), in order. */
  released?: string[];
  /** Agents whose claim on this subtask was revoked (they may not claim it again). */
  revoked?: string[];
  /** Given up when the determination was pended at the inputs deadline: nobody works on it. */
  abandoned?: EntryRef;
  /** The latest Release or LeaseExpired that freed the subtask (a new claim attempt's nonce). */
  freed?: EntryRef;
}

/** A claim that ended without delivery: why the fold let it go. */
export interface LeaseLapse {
  subtask: string;
  claimant: string;
  cause: 'lapsed' | 'held-too-long' | 'undelivered';
  ref: EntryRef;
}

export interface BidRecord extends EntryRef {
  author: string;
  cost: number;
  quality: number;
  latency: number;
  trust: number;
  score: number;
}

export interface GapState {
  id: string;
  author: string;
  skill: string;
  reasonCode: string;
  suggested?: string;
  subtask: { id: string; title: string; deps: string[]; blocks: string[]; outputs: Output[] };
  status: 'open' | 'announced' | 'awarded';
  raised: EntryRef;
  announce?: EntryRef & { windowMs: number };
  bids: BidRecord[];
  award?: EntryRef & { winner: string; bid: string };
  endorsements: string[];
  endorsedAt: number[];
  /** Members who validated the gap against the case and found it false. */
  rejections: string[];
  withdrawn?: EntryRef;
}

/** Whether a determination closes the case (`final`) or leaves it open (`open`: pended). */
export type Closure = 'final' | 'open';

export interface CaseState {
  id: string;
  status: CaseStatus;
  requester: string;
  task: TaskAvailable;
  opened: EntryRef;
  /**
   * Rounds of the case: 0 is the first; each accepted CaseUpdate (new information on a pended
   * case) opens the next, re-running every subtask with the same members and plan.
   */
  round: number;
  /** The CaseUpdate entries, in order (each carries the round's `request` section). */
  updates: EntryRef[];
  /** What earlier rounds ended with (their outcome, human decision and scoring). */
  history: RoundRecord[];
  convener?: string;
  invitation?: EntryRef;
  /** Every invitation of the case (a convener may replace invitees who never accepted). */
  invitations: string[];
  /** Everyone any invitation of the case named. */
  everInvited: string[];
  planningSince?: EntryRef;
  /** Votes by topic (low-stakes choices, e.g. closing the proposal round). */
  votes: Map<string, { voter: string; choice: string; ref: EntryRef }[]>;
  proposalsClosed?: EntryRef;
  /** The belief rounds that turn the proposals into the plan (rules/belief-update.ts). */
  consensus?: BeliefRounds;
  /** What each member says it waits on (waits-for graph edges go to those subtasks' claimants). */
  waits: Map<string, { on: string[]; ref: EntryRef }>;
  deadlocks: { cycle: string[]; yielded: string; ref: EntryRef }[];
  lapses: LeaseLapse[];
  /**
   * Presentation challenges and role-proof nullifiers spent on this case's claims and access
   * requests (admission's replay ledger). Every such nonce names an entry of this case, so the
   * ledger lives and is frozen with the case instead of growing with history.
   */
  spent: Set<string>;
  invitees: string[];
  members: Map<string, Member>;
  proposals: Map<string, Proposal & { ref: EntryRef }>;
  plan?: { hash: string; subtasks: PlannedSubtask[]; computedAt: EntryRef };
  planSigners: string[];
  planCommitted?: EntryRef;
  subtasks: Map<string, Subtask>;
  gaps: Map<string, GapState>;
  doneVotes: string[];
  closingSince?: EntryRef;
  /** The determination pended at the inputs deadline, without every input (this round). */
  inputsCutoff?: EntryRef;
  dissolved?: EntryRef;
  /**
   * The determination, as far as the cleartext says: whether it closes the matter (`final`:
   * approved or denied) or leaves the case open (`open`: pended, for an operator or new
   * information). What it decided is in its sealed `decision` section, for its readers only.
   */
  outcome?: { closure: Closure; subtask: string; ref: EntryRef };
  /** The requester's human decision on a pended outcome (latest first-class decision wins). */
  /** An operator's decision; `operator` when an operator of the organization signed it (verified by the fold). */
  /** `closure` only: what the operator decided is in the entry's sealed `decision` section. */
  adjudication?: { closure: Closure; commitment: string; reasonCode: string; author: string; ref: EntryRef; operator?: { id: string; key: string } };
  reputation?: { deltas: Record<string, number>; values: Record<string, number>; ref: EntryRef };
  /** What the requester withdrew (CaseCancel): the whole request, or these item sequences. Kept across rounds. */
  cancellation?: { whole: boolean; items: number[]; reasonCode: string; author: string; ref: EntryRef };
  access: {
    /** Access requests by envelope id. */
    requests: Map<string, AccessRequestRecord>;
    /** Key grants by the request they answer. */
    grants: Map<string, GrantRecord>;
  };
}

export interface RoundRecord {
  round: number;
  outcome?: CaseState['outcome'];
  adjudication?: CaseState['adjudication'];
  dissolved?: EntryRef;
  reputation?: CaseState['reputation'];
}

/** The entry holding the current round's `request` section (the TaskAvailable or the latest CaseUpdate). */
export function requestEntry(c: CaseState): EntryRef {
  return c.updates.at(-1) ?? c.opened;
}

/** A key for "once per round" actions: the case id, suffixed from the second round on. */
export function roundKey(c: Pick<CaseState, 'id' | 'round'>): string {
  return c.round === 0 ? c.id : `${c.id}#${c.round}`;
}

export interface AccessRequestRecord {
  ref: EntryRef;
  requester: string;
  role: string;
  organization: string;
  target: string;
  targetAuthor: string;
  subtask: string;
  section: string;
}

export interface GrantRecord {
  ref: EntryRef;
  request: string;
  grantor: string;
  grantee: string;
  target: string;
  section: string;
}

export interface CardRecord {
  card: AgentCard;
  ref: EntryRef;
}

export interface CoalitionState {
  /** Live cases in memory, settled ones possibly frozen out of it (case-table.ts). */
  cases: CaseTable;
  /** The agent directory: latest card per agent DID (gossip cache source). */
  cards: Map<string, CardRecord>;
  /** Reputation (0–100) per agent DID, moved only by verified ReputationUpdates. */
  reputation: Map<string, number>;
  reputationHistory: { did: string; value: number; case: string | null; at: number }[];
  /** Board time of each agent's latest accepted envelope (liveness, for quorums under crashes). */
  lastSeen: Map<string, number>;
  /** Credentials revoked on the board: `issuer list#index` → the Revocation entry (access layer). */
  revocations: Map<string, EntryRef>;
}
