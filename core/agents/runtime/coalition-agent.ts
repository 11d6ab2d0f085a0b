import type { Section } from '../../board/envelope.js';
import type { BoardStore, StoredEntry } from '../../board/store.js';
import type { Clock } from '../../common/clock.js';
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import { requestEntry, roundKey, type CaseState, type CoalitionState, type Subtask } from '../../coordination/case-state.js';
import { bidScore } from '../../coordination/contract-net.js';
import { closureOf, type AgentCard } from '../../coordination/messages.js';
import { reputationDeltas } from '../../coordination/reputation.js';
import {
  barred,
  depsSatisfied,
  leaseActive,
  orphaned,
  pastInputsDeadline,
  present,
  reclaimRefusal,
  sectionsDigest,
} from '../../coordination/rules/execution.js';
import type { CaseDataRef, ClinicalDataPort, ClinicalProofs, PasFormPort } from '../ports.js';
import type { AgentProfile, WorkResult } from './agent.js';
import { CARD_DOMAIN, cardChallenge, claimChallenge } from '../../access/challenges.js';
import type { Credentials, Disclosure } from './section-access.js';
import type { AuditSink } from '../../access/audit.js';
import type { DataElement } from '../clinical/types.js';
import type { Draft, DraftBuilder } from './poster.js';
import { performDuties } from './duties.js';
import { doneQuorumMet } from '../../coordination/rules/closing.js';
import { mayConvene } from '../../coordination/roles.js';
import { beliefsOf, mayPostBelief, openRound } from '../../coordination/rules/belief-update.js';
import type { GapState } from '../../coordination/case-state.js';
import type { BoardReplica } from './replica.js';

export interface AgentPorts {
  data: ClinicalDataPort;
  /** Builds the PAS ClaimResponse at a payer, else `noForms`. */
  forms: PasFormPort;
  /** How sections travel: sealed with grants (privacy on) or `plaintextDisclosure`. */
  access: Disclosure;
  /** How cards and claims prove the agent's right: `heldCredentials` under a charter, else `noCredentials`. */
  credentials: Credentials;
  /** The organization's audit trail (FHIR reads are recorded per case and subtask), else `noAuditTrail`. */
  audit: AuditSink;
  /** Zero-knowledge clinical predicates (commit and prove at a lab; verify anywhere), else `noProofs`. */
  proofs: ClinicalProofs;
}

/** The board store's first-writer-wins slots: a claim round's contenders learn who took it before posting. */
export type ClaimSlots = Pick<BoardStore, 'tryClaim'>;

export interface CoalitionAgentOptions {
  profile: AgentProfile;
  card: AgentCard;
  poster: { post(draft: Draft | DraftBuilder): Promise<StoredEntry> };
  replica: BoardReplica;
  /**
   * Asked before posting a Claim, so a contender that lost the round posts no doomed entry.
   * Advisory: the fold's first valid claim still decides, whoever skips the slot.
   */
  claimSlots: ClaimSlots;
  /**
   * How long a contender that lost a claim slot waits for the winner's Claim before posting
   * its own (a winner that crashed, or a slot taken by someone who never claims). Default 2 s.
   */
  claimSlotWaitMs?: number;
  /** The agent's pacing after giving work back, doubled at each release (default 1 s); the fold caps the count. */
  releaseBackoffMs?: number;
  ports: AgentPorts;
  clock: Clock;
  logger: Logger;
  leaseMs?: number;
  /** How long a gap's manager waits for bids when the suggested peer has not bid. */
  bidWindowMs?: number;
  /** Invitations per needed skill (more than one gives redundancy under crashes). */
  invitePerSkill?: number;
  /**
   * How long a convener waits for a card offering a needed skill no card on its replica offers
   * yet (a member that just came up, its card still on the way) before it convenes without it.
   */
  staffWaitMs?: number;
  /**
   * Delay before claiming a free subtask, given how many of its claim rounds this agent already
   * lost (randomized exponential backoff, learned routing). Default: claim at once.
   */
  claimDelay?: (skill: string, lost: number) => number;
  /** Learned routing: orders candidate invitees for a skill (default: by board reputation). */
  inviteOrder?: (skill: string, candidates: string[]) => string[];
  /** Learning from outcomes (e.g. Thompson posteriors per skill). */
  learn?: (skill: string, success: boolean) => void;
  /** Validates a capability gap against the case (pheromone poisoning defence). */
  validateGap?: (gap: GapState, c: CaseState) => 'endorse' | 'reject' | undefined;
  /** Failure duties' timings (see duties.ts). */
  waitAfterMs?: number;
  takeoverMs?: number;
}

/**
 * One agent's observe → decide → act → post loop over its node's replica. Every decision
 * is a reaction to the folded state; the fold, not this loop, says what counts. Actions are
 * keyed so an agent never posts the same step twice.
 */
export class CoalitionAgent {
  readonly did: string;
  private readonly taken = new Set<string>();
  private running = false;
  private dirty = false;
  private readonly leaseMs: number;
  private readonly bidWindowMs: number;
  /** Claim pacing: when each claim round opens for this agent, and rounds lost per subtask. */
  private readonly claimDue = new Map<string, number>();
  /** Cases this convener is holding back for a missing skill: since when (its clock). */
  private readonly staffingSince = new Map<string, number>();
  private readonly claimRounds = new Map<string, number>();
  /** Claim rounds whose slot another agent took: since when (this agent's clock). */
  private readonly slotLost = new Map<string, number>();
  /** Claim rounds whose slot was asked for (won, lost or unanswered). */
  private readonly slotAsked = new Set<string>();
  /** Subtasks this agent gave back, and when, known before its Release is folded. */
  private readonly gaveBack = new Map<string, { n: number; at: number }>();
  /**
   * The cases a step looks at: every case with an entry since this agent last found it owed
   * nothing (dissolved, scored, nothing to grant). A step walked every case ever opened and
   * skipped the settled ones, which made its cost grow with history; a new entry on a settled
   * case (an appeal's access request, new information) puts it back.
   */
  private readonly watched = new Set<string>();

  constructor(private readonly o: CoalitionAgentOptions) {
    this.did = o.card.did;
    this.leaseMs = o.leaseMs ?? 5 * 60_000;
    this.bidWindowMs = o.bidWindowMs ?? 2_000;
    for (const id of o.replica.state.cases.keys()) this.watched.add(id);
    o.replica.onRecord((r) => {
      if (r.case !== null) this.watched.add(r.case);
    });
  }

  get card(): AgentCard {
    return this.o.card;
  }

  /** Coalesces triggers: at most one step runs at a time, and a trigger during it reruns it. */
  schedule(): void {
    if (this.running) {
      this.dirty = true;
      return;
    }
    this.running = true;
    void (async () => {
      try {
        do {
          this.dirty = false;
          await this.step();
        } while (this.dirty);
      } catch (e) {
        this.o.logger.log('error', 'agent.step-failed', { agent: this.o.profile.name, error: errorMessage(e) });
      } finally {
        this.running = false;
      }
    })();
  }

  private get state(): CoalitionState {
    return this.o.replica.state;
  }

  /**
   * Drops a settled case's action keys (every round's). Nothing `once` guards runs on a
   * dissolved case but the convener's reputation update, itself guarded by the folded update,
   * and a reopened case acts under the next round's keys: the keys are history, and held
   * they grew every agent's memory by every case it ever worked.
   */
  private forgetActions(caseId: string): void {
    const mine = (key: string): boolean => key.startsWith(`${caseId}:`) || key.startsWith(`${caseId}#`);
    for (const key of this.taken) if (mine(key)) this.taken.delete(key);
    for (const key of this.claimRounds.keys()) if (mine(key)) this.claimRounds.delete(key);
    for (const key of this.claimDue.keys()) if (mine(key)) this.claimDue.delete(key);
    for (const key of this.slotLost.keys()) if (mine(key)) this.slotLost.delete(key);
    for (const key of this.slotAsked) if (mine(key)) this.slotAsked.delete(key);
    for (const key of this.gaveBack.keys()) if (mine(key)) this.gaveBack.delete(key);
  }

  /** Cases the next step will look at (its live ones), for the flat-cost tests. */
  get watchedCases(): number {
    return this.watched.size;
  }

  /** Action keys this agent holds (its live cases'), for the flat-cost tests. */
  get heldActions(): number {
    return this.taken.size + this.claimRounds.size + this.claimDue.size + this.slotLost.size + this.slotAsked.size + this.gaveBack.size;
  }

  private once(key: string, action: () => Promise<unknown>): Promise<void> | undefined {
    if (this.taken.has(key)) return undefined;
    this.taken.add(key);
    return action().then(
      () => undefined,
      (e) => this.o.logger.log('warn', 'agent.action-failed', { agent: this.o.profile.name, action: key.split(':')[1], error: errorMessage(e) }),
    );
  }

  /** Signs and posts an envelope on this agent's chain. */
  post(draft: Draft | DraftBuilder): Promise<StoredEntry> {
    return this.o.poster.post(draft);
  }

  /** Publishes this agent's card, with a presentation backing its organization and role. */
  publishCard(): Promise<StoredEntry> {
    return this.post(async (seq) => {
      const presentation = await this.o.ports.credentials.card(cardChallenge(seq), CARD_DOMAIN, this.o.clock.now());
      return { case: null, kind: 'AgentCard', header: presentation ? { ...this.o.card, presentation } : this.o.card, sections: [] };
    });
  }

  /** Posts a draft with its plaintext sections sealed (where selective disclosure is on). */
  postSealed(caseId: string, subtask: string | undefined, draft: Draft): Promise<StoredEntry> {
    return this.post((seq) => ({ ...draft, sections: this.o.ports.access.seal(caseId, subtask, seq, draft.sections) }));
  }

  /** The watched cases, in the order they were opened (the order every step has taken them in). */
  private casesToStep(): CaseState[] {
    const out: CaseState[] = [];
    for (const id of this.watched) {
      const c = this.state.cases.get(id);
      if (c) out.push(c);
      else this.watched.delete(id); // an entry naming no case (refused): nothing to do
    }
    return out.sort((a, b) => a.opened.index - b.opened.index);
  }

  async step(): Promise<void> {
    for (const c of this.casesToStep()) {
      if (c.status === 'dissolved') {
        // A dissolved case is memory: it needs this agent only for a new access request (an
        // appeal or audit reading its archive) or, at its convener, the reputation update.
        // Settled (unwatched, its action keys forgotten) once nothing is owed by this agent.
        await this.o.ports.access.grantPending(c);
        await this.afterDissolution(c);
        if (c.reputation !== undefined || c.convener !== this.did) {
          this.watched.delete(c.id);
          this.forgetActions(c.id);
        }
        continue;
      }
      await this.o.ports.access.grantPending(c);
      await this.convene(c);
      await this.join(c);
      await this.plan(c);
      await this.execute(c);
      await this.negotiate(c);
      await this.close(c);
      await performDuties(
        {
          did: this.did,
          card: this.o.card,
          state: this.state,
          config: this.o.replica.config,
          now: this.o.clock.now(),
          leaseMs: this.leaseMs,
          waitAfterMs: this.o.waitAfterMs ?? 10_000,
          takeoverMs: this.o.takeoverMs ?? 30_000,
          ...(this.o.validateGap ? { validateGap: this.o.validateGap } : {}),
          reputation: (d) => this.reputation(d),
          once: (k, a) => this.once(k, a),
          post: (d) => this.post(d),
        },
        c,
      );
    }
  }

  /** A non-member claims a subtask the coalition has no one left for (its claimant was revoked). */
  private async takeOver(c: CaseState, boardTime: number): Promise<void> {
    for (const s of c.subtasks.values()) {
      if (!this.o.card.skills.some((k) => k.id === s.skill) || s.artifact || leaseActive(s, boardTime)) continue;
      if (!orphaned({ state: this.state, case: c, config: this.o.replica.config }, s, this.o.clock.now()) || this.givenBack(c, s) || !this.claimReady(c, s))
        continue;
      const round = `${roundKey(c)}:claim:${s.id}:${s.claims ?? 0}`;
      if (await this.claimSlotOpen(round)) await this.once(round, () => this.postClaim(c, s));
    }
  }

  /** A claim, with the agent's proof of its right (a presentation or a role proof) bound to the log's nonce. */
  private postClaim(c: CaseState, s: Subtask): Promise<StoredEntry> {
    const challenge = claimChallenge(c, s);
    return this.post(async () => ({
      case: c.id,
      subtask: s.id,
      kind: 'Claim',
      header: { leaseMs: this.leaseMs, ...(await this.o.ports.credentials.right(challenge, s.id, [this.o.card.role], this.o.clock.now())) },
      sections: [],
    }));
  }

  /**
   * Whether this agent should post its Claim for `round` now: it took the round's slot, the
   * store could not say (the slot is advisory, so it claims), or the slot's winner has had
   * `claimSlotWaitMs` to post its Claim and the subtask is still free.
   */
  private async claimSlotOpen(round: string): Promise<boolean> {
    if (this.taken.has(round)) return true;
    if (!this.slotAsked.has(round)) {
      this.slotAsked.add(round);
      try {
        const slot = await this.o.claimSlots.tryClaim(round, this.did);
        if (!slot.won) this.slotLost.set(round, this.o.clock.now());
      } catch (e) {
        this.o.logger.log('warn', 'agent.claim-slot-failed', { agent: this.o.profile.name, error: errorMessage(e) });
      }
    }
    const lostAt = this.slotLost.get(round);
    if (lostAt === undefined) return true;
    if (this.o.clock.now() - lostAt < (this.o.claimSlotWaitMs ?? 2_000)) return false;
    this.slotLost.delete(round);
    return true;
  }

  /** Whether this agent gave `s` back and may not claim it yet (or again), as the fold will judge. */
  private givenBack(c: CaseState, s: Subtask): boolean {
    const cfg = this.o.replica.config;
    if (reclaimRefusal(s, this.did, cfg)) return true;
    // Paced by its own clock (board time stands still on a quiet board), from its own record:
    // its Release may not be folded yet.
    const mine = this.gaveBack.get(`${roundKey(c)}:${s.id}`);
    return !!mine && (mine.n >= cfg.maxReleases || this.o.clock.now() < mine.at + this.releaseWaitMs(mine.n));
  }

  /** The wait after this agent's `n`th release of a subtask: `releaseBackoffMs` (1 s), doubled each time. */
  private releaseWaitMs(n: number): number {
    return (this.o.releaseBackoffMs ?? 1_000) * 2 ** (n - 1);
  }

  /** After a revocation, only when no other capable member is left (liveness over exclusion). */
  private mayClaimAgain(c: CaseState, s: Subtask): boolean {
    const cfg = this.o.replica.config;
    if (barred(c, this.did, cfg.maxStrikes)) return false;
    if (this.givenBack(c, s)) return false;
    if (!s.revoked?.includes(this.did)) return true;
    const now = this.o.clock.now();
    return ![...c.members.keys()].some(
      (m) =>
        m !== this.did &&
        !s.revoked!.includes(m) &&
        !barred(c, m, cfg.maxStrikes) &&
        present(this.state, m, now, cfg.absentAfterMs) &&
        this.state.cards.get(m)?.card.skills.some((k) => k.id === s.skill),
    );
  }

  /** Whether this agent's claim round on a free subtask has opened (backoff, routing). */
  private claimReady(c: CaseState, s: Subtask): boolean {
    if (!this.o.claimDelay) return true;
    const round = `${roundKey(c)}:${s.id}:${s.claims ?? 0}`;
    let due = this.claimDue.get(round);
    if (due === undefined) {
      const lost = this.claimRounds.get(`${roundKey(c)}:${s.id}`) ?? 0;
      due = this.o.clock.now() + this.o.claimDelay(s.skill, lost);
      this.claimDue.set(round, due);
    }
    return this.o.clock.now() >= due;
  }

  /** The requester convenes: it invites, for each needed skill it lacks, the best-reputed card. */
  private async convene(c: CaseState): Promise<void> {
    if (c.status !== 'open') return;
    const cfg = this.o.replica.config;
    if (cfg.rotateConvener ? !mayConvene(this.state, c, this.did, this.o.clock.now(), cfg.convenerTimeoutMs) : c.requester !== this.did) return;
    const offered = (skill: string): boolean =>
      this.o.card.skills.some((s) => s.id === skill) || [...this.state.cards.values()].some((r) => r.card.skills.some((s) => s.id === skill));
    if (c.task.needs.some((skill) => !offered(skill))) {
      // The node's ticker and every new record run this again, so the card is seen once folded.
      const since = this.staffingSince.get(c.id) ?? this.o.clock.now();
      this.staffingSince.set(c.id, since);
      if (this.o.clock.now() - since < (this.o.staffWaitMs ?? 2_000)) return;
    }
    this.staffingSince.delete(c.id);
    const invitees = new Set<string>();
    const perSkill = this.o.invitePerSkill ?? 1;
    for (const skill of c.task.needs) {
      const own = this.o.card.skills.some((s) => s.id === skill) ? 1 : 0;
      const capable = [...this.state.cards.values()]
        .filter((r) => r.card.did !== this.did && r.card.skills.some((s) => s.id === skill))
        .sort((a, b) => this.reputation(b.card.did) - this.reputation(a.card.did) || (a.card.did < b.card.did ? -1 : 1))
        .map((r) => r.card.did);
      const ordered = this.o.inviteOrder ? this.o.inviteOrder(skill, capable) : capable;
      for (const d of ordered.slice(0, Math.max(0, perSkill - own))) invitees.add(d);
    }
    if (invitees.size === 0) return;
    await this.once(`${roundKey(c)}:invite`, () => this.post({ case: c.id, kind: 'Invitation', header: { invitees: [...invitees].sort() }, sections: [] }));
  }

  private async join(c: CaseState): Promise<void> {
    if (c.status !== 'convening' || !c.invitees.includes(this.did) || c.members.has(this.did)) return;
    await this.once(`${roundKey(c)}:accept`, () => this.post({ case: c.id, kind: 'Accept', header: { invitation: c.invitation!.id }, sections: [] }));
  }

  private async plan(c: CaseState): Promise<void> {
    if (!c.members.has(this.did)) return;
    if (c.status === 'planning' && !c.proposals.has(this.did)) {
      const proposal = this.o.profile.propose(c.task);
      if (proposal) await this.once(`${roundKey(c)}:propose`, () => this.post({ case: c.id, kind: 'Proposal', header: proposal, sections: [] }));
    }
    // Belief rounds: post this agent's fusion of the last round (the fold accepts only that).
    const rounds = openRound(c);
    const mine = rounds && mayPostBelief(c, this.did) ? beliefsOf(rounds, this.did) : undefined;
    if (rounds && mine) {
      await this.once(`${roundKey(c)}:belief:${rounds.round}`, () =>
        this.post({ case: c.id, kind: 'BeliefUpdate', header: { round: rounds.round, beliefs: mine }, sections: [] }),
      );
    }
    if (c.plan && !c.planCommitted && !c.planSigners.includes(this.did)) {
      await this.once(`${roundKey(c)}:plan-commit`, () => this.post({ case: c.id, kind: 'PlanCommit', header: { planHash: c.plan!.hash }, sections: [] }));
    }
  }

  private async execute(c: CaseState): Promise<void> {
    if (c.status !== 'executing') return;
    const boardTime = this.boardTime();
    if (!c.members.has(this.did)) return this.takeOver(c, boardTime);
    for (const s of c.subtasks.values()) {
      const mine = this.o.card.skills.some((k) => k.id === s.skill);
      if (s.abandoned) continue;
      // Stigmergy: claim what matches and whose inputs exist (a claim is not a queue ticket);
      // a determination may also go at the inputs deadline, to pend (see rules/execution.ts).
      const ready = depsSatisfied(c, s, boardTime, this.o.replica.config.gapDecay) || this.dueWithoutInputs(c, s);
      const free = !s.artifact && !leaseActive(s, boardTime) && ready && this.mayClaimAgain(c, s);
      if (mine && free && this.claimReady(c, s)) {
        const round = `${roundKey(c)}:claim:${s.id}:${s.claims ?? 0}`;
        if (!this.taken.has(round) && !this.slotAsked.has(round))
          this.claimRounds.set(`${roundKey(c)}:${s.id}`, (this.claimRounds.get(`${roundKey(c)}:${s.id}`) ?? 0) + 1);
        if (await this.claimSlotOpen(round)) await this.once(round, () => this.postClaim(c, s));
      }
      if (s.claimant === this.did && !s.artifact && s.claim && ready) {
        void this.once(`${roundKey(c)}:work:${s.id}:${s.claim.id}`, () => this.work(c, s));
      }
    }
  }

  /** Whether this agent's work on `s` may run now without its inputs (deadline, own clock). */
  private dueWithoutInputs(c: CaseState, s: Subtask): boolean {
    return (this.o.profile.pendsAtDeadline ?? []).includes(s.skill) && pastInputsDeadline(c, this.o.clock.now(), this.o.replica.config.inputsDeadlineMs);
  }

  private async work(c: CaseState, s: Subtask): Promise<void> {
    const fn = this.o.profile.work[s.skill];
    if (!fn) throw new Error(`no work function for skill ${s.skill}`);
    let result: WorkResult;
    try {
      result = await this.runWork(fn, c, s);
    } catch (e) {
      // Failed work is released at once (honest), so another agent can take it.
      this.o.learn?.(s.skill, false);
      const key = `${roundKey(c)}:${s.id}`;
      const given = Math.max(this.gaveBack.get(key)?.n ?? 0, (s.released ?? []).filter((d) => d === this.did).length) + 1;
      this.gaveBack.set(key, { n: given, at: this.o.clock.now() });
      await this.post({ case: c.id, subtask: s.id, kind: 'Release', header: { reason: 'work-failed' }, sections: [] });
      // It claims again only after its backoff (givenBack), and the fold not after
      // maxReleases: look again then, since a quiet board brings no record to wake it.
      const cfg = this.o.replica.config;
      if (given < cfg.maxReleases) void this.o.clock.sleep(this.releaseWaitMs(given) + 1).then(() => this.schedule());
      throw e;
    }
    this.o.learn?.(s.skill, true);
    await this.deliver(c, s, result);
  }

  private async runWork(fn: NonNullable<AgentProfile['work'][string]>, c: CaseState, s: Subtask): Promise<WorkResult> {
    return fn({
      case: c,
      subtask: s,
      ref: await this.caseRef(c),
      read: (subtask, section) => this.readArtifact(c, subtask, section),
      data: this.auditedData(c.id, s.id),
      forms: this.o.ports.forms,
      boardTime: this.boardTime(),
      proofs: this.o.ports.proofs,
      card: (did) => this.state.cards.get(did)?.card,
      late: !depsSatisfied(c, s, this.boardTime(), this.o.replica.config.gapDecay),
    });
  }

  private async deliver(c: CaseState, s: Subtask, result: WorkResult): Promise<void> {
    for (const [i, g] of (result.gaps ?? []).entries()) {
      const gapId = `gap-${s.id}-${i + 1}`;
      // A later round of the case finds the same gap again: it was settled the first time.
      if (c.gaps.has(gapId)) continue;
      const suggested = this.suggestPeer(g.skill);
      await this.post({
        case: c.id,
        kind: 'Gap',
        header: { gap: gapId, skill: g.skill, reasonCode: g.reasonCode, ...(suggested ? { suggested } : {}), subtask: g.subtask },
        sections: [],
      });
      await this.post({ case: c.id, kind: 'Announce', header: { gap: gapId, windowMs: this.bidWindowMs }, sections: [] });
    }
    await this.post((seq) => {
      const sections = this.o.ports.access.seal(c.id, s.id, seq, result.sections);
      return {
        case: c.id,
        subtask: s.id,
        kind: 'Artifact',
        // The outcome goes in the determination's sealed section; the header says only whether it closes the case.
        header: { digest: sectionsDigest(sections), ...(result.outcome ? { closure: closureOf(result.outcome) } : {}) },
        sections,
      };
    });
  }

  /** The data port, with every read recorded on the organization's audit trail. */
  private auditedData(caseId: string, subtask: string): ClinicalDataPort {
    const { data, audit } = this.o.ports;
    return {
      fetch: async (ref, elements: readonly DataElement[]) => {
        const out = await data.fetch(ref, elements);
        await audit({ kind: 'fhir-read', actor: this.did, outcome: 'ok', case: caseId, subtask, elements: [...elements] });
        return out;
      },
    };
  }

  /** Manager side: award once the suggested peer (or every capable agent) bid, or the window closed. */
  private async negotiate(c: CaseState): Promise<void> {
    for (const g of c.gaps.values()) {
      if (g.status !== 'announced') continue;
      if (g.author === this.did && g.bids.length > 0 && !g.withdrawn && g.endorsements.length >= this.o.replica.config.gapEndorsementsToAward) {
        const capable = [...this.state.cards.values()].filter((r) => r.card.skills.some((k) => k.id === g.skill)).map((r) => r.card.did);
        const windowClosed = this.o.clock.now() >= g.announce!.at + g.announce!.windowMs;
        const allIn = capable.every((d) => g.bids.some((b) => b.author === d));
        const suggestedIn = g.suggested !== undefined && g.bids.some((b) => b.author === g.suggested);
        if (windowClosed || allIn || suggestedIn) {
          const best = [...g.bids].sort((a, b) => b.score - a.score || a.index - b.index)[0]!;
          await this.once(`${roundKey(c)}:award:${g.id}:${g.bids.length}:${g.endorsements.length}`, () =>
            this.post({
              case: c.id,
              kind: 'Award',
              header: {
                gap: g.id,
                winner: best.author,
                bid: best.id,
                score: best.score,
                // The rule that chose, as a code; the score is beside it.
                justification: 'highest-score',
              },
              sections: [],
            }),
          );
        }
      }
      if (g.author !== this.did && this.o.card.skills.some((k) => k.id === g.skill) && !g.bids.some((b) => b.author === this.did)) {
        const offer = this.o.profile.bid?.({ skill: g.skill, reasonCode: g.reasonCode });
        if (offer) {
          await this.once(`${roundKey(c)}:bid:${g.id}`, () =>
            this.post({
              case: c.id,
              kind: 'Bid',
              header: { gap: g.id, ...offer, trust: this.reputation(this.did) / 100, credentials: this.o.card.credentials },
              sections: [],
            }),
          );
        }
      }
    }
  }

  private async close(c: CaseState): Promise<void> {
    if (c.status !== 'closing' || !c.members.has(this.did)) return;
    if (!c.doneVotes.includes(this.did)) {
      await this.once(`${roundKey(c)}:done`, () => this.post({ case: c.id, kind: 'DoneVote', header: {}, sections: [] }));
    }
    if (c.convener === this.did && doneQuorumMet(this.state, this.o.replica.config, c, this.o.clock.now())) {
      await this.once(`${roundKey(c)}:dissolve:${c.doneVotes.length}`, () =>
        this.post({ case: c.id, kind: 'Dissolved', header: { votes: c.doneVotes.length, members: c.members.size }, sections: [] }),
      );
    }
  }

  private async afterDissolution(c: CaseState): Promise<void> {
    if (c.convener !== this.did || c.reputation) return;
    // Shapley is computed once, inside the action, not on every step.
    await this.once(`${roundKey(c)}:reputation`, () => {
      const { deltas, values } = reputationDeltas(c);
      return this.post({ case: c.id, kind: 'ReputationUpdate', header: { method: 'shapley', deltas, values }, sections: [] });
    });
  }

  private suggestPeer(skill: string): string | undefined {
    return [...this.state.cards.values()]
      .filter((r) => r.card.did !== this.did && r.card.skills.some((k) => k.id === skill))
      .sort((a, b) => this.reputation(b.card.did) - this.reputation(a.card.did))[0]?.card.did;
  }

  private reputation(did: string): number {
    return this.state.reputation.get(did) ?? this.o.replica.config.genesisReputation[did] ?? this.o.replica.config.defaultReputation;
  }

  private boardTime(): number {
    return this.o.replica.fold.records.at(-1)?.at ?? 0;
  }

  private async caseRef(c: CaseState): Promise<CaseDataRef> {
    // The current round's request: the case's first, or the latest update's new information.
    return (await this.readEntry(this.o.replica.entry(requestEntry(c).id)!, 'request')) as CaseDataRef;
  }

  private async readArtifact(c: CaseState, subtask: string, section: string): Promise<unknown> {
    const ref = c.subtasks.get(subtask)?.artifact;
    if (!ref) return undefined;
    const entry = this.o.replica.entry(ref.id)!;
    if (!entry.envelope.sections.some((s: Section) => s.name === section)) return undefined;
    return this.readEntry(entry, section);
  }

  /** Reads a section of an entry as this agent (decrypting through grants where sealed), for an operator when one asked. */
  readEntry(entry: StoredEntry, section: string, operator?: string): Promise<unknown> {
    return this.o.ports.access.read(entry, section, operator);
  }

  /** The score this agent would get for a bid, as the board computes it (for tests). */
  scoreOf(offer: { cost: number; quality: number; latency: number }): number {
    return bidScore(offer, this.reputation(this.did));
  }
}
