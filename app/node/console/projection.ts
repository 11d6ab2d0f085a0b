import type { FoldRecord } from '../../../core/board/fold.js';
import { authorDid } from '../../../core/board/envelope.js';
import { layerOf, type Kind } from '../../../core/board/kinds.js';
import type { StoredEntry, SubscriberFailures } from '../../../core/board/store.js';
import { AUTHENTICATION_CODES, CHAIN_CODES, CREDENTIAL_CODES, ENVELOPE_CODES, refusedWith } from '../../../core/board/verdicts.js';
import { BoardTree } from '../../../core/board/tree-head.js';
import type { CaseState, CoalitionState, EntryRef, RoundRecord, Subtask } from '../../../core/coordination/case-state.js';
import { traceLine } from '../trace.js';
import { currentOutcome } from './decision.js';
import type { AuditEntry } from '../../../core/access/audit.js';
import type { BoardReplica } from '../../../core/agents/runtime/replica.js';
import type { AdjudicationDecision, AgentCard } from '../../../core/coordination/messages.js';
import type {
  CaseOutcome,
  ActorRef,
  AgentView,
  BoardEntryView,
  BoardVerification,
  CaseView,
  RoundView,
  GapView,
  OrgKind,
  OrgRef,
  ProblemView,
  SubtaskStatus,
  SubtaskView,
  WorkItem,
} from './protocol.js';
import { acceptedHeader } from '../../../core/coordination/kinds/draft.js';

/** How many of the verdicts' problems (rejections, deadlocks, expired claims) the console keeps: the latest. */
const RECORD_PROBLEMS = 1_000;

/**
 * What the console reads of an organization: its replica of the board, its audit trail and its
 * agents' cards. A running OrgNode is one; a run's data folder re-folded is another
 * (app/node/audit/org-view.ts, for `murmur audit report`), so both get the same views.
 */
export interface OrgView {
  readonly spec: { id: string; name: string; kind: OrgKind };
  readonly did: string;
  readonly replica: Pick<BoardReplica, 'state' | 'entry' | 'fold' | 'config'> & { readonly storeProblem?: BoardReplica['storeProblem'] };
  readonly audit: { readonly org: string; entries(): readonly AuditEntry[] };
  /** The board store's subscriber failures so far (a store that counts them; see SubscriberFailures). */
  readonly storeSubscribers?: () => SubscriberFailures['subscriberFailures'];
  readonly agents: readonly { readonly did: string; readonly card: AgentCard }[];
  /**
   * Outcomes are sealed (the header holds only a closure): what this organization read of a
   * determination or an operator's decision, else what the closure says (`pended`,
   * `info-requested`), else undefined. The console reads outcomes through these two only.
   */
  knownOutcome(x: Pick<CaseState, 'outcome'>): CaseOutcome | undefined;
  knownAdjudication(x: Pick<CaseState, 'adjudication'>): AdjudicationDecision['outcome'] | undefined;
  /** Reads (and checks against its commitment) the operator's sealed decision where this organization may. */
  adjudicationOf(x: Pick<CaseState, 'adjudication'>): Promise<AdjudicationDecision['outcome'] | undefined>;
}

/**
 * Read-only projections of an org node's replica into the console's PHI-free shapes. Built
 * from the folded state and the cleartext of the log only: sections are never opened here.
 */
export class Projection<N extends OrgView = OrgView> {
  /** This organization's console operators by id: display name and public key (base64url). */
  readonly operators = new Map<string, { name: string; key: string }>();
  /**
   * The payer's decision timeframes (hours). Defaults: CMS-0057-F's 7 days standard and 72 h
   * expedited; a payer sets shorter ones (e.g. for drugs) in its console options.
   */
  timeframes = { standardHours: 168, expeditedHours: 72 };
  /** Problems from the verdicts, in log order, and the board index read up to. */
  private readonly problemsSeen: ProblemView[] = [];
  private problemsRead = 0;
  /** The console's clock (injected by the server). */
  now: () => number = () => this.node.replica.fold.now;

  constructor(
    readonly node: N,
    private readonly directory: readonly OrgRef[],
  ) {}

  get state(): CoalitionState {
    return this.node.replica.state;
  }

  get self(): OrgRef {
    return (
      this.directory.find((o) => o.did === this.node.did) ?? { id: this.node.spec.id, name: this.node.spec.name, kind: this.node.spec.kind, did: this.node.did }
    );
  }

  orgs(): OrgRef[] {
    return [...this.directory];
  }

  /** Roles of this organization's agents. */
  roles(): string[] {
    return [...new Set(this.node.agents.map((a) => a.card.role))].sort();
  }

  actor(did: string): ActorRef {
    const card = this.state.cards.get(did)?.card;
    const org = card ? this.directory.find((o) => o.did === card.provider.did) : undefined;
    return { did, name: card?.name ?? did.slice(0, 20), org: org?.id ?? card?.provider.did ?? '?', orgName: card?.provider.organization ?? 'unknown' };
  }

  private isLocal(did: string | undefined): boolean {
    return !!did && this.node.agents.some((a) => a.did === did);
  }

  cases(): CaseView[] {
    return [...this.state.cases.values()].sort((a, b) => b.opened.index - a.opened.index).map((c) => this.caseView(c));
  }

  caseView(c: CaseState): CaseView {
    const subtasks = [...c.subtasks.values()].map((s) => this.subtaskView(c, s));
    for (const g of c.gaps.values()) {
      if (c.subtasks.has(g.subtask.id)) continue;
      subtasks.push({
        id: g.subtask.id,
        title: g.subtask.title,
        skill: g.skill,
        deps: g.subtask.deps,
        origin: 'gap',
        gap: g.id,
        status: 'waiting',
        outputs: g.subtask.outputs,
        blockedBy: [],
        confidence: 0,
        mine: false,
      });
    }
    const gaps: GapView[] = [...c.gaps.values()].map((g) => ({
      id: g.id,
      skill: g.skill,
      reasonCode: g.reasonCode,
      status: g.status,
      raisedBy: this.actor(g.author),
      raisedIndex: g.raised.index,
      subtask: g.subtask.id,
      blocks: g.subtask.blocks,
      bids: g.bids.map((b) => ({ bidder: this.actor(b.author), score: b.score })),
      ...(g.award ? { winner: this.actor(g.award.winner) } : {}),
      mine: this.isLocal(g.author),
    }));
    const requester = this.actor(c.requester);
    const current = currentOutcome(this, c);
    return {
      id: c.id,
      status: c.status,
      ...(this.node.knownOutcome(c) ? { outcome: this.node.knownOutcome(c)! } : {}),
      ...(c.adjudication
        ? {
            adjudication: {
              outcome: this.node.knownAdjudication(c) ?? 'decided',
              reasonCode: c.adjudication.reasonCode,
              by: current.decidedBy ?? this.actor(c.adjudication.author),
              index: c.adjudication.ref.index,
              at: c.adjudication.ref.at,
            },
          }
        : {}),
      current,
      work: this.workItem(c, current),
      requester,
      service: c.task.service.code,
      policy: `${c.task.policy.id} ${c.task.policy.version}`,
      opened: { index: c.opened.index, at: c.opened.at },
      members: [...c.members.values()].map((m) => ({ ...this.actor(m.did), role: m.role, via: m.via })),
      subtasks,
      gaps,
      doneVotes: c.doneVotes.length,
      progress: { done: subtasks.filter((s) => s.status === 'done').length, total: subtasks.length },
      mine: requester.org === this.self.id,
      round: c.round,
      rounds: c.history.map((r, i) => this.roundView(r, c.updates[i])),
    };
  }

  /** The review clock the request asked for: TaskAvailable's `priority` code (from the PAS Claim's priority). */
  priority(c: CaseState): 'standard' | 'expedited' {
    const opened = this.node.replica.entry(c.opened.id);
    return (opened && acceptedHeader('TaskAvailable', opened.envelope))?.priority === 'expedited' ? 'expedited' : 'standard';
  }

  /** The case's place on the worklist, due on the payer's clock for the request's priority. */
  workItem(c: CaseState, current: CaseView['current']): WorkItem {
    const since = c.updates.at(-1)?.at ?? c.opened.at;
    const kind = this.priority(c);
    const hours = kind === 'expedited' ? this.timeframes.expeditedHours : this.timeframes.standardHours;
    const dueAt = since + hours * 3_600_000;
    const state: WorkItem['state'] =
      current.outcome === 'waiting-for-provider'
        ? 'waiting-for-provider'
        : current.outcome === 'pended'
          ? 'to-decide'
          : current.outcome === 'undecided'
            ? 'running'
            : 'decided';
    return {
      state,
      since,
      timeframe: { kind, hours },
      dueAt,
      overdue: (state === 'to-decide' || state === 'running') && this.now() > dueAt,
      ...(state === 'waiting-for-provider' && current.at !== undefined ? { waitingSince: current.at } : {}),
    };
  }

  private roundView(r: RoundRecord, update: EntryRef | undefined): RoundView {
    const updated = update && this.node.replica.entry(update.id);
    const reasonCode = updated ? acceptedHeader('CaseUpdate', updated.envelope).reasonCode : undefined;
    return {
      round: r.round,
      ...(this.node.knownOutcome(r) ? { outcome: this.node.knownOutcome(r)! } : {}),
      ...(r.adjudication ? { adjudication: { outcome: this.node.knownAdjudication(r) ?? 'decided', reasonCode: r.adjudication.reasonCode } } : {}),
      ...(r.dissolved ? { dissolvedIndex: r.dissolved.index } : {}),
      ...(update ? { resumedBy: { index: update.index, at: update.at, reasonCode: String(reasonCode ?? '') } } : {}),
    };
  }

  private subtaskView(c: CaseState, s: Subtask): SubtaskView {
    const status: SubtaskStatus = s.artifact
      ? 'done'
      : s.claimant
        ? 'claimed'
        : s.blockedBy.length > 0
          ? 'blocked'
          : s.deps.every((d) => c.subtasks.get(d)?.artifact)
            ? 'ready'
            : 'waiting';
    // Only the determination has an outcome, and it is sealed: shown where this node read it.
    const outcome = s.artifact && c.outcome?.ref.id === s.artifact.id ? this.node.knownOutcome(c) : undefined;
    return {
      id: s.id,
      title: s.title,
      skill: s.skill,
      deps: s.deps,
      origin: s.origin === 'plan' ? 'plan' : 'gap',
      ...(s.origin !== 'plan' ? { gap: s.origin.gap } : {}),
      status,
      ...(s.claimant ? { claimant: this.actor(s.claimant) } : {}),
      ...(s.claim ? { claimIndex: s.claim.index } : {}),
      ...(s.leaseUntil !== undefined ? { leaseUntil: s.leaseUntil } : {}),
      ...(s.artifact ? { artifact: { id: s.artifact.id, index: s.artifact.index, ...(outcome ? { outcome } : {}) } } : {}),
      outputs: s.outputs,
      blockedBy: s.blockedBy,
      confidence: s.confidence,
      mine: this.isLocal(s.claimant),
    };
  }

  entryView(record: FoldRecord, entry: StoredEntry | undefined): BoardEntryView {
    const author = authorDid(record.author);
    const t = entry ? traceLine(record, entry, this.state) : undefined;
    const header = (entry?.envelope.header ?? {}) as Record<string, unknown>;
    const hasProof = header.presentation !== undefined || header.proof !== undefined;
    const proofFailed = record.status === 'rejected' && refusedWith(record, CREDENTIAL_CODES);
    let layer = 'unknown';
    try {
      layer = layerOf(record.kind as Kind);
    } catch {
      /* an unknown kind is rejected by the fold's schema check */
    }
    return {
      index: record.index,
      at: record.at,
      id: record.id,
      kind: record.kind,
      layer,
      case: record.case,
      ...(record.subtask ? { subtask: record.subtask } : {}),
      author: this.actor(author),
      status: record.status,
      ...(record.reason ? { reason: record.reason } : {}),
      ...(record.code ? { code: record.code } : {}),
      signature: record.status === 'rejected' && refusedWith(record, ENVELOPE_CODES) ? 'invalid' : 'valid',
      chain: record.status === 'rejected' && refusedWith(record, CHAIN_CODES) ? 'broken' : 'linked',
      proof: proofFailed ? 'failed' : hasProof && record.status === 'accepted' ? 'verified' : 'none',
      ...(t?.phase ? { phase: t.phase } : {}),
      text: t?.text || describe(record, header),
      sections: (entry?.envelope.sections ?? []).map((s) => ({ name: s.name, readers: [...s.readers], sealed: s.plaintext === undefined })),
    };
  }

  board(from = 1, limit = 1000): BoardEntryView[] {
    return this.node.replica.fold.records.from(from, limit).map((r) => this.entryView(r, this.node.replica.entry(r.id)));
  }

  agents(): AgentView[] {
    const records = this.node.replica.fold.records;
    return [...this.state.cards.values()].map(({ card }) => {
      const mine = records.filter((r) => authorDid(r.author) === card.did && r.status === 'accepted');
      const claims: AgentView['claims'] = [];
      const routing = new Map<string, AgentView['routing'][number]>();
      const skillRow = (skill: string) => {
        let row = routing.get(skill);
        if (!row) routing.set(skill, (row = { skill, claimed: 0, delivered: 0, bids: 0, awards: 0 }));
        return row;
      };
      for (const c of this.state.cases.values()) {
        for (const s of c.subtasks.values()) {
          if (s.claimant !== card.did) continue;
          claims.push({ case: c.id, subtask: s.id, status: this.subtaskView(c, s).status });
          skillRow(s.skill).claimed++;
          if (s.artifact) skillRow(s.skill).delivered++;
        }
        for (const g of c.gaps.values()) {
          if (g.bids.some((b) => b.author === card.did)) skillRow(g.skill).bids++;
          if (g.award?.winner === card.did) skillRow(g.skill).awards++;
        }
      }
      const org = this.actor(card.did);
      return {
        ...org,
        kind: card.provider.kind,
        role: card.role,
        description: card.description,
        version: card.version,
        skills: card.skills.map((s) => ({ id: s.id, name: s.name, tags: s.tags })),
        credentials: card.credentials,
        reputation: this.state.reputation.get(card.did) ?? this.node.replica.config.genesisReputation[card.did] ?? this.node.replica.config.defaultReputation,
        history: this.state.reputationHistory.filter((h) => h.did === card.did).map((h) => ({ value: h.value, case: h.case, at: h.at })),
        ...(mine.length ? { lastSeen: mine.at(-1)!.at } : {}),
        heartbeats: mine.filter((r) => r.kind === 'Heartbeat').length,
        claims,
        routing: [...routing.values()],
        local: this.isLocal(card.did),
      };
    });
  }

  problems(now: number): ProblemView[] {
    const out: ProblemView[] = [];
    const store = this.node.replica.storeProblem;
    if (store) {
      // The replica retries a failing board store with backoff; until it answers, nothing new is folded.
      out.push({
        severity: 'error',
        kind: 'store',
        message: `the board store failed ${store.attempts} read(s) in a row (${store.error}); retrying, nothing new is folded meanwhile`,
      });
    }
    const subscribers = this.node.storeSubscribers?.();
    if (subscribers) {
      // Each such entry is on the board; a subscriber (an event stream, a witness) missed it.
      out.push({
        severity: 'error',
        kind: 'store',
        message: `${subscribers.count} board store subscriber call(s) failed, the last with ${subscribers.error}; those subscribers missed the entries`,
      });
    }
    out.push(...this.recordProblems());
    for (const c of this.state.cases.values()) {
      if (this.actor(c.requester).org === this.self.id) {
        const w = this.workItem(c, currentOutcome(this, c));
        if (w.overdue) {
          const late = Math.round((this.now() - w.dueAt) / 3_600_000);
          out.push({
            severity: 'warning',
            kind: 'overdue',
            case: c.id,
            message: `case ${c.id} is overdue: ${w.state === 'to-decide' ? 'pended, waiting for an operator' : 'still running'}, due ${late} h ago (${w.timeframe.kind} timeframe, ${w.timeframe.hours} h)`,
          });
        }
      }
      if (c.status === 'dissolved') continue;
      for (const s of c.subtasks.values()) {
        if (s.claimant && !s.artifact && s.leaseUntil !== undefined && s.leaseUntil < now) {
          out.push({ severity: 'warning', kind: 'expired-claim', case: c.id, message: `the lease of ${this.actor(s.claimant).name} on ${s.id} has run out` });
        }
      }
      for (const g of c.gaps.values()) {
        if (g.status === 'open')
          out.push({ severity: 'info', kind: 'open-gap', case: c.id, index: g.raised.index, message: `gap ${g.id} (${g.skill}) is open` });
      }
    }
    for (const e of this.node.replica.fold.equivocations) {
      if (!out.some((p) => p.kind === 'equivocation' && p.index === e.index)) {
        out.push({
          severity: 'error',
          kind: 'equivocation',
          index: e.index,
          entry: e.ids[1],
          message: `${this.actor(authorDid(e.author)).name} signed two entries with seq ${e.seq}`,
        });
      }
    }
    return out;
  }

  /**
   * What the log's verdicts show (rejections, resolved deadlocks, expired claims): read once as
   * they are folded, not by walking every record of history (most of it spilled to disk) on
   * each poll; the latest RECORD_PROBLEMS are kept.
   */
  private recordProblems(): ProblemView[] {
    const records = this.node.replica.fold.records;
    for (;;) {
      const page = records.from(this.problemsRead + 1, 1_000);
      if (page.length === 0) break;
      for (const r of page) {
        const problem = this.problemOf(r);
        if (problem) this.problemsSeen.push(problem);
      }
      this.problemsRead = page.at(-1)!.index;
    }
    if (this.problemsSeen.length > RECORD_PROBLEMS) this.problemsSeen.splice(0, this.problemsSeen.length - RECORD_PROBLEMS);
    return this.problemsSeen;
  }

  private problemOf(r: FoldRecord): ProblemView | undefined {
    if (r.status === 'rejected') {
      const equivocation = r.code === 'E_EQUIVOCATION';
      return {
        severity: equivocation ? 'error' : 'warning',
        kind: equivocation ? 'equivocation' : 'rejected',
        ...(r.case ? { case: r.case } : {}),
        index: r.index,
        entry: r.id,
        message: `${r.kind} #${r.index} by ${this.actor(authorDid(r.author)).name} rejected: ${r.reason ?? 'no reason'}`,
      };
    }
    if (r.kind === 'DeadlockResolved' && r.status === 'accepted') {
      return {
        severity: 'warning',
        kind: 'deadlock',
        ...(r.case ? { case: r.case } : {}),
        index: r.index,
        entry: r.id,
        message: `deadlock resolved at #${r.index}`,
      };
    }
    if (r.kind === 'LeaseExpired' && r.status === 'accepted') {
      return {
        severity: 'warning',
        kind: 'expired-claim',
        ...(r.case ? { case: r.case } : {}),
        index: r.index,
        entry: r.id,
        message: `claim on ${r.subtask ?? '?'} expired (#${r.index})`,
      };
    }
    return undefined;
  }

  /**
   * Re-derives what the fold established about the log: per-author chains (seq and prev),
   * signatures, equivocations, and the board's RFC 9162 Merkle root (the one the witnesses sign).
   */
  verifyBoard(): BoardVerification {
    const records = [...this.node.replica.fold.records];
    const chains = new Map<string, { seq: number; id: string }>();
    const broken: BoardVerification['brokenChains'] = [];
    for (const r of records) {
      // Entries refused for authorship or order never extended a chain; refused effects did.
      if (r.status !== 'accepted' && !(r.status === 'rejected' && !refusedWith(r, AUTHENTICATION_CODES))) continue;
      const env = this.node.replica.entry(r.id)?.envelope;
      if (!env) continue;
      const head = chains.get(env.author);
      if (env.seq !== (head?.seq ?? 0) + 1 || env.prev !== (head?.id ?? null))
        broken.push({ author: this.actor(authorDid(env.author)).name, index: r.index, reason: "seq or prev does not follow the author's chain" });
      chains.set(env.author, { seq: env.seq, id: env.id });
    }
    return {
      entries: records.length,
      accepted: records.filter((r) => r.status === 'accepted').length,
      rejected: records.filter((r) => r.status === 'rejected').length,
      duplicates: records.filter((r) => r.status === 'duplicate').length,
      authors: chains.size,
      chainsIntact: broken.length === 0,
      brokenChains: broken,
      equivocations: this.node.replica.fold.equivocations.length,
      merkleRoot: merkleRoot(records),
      head: this.node.replica.fold.lastIndex,
    };
  }
}

function describe(record: FoldRecord, header: Record<string, unknown>): string {
  switch (record.kind) {
    case 'AgentCard':
      return `publishes its agent card${header.role ? ` (${String(header.role)})` : ''}`;
    case 'Adjudication':
      return `adjudicates: ${header.closure === 'open' ? 'INFORMATION REQUESTED' : 'DECIDED'} (${String(header.reasonCode ?? '')})`;
    case 'CaseUpdate':
      return `resumes the pended case: round ${String(header.round ?? '?')} (${String(header.reasonCode ?? '')})`;
    case 'CaseCancel':
      return header.scope === 'case' ? `cancels the request (${String(header.reasonCode ?? '')})` : `cancels items ${String(header.items ?? '')}`;
    case 'Heartbeat':
      return 'heartbeat';
    default:
      return record.kind;
  }
}

/** The board's RFC 9162 root (core/board/tree-head.ts): what the witnesses sign and `audit verify` checks. */
export function merkleRoot(records: readonly { index: number; at: number; id: string }[]): string {
  const tree = new BoardTree();
  // By position: a replica folds indexes 1, 2, 3, …; a hole would show as a root no witness signed.
  for (const [i, r] of records.entries()) tree.append({ index: i + 1, at: r.at, id: r.id });
  return tree.head().root;
}
