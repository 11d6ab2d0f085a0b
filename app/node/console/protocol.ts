/**
 * The console API's shapes, shared by the console server (Node) and the console UI (browser).
 * Types only: no imports, no runtime code, so both sides compile it. Everything here is
 * PHI-free except `SectionContent.content`, which the server sends only to a console whose
 * organization may read that section.
 */

export type OrgKind = 'payer' | 'cds-vendor' | 'clia-laboratory' | 'pharmacovigilance';

export interface OrgRef {
  id: string;
  name: string;
  kind: OrgKind;
  did: string;
}

export interface Session {
  org: OrgRef;
  orgs: OrgRef[];
  /** Roles this organization's agents hold (what the disclosure policy is checked against). */
  roles: string[];
  /** The payer can act on its pended cases and submit synthetic requests. */
  canAdjudicate: boolean;
  canSubmit: boolean;
  /** Synthetic request variants the demo can submit (fhir/synthetic/bundles). */
  variants: string[];
  /** The operator signed in to this console (by key: ./sign-in.ts), when there is one. */
  operator?: { id: string; name: string; signedInAt?: number; expiresAt?: number };
  /** The organization's operators, who may sign in here. */
  operators: { id: string; name: string }[];
}

export interface ActorRef {
  did: string;
  name: string;
  org: string;
  orgName: string;
}

export type SubtaskStatus = 'waiting' | 'ready' | 'claimed' | 'done' | 'blocked';

export interface SubtaskView {
  id: string;
  title: string;
  skill: string;
  deps: string[];
  origin: 'plan' | 'gap';
  gap?: string;
  status: SubtaskStatus;
  claimant?: ActorRef;
  claimIndex?: number;
  leaseUntil?: number;
  artifact?: { id: string; index: number; outcome?: string };
  outputs: { section: string; readers: string[] }[];
  blockedBy: string[];
  confidence: number;
  /** Claimed by an agent of the organization looking at it. */
  mine: boolean;
}

export interface GapView {
  id: string;
  skill: string;
  reasonCode: string;
  status: 'open' | 'announced' | 'awarded';
  raisedBy: ActorRef;
  raisedIndex: number;
  subtask: string;
  blocks: string[];
  bids: { bidder: ActorRef; score: number }[];
  winner?: ActorRef;
  mine: boolean;
}

export type CaseOutcome = 'approved' | 'denied' | 'pended';
/** An operator's decision as this organization knows it: `decided` where what was decided is sealed from it. */
export type SealedAdjudication = 'approved' | 'denied' | 'info-requested' | 'decided';

export interface CaseView {
  id: string;
  status: 'open' | 'convening' | 'planning' | 'executing' | 'closing' | 'dissolved';
  outcome?: CaseOutcome;
  adjudication?: { outcome: SealedAdjudication; reasonCode: string; by: ActorRef & { operator?: string }; index: number; at: number };
  /** The outcome that stands now (the operator's over the coalition's). */
  current: CurrentOutcome;
  /** Where the case stands on its requester's worklist, against the policy's decision timeframe. */
  work: WorkItem;
  requester: ActorRef;
  service: string;
  policy: string;
  opened: { index: number; at: number };
  members: (ActorRef & { role: string; via: string })[];
  subtasks: SubtaskView[];
  gaps: GapView[];
  doneVotes: number;
  /** Posted artifacts over planned subtasks. */
  progress: { done: number; total: number };
  /** The local organization is the requester of this case. */
  mine: boolean;
  /** The case's round on the board: 0 for the request, n after the n-th update resumed it. */
  round: number;
  /** The rounds before this one, oldest first: how each ended and the update that resumed it. */
  rounds: RoundView[];
}

/**
 * A case on the worklist. `to-decide`: pended by the coalition, waiting for an operator;
 * `waiting-for-provider`: an operator asked for information; `running`: the coalition works;
 * `decided`: a final outcome stands. The clock starts when the request (or its update) arrived.
 */
export interface WorkItem {
  state: 'to-decide' | 'waiting-for-provider' | 'running' | 'decided';
  since: number;
  timeframe: { kind: 'standard' | 'expedited'; hours: number };
  dueAt: number;
  /** Past its due time and not decided. */
  overdue: boolean;
  /** When it left the payer's hands (info requested). */
  waitingSince?: number;
}

/** The outcome that stands now: an operator's decision over the coalition's. */
export interface CurrentOutcome {
  /** `decided`: decided for good, what is sealed from this organization (only the payer's readers see it). */
  outcome: CaseOutcome | 'undecided' | 'waiting-for-provider' | 'decided';
  /** What the coalition decided (its determination). */
  coalition?: CaseOutcome;
  /** The agent that signed the operator's Adjudication, and the operator named in it. */
  decidedBy?: ActorRef & { operator?: string };
  at?: number;
  index?: number;
  reasonCode?: string;
}

/** A link to the board entry a result rests on; `proof` when it is a zero-knowledge proof. */
export interface EvidenceLink {
  label: string;
  entry: string;
  index: number;
  proof?: ProofStatus;
}

export interface MissingDocumentView {
  description: string;
  /** LOINC (or other) document code. */
  code?: string;
  system?: string;
  display?: string;
}

/** Why a case was decided: each criterion with its result, reason and evidence; the PAS answer. */
export interface DecisionCard {
  case: string;
  current: CurrentOutcome;
  readable: boolean;
  /** Why the determination cannot be shown here (not posted, or not readable under the policy). */
  message?: string;
  determination?: EvidenceLink;
  policy?: { id: string; version: string };
  coalitionOutcome?: CaseOutcome;
  criteria?: {
    id: string;
    title: string;
    status: 'met' | 'not-met' | 'missing' | 'review';
    reason: string;
    evaluatedBy: 'payer' | 'lab';
    x12Reason?: string;
    missing?: MissingDocumentView;
    evidence: EvidenceLink[];
  }[];
  reasons?: string[];
  missing: MissingDocumentView[];
  caveats?: { code: string; text: string; drugs?: string[]; source?: EvidenceLink }[];
  evidence?: { certainty: string; trials: string[]; source?: EvidenceLink };
  /** The PAS reviewAction of the ClaimResponse the PAS API serves now. */
  reviewAction?: { code: string; display: string; number: string; reasons: { x12?: string; text: string }[]; disposition: string; outcome: string };
  claimResponse?: { version: 'coalition' | 'adjudicated'; entry?: { id: string; index: number } };
}

export interface RoundView {
  round: number;
  outcome?: CaseOutcome;
  adjudication?: { outcome: SealedAdjudication; reasonCode: string };
  dissolvedIndex?: number;
  /** The CaseUpdate that opened the next round. */
  resumedBy?: { index: number; at: number; reasonCode: string };
}

export type ProofStatus = 'verified' | 'failed' | 'none';

export interface BoardEntryView {
  index: number;
  at: number;
  id: string;
  kind: string;
  layer: string;
  case: string | null;
  subtask?: string;
  author: ActorRef;
  status: 'accepted' | 'rejected' | 'duplicate';
  /** The fold's stable code for a refusal (core/board/verdicts.ts); `reason` is its message. */
  code?: string;
  reason?: string;
  signature: 'valid' | 'invalid';
  chain: 'linked' | 'broken';
  proof: ProofStatus;
  phase?: string;
  text: string;
  sections: { name: string; readers: string[]; sealed: boolean }[];
}

export type LockReason = 'policy' | 'missing-grant' | 'refused' | 'absent';

export interface SectionView {
  name: string;
  readers: string[];
  sealed: boolean;
  /** Whether this organization may read it, and if not, why. */
  access: { readable: true } | { readable: false; reason: LockReason; message: string };
}

export interface EntryDetail {
  entry: BoardEntryView;
  seq: number;
  prev: string | null;
  signatureValue: string;
  header: unknown;
  sections: SectionView[];
}

export interface SectionContent {
  entry: string;
  section: string;
  content: unknown;
}

export interface CredentialView {
  type: string;
  issuer: string;
  issuerName?: string;
  subject: string;
  claims: Record<string, string>;
  validFrom?: string;
  validUntil?: string;
  status: 'valid' | 'revoked' | 'expired' | 'unknown';
}

export interface AgentView extends ActorRef {
  kind: string;
  role: string;
  description: string;
  version: string;
  skills: { id: string; name: string; tags: string[] }[];
  credentials: string[];
  reputation: number;
  history: { value: number; case: string | null; at: number }[];
  lastSeen?: number;
  heartbeats: number;
  claims: { case: string; subtask: string; status: SubtaskStatus }[];
  /** What the board shows of its routing: per skill, work won and delivered. */
  routing: { skill: string; claimed: number; delivered: number; bids: number; awards: number }[];
  local: boolean;
}

export interface WalletView {
  org: OrgRef;
  agents: { name: string; did: string; role: string; credentials: CredentialView[] }[];
  keyStore: string;
}

export interface DisclosureCell {
  org: string;
  element: string;
  /** The disclosure policy lets one of the organization's roles read it. */
  mayRead: boolean;
  /** The organization holds a key for it (its author, or a grant to one of its agents). */
  couldDecrypt: boolean;
  /** The organization opened it (from its own audit trail: local organization only). */
  didDecrypt: boolean | null;
  /** The access requests of the organization's agents for it and the key grants answering them. */
  access?: { request: { id: string; index: number; role: string }; grant?: { id: string; index: number } }[];
}

export interface DisclosureMatrix {
  case: string;
  orgs: OrgRef[];
  elements: { id: string; subtask: string; section: string; readers: string[]; author?: string }[];
  cells: DisclosureCell[];
  /** FHIR data elements this organization's agents read (its own audit trail). */
  fhirReads: { actor: string; elements: string[] }[];
  /** The matrix follows the policy: nobody could decrypt what they may not read. */
  withinPolicy: boolean;
  source: string;
}

export interface BoardVerification {
  entries: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  authors: number;
  chainsIntact: boolean;
  brokenChains: { author: string; index: number; reason: string }[];
  equivocations: number;
  merkleRoot: string;
  head: number;
}

export interface AuditView {
  board: BoardVerification;
  trail: { ok: boolean; count: number; head?: string; index?: number; reason?: string };
  entries: {
    index: number;
    at: number;
    kind: string;
    actor: string;
    /** The operator the agent read for (a console read), by name where this organization knows them. */
    operator?: string;
    outcome: string;
    case?: string;
    subtask?: string;
    section?: string;
    counterparty?: string;
    reasons?: string[];
    elements?: string[];
    hash: string;
    /** What the read or grant rested on, in words: the role credential presented, or authorship. */
    basis?: string;
    /** The board entries behind it: the entry read, the AccessRequest and the KeyGrant. */
    envelope?: { id: string; index: number };
    request?: { id: string; index: number };
    grant?: { id: string; index: number };
  }[];
}

export interface ProblemView {
  severity: 'error' | 'warning' | 'info';
  kind: 'rejected' | 'expired-claim' | 'deadlock' | 'equivocation' | 'open-gap' | 'overdue' | 'store';
  case?: string;
  index?: number;
  entry?: string;
  message: string;
}

export interface LogLine {
  at: number;
  level: 'debug' | 'info' | 'warn' | 'error';
  source: string;
  event: string;
  fields: Record<string, string | number | boolean | null>;
}

export interface ProgressView {
  id: string;
  title: string;
  state: 'running' | 'done' | 'failed';
  done: number;
  total?: number;
  message?: string;
}

export interface AdjudicationRequest {
  outcome: 'approved' | 'denied' | 'info-requested';
  reasonCode: string;
  note?: string;
}

export interface ApiError {
  error: { code: string; message: string; field?: string };
}

/** Server-sent events: `record` (BoardEntryView), `log` (LogLine), `progress` (ProgressView). */
export type ServerEvent = { type: 'record'; data: BoardEntryView } | { type: 'log'; data: LogLine } | { type: 'progress'; data: ProgressView };
