import type { BatchVerify } from '../../core/board/batch-verify.js';
import { AdjudicationDecisionSchema, adjudicationCommitment, type AdjudicationDecision } from '../../core/coordination/messages.js';
import type { RevocationAttestation, StatusTarget } from '../../core/identity/revocation-attestation.js';
import { authorDid } from '../../core/board/envelope.js';
import { z } from 'zod';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { hasSubscriberFailures, type BoardStore, type StoredEntry, type SubscriberFailures } from '../../core/board/store.js';
import { DEFAULT_BOARD_TIME } from '../../core/board/board-time.js';
import type { Clock } from '../../core/common/clock.js';
import { MurmurError } from '../../core/common/errors.js';
import type { CaseState } from '../../core/coordination/case-state.js';
import { newId } from '../../core/common/ids.js';
import type { Logger } from '../../core/common/log.js';
import type { Random } from '../../core/common/random.js';
import type { KeyResolver } from '../../core/crypto/signing.js';
import type { AgentCard, Revocation } from '../../core/coordination/messages.js';
import type { ReducerConfig } from '../../core/coordination/reducer.js';
import { REFERENCE_CAPABILITIES } from '../../core/coordination/roles.js';
import { credentialAdmission } from '../../core/access/admission.js';
import { AuditTrail, type AuditEvent } from '../../core/access/audit.js';
import { ACCESS_KINDS } from '../../core/access/rules.js';
import { SHIPPED_POLICIES, policyHash, type CoveragePolicy } from '../../core/agents/clinical/policy.js';
import { policyForClaim, priorityOf, serviceOf } from '../../core/agents/clinical/items.js';
import { REQUEST_READERS } from '../../core/agents/domain/sections.js';
import { workflowNeeds } from '../../core/agents/domain/workflow.js';
import { judgeWorkflowGap } from '../../core/agents/domain/gap-validation.js';
import { tickDue } from '../../core/coordination/rules/tick.js';
import type { CaseDataRef, ClinicalDataPort, ClinicalProofs, PasFormPort } from '../../core/agents/ports.js';
import { CoalitionAgent } from '../../core/agents/runtime/coalition-agent.js';
import { ChainedPoster } from '../../core/agents/runtime/poster.js';
import { BoardReplica } from '../../core/agents/runtime/replica.js';
import { SqliteColdStore } from './sqlite-cold-store.js';
import { heldCredentials, KeyVault, noCredentials, SectionAccess, plaintextDisclosure } from '../../core/agents/runtime/section-access.js';
import { fileAuditTrail, type AuditFile } from './audit-file.js';
import { TreeWitness } from './witness.js';
import type { Charter } from './charter.js';
import type { OrgIdentity, OrgSpec } from './identity.js';

export type { OrgKind, OrgSpec, OrgIdentity } from './identity.js';

export interface OrgNodeOptions {
  spec: OrgSpec;
  identity: OrgIdentity;
  store: BoardStore;
  keys: KeyResolver;
  data: ClinicalDataPort;
  /** The payer's PAS ClaimResponse builder, else `noForms`. */
  forms: PasFormPort;
  clock: Clock;
  random: Random;
  logger: Logger;
  reducer?: Partial<ReducerConfig>;
  /**
   * The coalition's charter. With it, cards and claims must carry verified presentations,
   * sections are sealed and read through key grants, and every access is audited.
   */
  charter?: Charter;
  /** How often agents re-check time-based decisions (award windows, leases). */
  tickMs?: number;
  /** How long the board may stay quiet, while a case is open, before this node posts a Tick (default 30 s). */
  beaconMs?: number;
  /** Where the audit trail is kept (JSON lines); in memory when absent. */
  auditPath?: string;
  /** Zero-knowledge clinical predicates (a lab's port also commits and proves), else `noProofs`. */
  proofs: ClinicalProofs;
  /** Where content keys of sealed sections are kept (default: memory; a process node keeps them on disk). */
  vault?: KeyVault;
  /** Where this organization keeps the tree heads it signs as a witness of the board (JSON lines); none when absent. */
  headsPath?: string;
  /** Timers (default: unref'd Node timers); the simulator schedules them in simulated time. */
  timers?: Timers;
  /**
   * A SQLite file where the replica freezes settled cases' state (emptied on start: the log is
   * the record), so memory follows the live cases; all in memory when absent.
   */
  coldPath?: string;
  /** Where the replica checks signatures of long catch-ups (verify-pool.ts); in line when absent. */
  batchVerify?: BatchVerify;
}

/** How long a witness gathers folded entries before it signs their head. */
const WITNESS_BATCH_MS = 100;

/** Repeating and one-shot timers, each returning its cancel. */
export interface Timers {
  every(ms: number, run: () => void): () => void;
  after(ms: number, run: () => void): () => void;
}

const nodeTimers: Timers = {
  every: (ms, run) => {
    const t = setInterval(run, ms);
    t.unref();
    return () => clearInterval(t);
  },
  after: (ms, run) => {
    const t = setTimeout(run, ms);
    return () => clearTimeout(t);
  },
};

/**
 * One organization's node: its agents, its wallet, its replica of the board and its audit
 * trail. It shares nothing with other organizations but the board store.
 */
export type Outcome = 'approved' | 'denied' | 'pended';
const DecidedOutcome = z.object({ outcome: z.enum(['approved', 'denied', 'pended']) });

export class OrgNode {
  readonly replica: BoardReplica;
  readonly agents: CoalitionAgent[];
  readonly audit: AuditTrail;
  private stopTicks: (() => void) | undefined;
  private lastTick = Number.NEGATIVE_INFINITY;
  private readonly posters: ChainedPoster[] = [];
  private readonly witness: TreeWitness | undefined;
  private readonly cold: SqliteColdStore | undefined;
  private readonly auditFile: AuditFile | undefined;
  /** The board store's subscriber failures, where the store counts them (SQLite's does). */
  storeSubscribers: () => SubscriberFailures['subscriberFailures'] = () => undefined;

  constructor(private readonly o: OrgNodeOptions) {
    const file = o.auditPath ? fileAuditTrail(o.auditPath, o.identity.did, o.clock) : undefined;
    this.audit = file?.trail ?? new AuditTrail(o.identity.did, o.clock);
    this.auditFile = file;
    const admission = o.charter ? credentialAdmission({ registry: o.charter.registry, status: o.charter.status, zkIssuers: o.charter.zkIssuers }) : undefined;
    // What an agent may do comes from its credential's role (roles.ts); with the charter,
    // sections reach their readers only sealed.
    const rules = { capabilities: REFERENCE_CAPABILITIES, ...o.reducer, requireCredentials: !!o.charter, requireSealed: !!o.charter };
    this.replica = new BoardReplica(o.store, o.keys, rules, admission, o.charter ? ACCESS_KINDS : [], DEFAULT_BOARD_TIME);
    this.replica.batchVerify = o.batchVerify;
    if (o.coldPath) {
      mkdirSync(dirname(o.coldPath), { recursive: true });
      const cold = (this.cold = new SqliteColdStore(o.coldPath));
      this.replica.freezeSettledInto(cold);
      this.replica.fold.records.spillInto(cold, 2_048);
    }
    // Registered before the replica starts, so the witness sees every entry from the first.
    const witnessKey = o.identity.agents.values().next().value?.signer;
    if (o.headsPath && witnessKey) {
      // A head per 100 ms of folding at most: entries arrive one commit at a time, and a head per
      // commit was still one signature per entry. The leaves are what the replica folded, so
      // signing them later changes nothing they say; a crash before the head only defers it
      // (the witness refolds from the start and signs what it has not).
      const timers = o.timers ?? nodeTimers;
      const witness = (this.witness = new TreeWitness(o.headsPath, witnessKey, o.keys, o.logger, (run) => void timers.after(WITNESS_BATCH_MS, run)));
      this.replica.onRecord((r) => witness.observe(r));
    }
    this.replica.onListenerError = (e) => o.logger.log('error', 'replica.listener-failed', { org: o.spec.id, error: e instanceof Error ? e.name : 'unknown' });
    if (hasSubscriberFailures(o.store)) {
      const store = o.store;
      store.onSubscriberError = (e) =>
        o.logger.log('error', 'store.subscriber-failed', {
          org: o.spec.id,
          error: e instanceof Error ? e.name : 'unknown',
          count: store.subscriberFailures?.count ?? 0,
        });
      this.storeSubscribers = () => store.subscriberFailures;
    }
    const vault = o.vault ?? new KeyVault();
    this.agents = o.spec.agents.map((profile) => {
      const keys = o.identity.agents.get(profile.name)!;
      const poster = new ChainedPoster(keys.signer, o.store, o.clock, () => this.replica.fold.chainHead(keys.signer.keyId));
      this.posters.push(poster);
      const audit = (event: AuditEvent): Promise<void> => {
        this.audit.append(event);
        return this.audit.synced();
      };
      const access =
        o.charter && keys.unwrap && keys.presenter
          ? new SectionAccess({
              did: keys.did,
              keyId: keys.signer.keyId,
              unwrap: keys.unwrap,
              presenter: keys.presenter,
              ...(keys.roleProver ? { roleProver: keys.roleProver } : {}),
              role: profile.role,
              vault,
              replica: this.replica,
              post: (d) => poster.post(d),
              audit,
              clock: o.clock,
              random: o.random,
            })
          : plaintextDisclosure;
      return new CoalitionAgent({
        profile,
        card: this.cardOf(profile, keys.did),
        poster,
        replica: this.replica,
        claimSlots: o.store,
        ports: {
          data: o.data,
          audit,
          proofs: o.proofs,
          forms: o.forms,
          access,
          credentials: o.charter ? heldCredentials(keys) : noCredentials,
        },
        clock: o.clock,
        logger: o.logger.child({ org: o.spec.id, agent: profile.name }),
        // Members judge gaps (endorse or reject), so a fabricated one is withdrawn by the others.
        validateGap: (g, c) => judgeWorkflowGap(this.replica.state, c, g, (id) => this.replica.entry(id)?.envelope.sections.map((x) => x.name)),
      });
    });
  }

  /**
   * Revokes a credential this organization issued (a status entry), or every credential of one
   * of its agents (`holder`: its zero-knowledge role credential too), on the board: one of its
   * agents signs the Revocation, and every replica judges presentations and role proofs after
   * that entry as revoked.
   */
  revoke(target: Revocation): Promise<StoredEntry> {
    if (target.issuer !== this.o.identity.did) throw new MurmurError('E_INPUT', 'an organization revokes only credentials it issued', { field: 'issuer' });
    return this.agents[0]!.post({ case: null, kind: 'Revocation', header: { ...target }, sections: [] });
  }

  /**
   * Relays an accreditor's signed revocation (`attestRevocation`) to the board: the accreditor
   * has no board key, and the fold trusts the attestation, not the relaying organization.
   */
  relayAccreditorRevocation(attested: StatusTarget & { attestation: RevocationAttestation }): Promise<StoredEntry> {
    return this.agents[0]!.post({ case: null, kind: 'Revocation', header: { ...attested }, sections: [] });
  }

  get spec(): OrgSpec {
    return this.o.spec;
  }

  get did(): string {
    return this.o.identity.did;
  }

  private cardOf(profile: OrgSpec['agents'][number], did: string): AgentCard {
    return {
      name: profile.name,
      description: profile.description,
      version: '1.0.0',
      provider: { organization: this.o.spec.name, did: this.o.identity.did, kind: this.o.spec.kind },
      capabilities: { streaming: false, pushNotifications: false },
      skills: profile.skills,
      did,
      role: profile.role,
      credentials: this.o.charter ? ['RoleCredential', 'AccreditationCredential'] : [],
      ...(this.o.proofs.kind === 'zk' && this.o.proofs.labPublicKey() ? { zk: { publicKey: this.o.proofs.labPublicKey()! } } : {}),
    };
  }

  async start(): Promise<void> {
    await this.replica.start();
    await this.caughtUp();
    this.resumeChains();
    // Agents wake on records only from here: during the replay above they would act on a
    // partial view (a case long closed looks open) and sign at the chain head that view had
    // reached, a seq the board already holds (an equivocation).
    this.replica.onRecord(() => this.wake());
    // A determination one of this node's agents wrote is read at once (its own section, no
    // grant), so views that cannot wait (the console's lists) know the outcome.
    this.replica.onRecord((r) => {
      const c = r.case && r.status === 'accepted' && (r.kind === 'Artifact' || r.kind === 'Adjudication') ? this.replica.state.cases.get(r.case) : undefined;
      if (!c || !this.agents.some((a) => a.did === authorDid(r.author))) return;
      if (c.outcome?.ref.id === r.id) this.outcomeOf(c).catch(() => undefined);
      if (c.adjudication?.ref.id === r.id) this.adjudicationOf(c).catch(() => undefined);
    });
    for (const a of this.agents) {
      if (!this.replica.state.cards.has(a.did)) await a.publishCard();
    }
    this.stopTicks = (this.o.timers ?? nodeTimers).every(this.o.tickMs ?? 250, () => (this.beacon(), this.wake()));
    this.wake();
  }

  /**
   * Waits until the replica holds everything the store held when the node started, so that
   * nothing is decided (or signed) on a partial view after a restart.
   */
  private async caughtUp(timeoutMs = 30_000): Promise<void> {
    const head = await this.o.store.head();
    const deadline = this.o.clock.now() + timeoutMs;
    while (this.replica.fold.lastIndex < head) {
      if (this.o.clock.now() > deadline)
        throw new MurmurError('E_TIMEOUT', `${this.o.spec.name} could not catch up with the board (at ${this.replica.fold.lastIndex} of ${head})`);
      await this.replica.catchUp();
      if (this.replica.fold.lastIndex < head) await this.o.clock.sleep(100);
    }
  }

  /**
   * Positions each agent's chain at its head in the fold (none: a new chain), once the fold
   * holds the whole board; until then its poster signs nothing. The fold's head, not the
   * highest authentic seq: an envelope the fold refused as skipping ahead holds no seq.
   */
  private resumeChains(): void {
    for (const p of this.posters) {
      const head = this.replica.fold.chainHead(p.signer.keyId);
      p.resume(head?.seq ?? 0, head?.id ?? null);
    }
  }

  /** A Tick on a quiet board while a case is open, so board time moves on (rules/tick.ts). */
  private beacon(): void {
    const now = this.o.clock.now();
    if (!tickDue(this.replica.state, this.replica.fold.now, now, this.lastTick, this.o.beaconMs ?? 30_000)) return;
    this.lastTick = now;
    this.agents[0]
      ?.post({ case: null, kind: 'Tick', header: {}, sections: [] })
      .catch((e: unknown) => this.o.logger.log('warn', 'node.tick-failed', { org: this.o.spec.id, error: e instanceof Error ? e.name : 'unknown' }));
  }

  wake(): void {
    for (const a of this.agents) a.schedule();
  }

  /** A fresh case id, for a caller that records the case before it opens (see submitCase). */
  newCaseId(): string {
    return newId('case', this.o.random);
  }

  /**
   * Opens a case for a request this organization received: its agent that pins policies posts
   * TaskAvailable, with where the data lives in a section for the coalition's roles only.
   */
  async submitCase(
    ref: CaseDataRef,
    policy: CoveragePolicy,
    caseId: string = this.newCaseId(),
    service?: { system: string; code: string },
    priority?: 'standard' | 'expedited',
  ): Promise<string> {
    // The header names the service asked for (a code, no PHI): the policy's, or for a service
    // without one the request's own code (see serviceOf).
    const named = policy.service ?? service;
    if (!named) throw new MurmurError('E_INPUT', `policy ${policy.id} governs no service: name the requested one`);
    const intake = this.agents.find((a) => a.card.skills.some((s) => s.id === 'coverage-policy'));
    if (!intake) throw new Error(`${this.o.spec.name} has no agent that takes requests`);
    await intake.postSealed(caseId, undefined, {
      case: caseId,
      kind: 'TaskAvailable',
      header: {
        service: { system: named.system, code: named.code },
        policy: { id: policy.id, version: policy.version, hash: policyHash(policy) },
        needs: [...workflowNeeds(policy)],
        requestReaders: [...REQUEST_READERS],
        // The review clock (standard/expedited) as a code, so every member's worklist runs it.
        ...(priority === 'expedited' ? { priority } : {}),
      },
      sections: [{ name: 'request', readers: [...REQUEST_READERS].sort(), plaintext: ref }],
    });
    return caseId;
  }

  /**
   * The policy a stored request's Claim items name (the manual review when none does) and the
   * service to file it under, read through this node's FHIR adapter.
   */
  async policyForRequest(ref: CaseDataRef): Promise<{ policy: CoveragePolicy; service: { system: string; code: string }; priority: 'standard' | 'expedited' }> {
    const [claim] = await this.o.data.fetch(ref, ['claim']);
    if (!claim) throw new MurmurError('E_INPUT', 'CaseDataRef.claim names no preauthorization Claim');
    const policy = policyForClaim(claim, SHIPPED_POLICIES);
    return { policy, service: serviceOf(claim, policy), priority: priorityOf(claim) };
  }

  /**
   * New information on a case this organization opened and the coalition pended for it: its
   * intake agent posts the case's next round, with where the new data lives in a `request`
   * section for the same readers as the first. The fold rejects it unless the case is pended,
   * its round has ended and no operator decided it for good.
   */
  async updateCase(caseId: string, ref: CaseDataRef, reasonCode = 'information-received'): Promise<number> {
    const c = this.replica.state.cases.get(caseId);
    if (!c) throw new MurmurError('E_NOT_FOUND', `no case ${caseId} on this node's board`);
    const intake = this.agents.find((a) => a.did === c.requester) ?? this.agents.find((a) => a.card.skills.some((s) => s.id === 'coverage-policy'));
    if (!intake) throw new Error(`${this.o.spec.name} has no agent that takes requests`);
    const round = c.round + 1;
    const entry = await intake.postSealed(caseId, undefined, {
      case: caseId,
      kind: 'CaseUpdate',
      header: { reasonCode, round },
      sections: [{ name: 'request', readers: [...c.task.requestReaders].sort(), plaintext: ref }],
    });
    await this.replica.catchUp();
    const verdict = this.replica.fold.record(entry.envelope.id);
    if (verdict && verdict.status !== 'accepted') throw new MurmurError('E_INPUT', `the board refused the case update: ${verdict.reason ?? verdict.status}`);
    return round;
  }

  /**
   * The requester withdraws a case it opened, whole or some items (a PAS cancel): its intake
   * agent posts CaseCancel, which every node's fold accepts only from the requesting organization.
   */
  async cancelCase(caseId: string, cancel: { scope: 'case' | 'items'; items: number[] }, reasonCode = 'requester-cancelled'): Promise<void> {
    const c = this.replica.state.cases.get(caseId);
    if (!c) throw new MurmurError('E_NOT_FOUND', `no case ${caseId} on this node's board`);
    const intake = this.agents.find((a) => a.did === c.requester) ?? this.agents.find((a) => a.card.skills.some((s) => s.id === 'coverage-policy'));
    if (!intake) throw new Error(`${this.o.spec.name} has no agent that takes requests`);
    const entry = await intake.postSealed(caseId, undefined, {
      case: caseId,
      kind: 'CaseCancel',
      header: { scope: cancel.scope, items: cancel.items, reasonCode },
      sections: [],
    });
    await this.replica.catchUp();
    const verdict = this.replica.fold.record(entry.envelope.id);
    if (verdict && verdict.status !== 'accepted') throw new MurmurError('E_CONFLICT', `the board refused the cancel: ${verdict.reason ?? verdict.status}`);
  }

  /**
   * Reads a section of a subtask's artifact as this organization: through the agent that
   * wrote it, or one whose role the disclosure policy lets read it (asking for a grant).
   */
  async readArtifact(c: CaseState, subtask: string, section: string): Promise<unknown> {
    const ref = c.subtasks.get(subtask)?.artifact;
    return ref ? this.readSection(ref.id, section, subtask) : undefined;
  }

  /** Reads a section of an entry as this organization (its author's agent, or a reader's). */
  private async readSection(id: string, section: string, what: string): Promise<unknown> {
    const entry = this.replica.entry(id);
    const sec = entry?.envelope.sections.find((x) => x.name === section);
    if (!entry || !sec) return undefined;
    const reader = this.agents.find((a) => a.did === authorDid(entry.envelope.author)) ?? this.agents.find((a) => sec.readers.includes(a.card.role));
    if (!reader) throw new MurmurError('E_CRYPTO', `${this.o.spec.name} may not read ${what}/${section} under the disclosure policy`);
    return reader.readEntry(entry, section);
  }

  private readonly adjudications = new Map<string, AdjudicationDecision['outcome']>();

  /**
   * What an operator decided on a case (or an earlier round), read from the Adjudication's
   * sealed `decision` section and checked against the commitment the operator signed.
   * Undefined where this organization may not read it.
   */
  async adjudicationOf(x: Pick<CaseState, 'adjudication'>): Promise<AdjudicationDecision['outcome'] | undefined> {
    const a = x.adjudication;
    if (!a) return undefined;
    const known = this.adjudications.get(a.ref.id);
    if (known) return known;
    const parsed = AdjudicationDecisionSchema.safeParse(await this.readSection(a.ref.id, 'decision', 'adjudication').catch(() => undefined));
    if (!parsed.success || adjudicationCommitment(parsed.data) !== a.commitment) return a.closure === 'open' ? 'info-requested' : undefined;
    if ((parsed.data.outcome === 'info-requested') !== (a.closure === 'open')) return undefined;
    this.adjudications.set(a.ref.id, parsed.data.outcome);
    return parsed.data.outcome;
  }

  /** The operator's decision as far as this node knows it now (read before, or `info-requested` by its closure). */
  knownAdjudication(x: Pick<CaseState, 'adjudication'>): AdjudicationDecision['outcome'] | undefined {
    const a = x.adjudication;
    if (!a) return undefined;
    return this.adjudications.get(a.ref.id) ?? (a.closure === 'open' ? 'info-requested' : undefined);
  }

  /** What determinations this node has read, by artifact id (the outcome is sealed; the header says only closure). */
  private readonly outcomes = new Map<string, Outcome>();

  /**
   * What a case's determination decided, read from its sealed `decision` section as this
   * organization (the payer's agents: its author and the form builder). Undefined before the
   * determination, or where this organization may not read it (every other member).
   */
  async outcomeOf(c: CaseState): Promise<Outcome | undefined> {
    const det = c.outcome;
    if (!det) return undefined;
    const known = this.knownOutcome(c);
    if (known) return known;
    const decision = await this.readArtifact(c, det.subtask, 'decision').catch(() => undefined);
    const parsed = DecidedOutcome.safeParse(decision);
    if (!parsed.success) return undefined;
    this.outcomes.set(det.ref.id, parsed.data.outcome);
    return parsed.data.outcome;
  }

  /**
   * The outcome of a case's (or an earlier round's) determination as far as this node knows it
   * now: what it read (see `outcomeOf`), or `pended` where the closure says so (cleartext).
   */
  knownOutcome(x: Pick<CaseState, 'outcome'>): Outcome | undefined {
    if (!x.outcome) return undefined;
    return this.outcomes.get(x.outcome.ref.id) ?? (x.outcome.closure === 'open' ? 'pended' : undefined);
  }

  async stop(): Promise<void> {
    this.stopTicks?.();
    await this.replica.stop();
    this.witness?.close();
    this.cold?.close();
    await this.auditFile?.close();
  }
}
