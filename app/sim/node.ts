import { signEnvelope, type Envelope } from '../../core/board/envelope.js';
import type { StoredEntry } from '../../core/board/store.js';
import type { Random } from '../../core/common/random.js';
import { silentLogger, streamLogger } from '../../core/common/log.js';
import { didKeyResolver } from '../../core/crypto/did-key.js';
import type { CaseState, GapState } from '../../core/coordination/case-state.js';
import type { AgentCard, Proposal } from '../../core/coordination/messages.js';
import type { ReducerConfig } from '../../core/coordination/reducer.js';
import { backoffDelay } from '../../core/coordination/stigmergy/backoff.js';
import { SkillPosterior } from '../../core/coordination/learning/thompson.js';
import { thompsonOrder, trackRecord } from '../../core/coordination/learning/routing.js';
import type { AgentProfile, WorkResult } from '../../core/agents/runtime/agent.js';
import { CoalitionAgent, type ClaimSlots } from '../../core/agents/runtime/coalition-agent.js';
import { ChainedPoster, type Draft, type DraftBuilder } from '../../core/agents/runtime/poster.js';
import { BoardReplica } from '../../core/agents/runtime/replica.js';
import type { SimBoardLink } from './network.js';
import type { SimAgentSpec } from './population.js';
import type { SimScheduler } from './scheduler.js';
import { GAP_SKILL, GAP_SUBTASK, TEMPLATE, resultDigest, workDraw, type CaseTruth } from './workload.js';
import { noCredentials, plaintextDisclosure } from '../../core/agents/runtime/section-access.js';
import { noAuditTrail } from '../../core/access/audit.js';
import { noForms, noProofs } from '../../core/agents/ports.js';
import { acceptedHeader } from '../../core/coordination/kinds/draft.js';

/** Simulated artifacts carry one plaintext section, `result`, open to every member. */
const SIM_OUTPUTS: { section: string; readers: string[] }[] = [{ section: 'result', readers: [] }];

/** What an agent that ignores claim slots sees: every slot its own. */
const IGNORED_SLOTS: ClaimSlots = { tryClaim: async (_key, owner) => ({ won: true, owner }) };

export interface SimNodeOptions {
  id: string;
  agents: SimAgentSpec[];
  sched: SimScheduler;
  link: SimBoardLink;
  random: Random;
  seed: string | number;
  reducer: Partial<ReducerConfig>;
  truths: ReadonlyMap<string, CaseTruth>;
  /** Records each piece of work done (for coordination overhead). */
  onWork(w: { case: string; subtask: string; agent: string; start: number; end: number; success: boolean }): void;
  tickMs: number;
  leaseMs: number;
  /** Backoff unit τ and routing unit for claim pacing. */
  backoffMs: number;
  routeMs: number;
}

const FOREVER = 10 * 365 * 24 * 3600_000;

/**
 * One organization in the simulator: the production agent runtime (CoalitionAgent, replica,
 * fold, chained poster) over a simulated link, with synthetic work. A crash drops the replica
 * and the agents' memory; the wallet and each agent's chain head (its local store) survive.
 */
export class SimNode {
  alive = true;
  incarnation = 0;
  replica: BoardReplica | undefined;
  agents: CoalitionAgent[] = [];
  private readonly posters = new Map<string, ChainedPoster>();
  readonly posteriors = new Map<string, SkillPosterior>();
  private readonly attempts = new Map<string, number>();
  private carded = false;
  private readonly poisoned = new Set<string>();

  constructor(readonly o: SimNodeOptions) {
    for (const a of o.agents) {
      this.posters.set(a.name, new ChainedPoster(a.signer, o.link, o.sched));
      this.posteriors.set(a.name, new SkillPosterior());
    }
  }

  get id(): string {
    return this.o.id;
  }

  async start(): Promise<void> {
    this.alive = true;
    const inc = this.incarnation;
    const replica = new BoardReplica(this.o.link, didKeyResolver, this.o.reducer);
    this.replica = replica;
    this.agents = this.o.agents.map((spec) => this.agentFor(spec, inc));
    replica.onRecord(() => this.wake(inc));
    await replica.start();
    if (!this.carded) {
      this.carded = true;
      for (const a of this.agents) void a.post({ case: null, kind: 'AgentCard', header: a.card, sections: [] }).catch(() => undefined);
    }
    const tick = (): void => {
      if (inc !== this.incarnation || !this.alive) return;
      this.wake(inc);
      this.o.sched.after(this.o.tickMs, tick);
    };
    this.o.sched.after(this.o.tickMs * (0.5 + this.o.random.next()), tick);
  }

  crash(): void {
    this.alive = false;
    this.incarnation++;
    this.replica?.stop();
    this.replica = undefined;
    this.agents = [];
  }

  private wake(inc: number): void {
    if (inc !== this.incarnation || !this.alive) return;
    for (const a of this.agents) a.schedule();
    this.poison(inc);
  }

  /** Pheromone poisoning: a fake capability gap blocking the determination, as soon as it can. */
  private poison(inc: number): void {
    for (const spec of this.o.agents.filter((a) => a.attack === 'poison')) {
      for (const c of this.replica?.state.cases.values() ?? []) {
        const det = c.subtasks.get('coverage-determination');
        if (c.status !== 'executing' || !c.members.has(spec.signer.did) || !det || det.artifact) continue;
        const key = `${spec.name}:${c.id}`;
        if (this.poisoned.has(key)) continue;
        this.poisoned.add(key);
        const gap = `gap-${spec.name}-${c.id}`.slice(0, 64);
        void this.post(
          spec.name,
          {
            case: c.id,
            kind: 'Gap',
            header: {
              gap,
              skill: GAP_SKILL,
              reasonCode: 'pgx-finding',
              subtask: { id: 'urgent-interaction-review', title: 'Urgent interaction review', deps: [], blocks: ['coverage-determination'] },
            },
            sections: [],
          },
          inc,
        )
          .then(() => this.post(spec.name, { case: c.id, kind: 'Announce', header: { gap, windowMs: 3_000 }, sections: [] }, inc))
          .catch(() => undefined);
      }
    }
  }

  /** Posts as an agent of this node while the node is up (adversaries' raw moves too). */
  post(name: string, draft: Draft | DraftBuilder, inc = this.incarnation): Promise<StoredEntry> {
    if (inc !== this.incarnation || !this.alive) return Promise.reject(new Error('node is down'));
    return this.posters.get(name)!.post(draft);
  }

  private agentFor(spec: SimAgentSpec, inc: number): CoalitionAgent {
    const posterior = this.posteriors.get(spec.name)!;
    const card: AgentCard = {
      name: spec.name,
      description: `Simulated agent with skills ${spec.skills.join(', ')}`,
      version: '1.0.0',
      provider: { organization: spec.org, did: spec.signer.did, kind: 'sim' },
      capabilities: { streaming: false, pushNotifications: false },
      skills: spec.skills.map((id) => ({ id, name: id, description: `Performs ${id}`, tags: ['sim'] })),
      did: spec.signer.did,
      role: spec.skills[0]!,
      credentials: [],
    };
    const honest = spec.attack === undefined;
    return new CoalitionAgent({
      profile: this.profileFor(spec, inc),
      card,
      poster: {
        post: (d) => {
          const p = this.post(spec.name, d, inc);
          if (spec.attack === 'equivocate' && typeof d !== 'function' && (d.kind === 'Proposal' || d.kind === 'Claim'))
            void p.then(
              (e) => this.equivocate(spec, e.envelope),
              () => undefined,
            );
          return p;
        },
      },
      replica: this.replica!,
      // Adversaries skip the advisory slot and post their claims at once: the fold decides.
      claimSlots: honest ? this.o.link : IGNORED_SLOTS,
      ports: {
        data: { fetch: async () => [] },
        access: plaintextDisclosure,
        credentials: noCredentials,
        audit: noAuditTrail,
        proofs: noProofs,
        forms: noForms,
      },
      clock: this.o.sched,
      logger: process.env['MURMUR_SIM_DEBUG'] ? streamLogger() : silentLogger,
      leaseMs: this.o.leaseMs,
      bidWindowMs: 3_000,
      invitePerSkill: 2,
      claimDelay: honest
        ? (skill, lost) => (1 - posterior.sample(skill, this.o.random)) * this.o.routeMs + (lost > 0 ? backoffDelay(lost, this.o.backoffMs, this.o.random) : 0)
        : () => 0,
      learn: (skill, ok) => posterior.record(skill, ok),
      // Learned routing: invite by a Thompson sample of each candidate's record on the board,
      // among candidates in good standing (reputation at least the default).
      inviteOrder: (skill, candidates) => {
        const state = this.replica!.state;
        const standing = candidates.filter((d) => (state.reputation.get(d) ?? this.o.reducer.genesisReputation?.[d] ?? 50) >= 50);
        return thompsonOrder(standing.length ? standing : candidates, skill, trackRecord(state), this.o.random);
      },
      ...(honest ? { validateGap: (g: GapState, c: CaseState) => this.validateGap(g, c) } : {}),
      waitAfterMs: 20_000,
      takeoverMs: 20_000,
    });
  }

  /**
   * Honest agents check a gap against the case: only a real PGx finding calls for one, and it
   * must come from the agent that did the screening and take the screening as its input.
   */
  private validateGap(g: GapState, c: CaseState): 'endorse' | 'reject' | undefined {
    const truth = this.o.truths.get(c.id);
    const screening = c.subtasks.get('genomic-screening');
    if (!screening?.artifact && g.author === screening?.claimant) return undefined; // evidence not posted yet
    const backed =
      truth?.pgx &&
      g.skill === GAP_SKILL &&
      g.reasonCode === 'pgx-finding' &&
      screening?.artifact?.author === g.author &&
      g.subtask.deps.includes('genomic-screening');
    return backed ? 'endorse' : 'reject';
  }

  private profileFor(spec: SimAgentSpec, inc: number): AgentProfile {
    const work: AgentProfile['work'] = {};
    for (const skill of spec.skills) {
      work[skill] = async ({ case: c, subtask, read }): Promise<WorkResult> => {
        const truth = this.o.truths.get(c.id)!;
        if (spec.attack === 'squat') await this.o.sched.sleep(FOREVER);
        if (spec.attack === 'fabricate') {
          for (const progress of [0.5, 1]) {
            await this.o.sched.sleep(1_000);
            await this.post(spec.name, { case: c.id, subtask: subtask.id, kind: 'Checkpoint', header: { progress, step: 'analysis' }, sections: [] }, inc);
          }
          await this.o.sched.sleep(FOREVER);
        }
        const key = `${spec.name}:${c.id}:${subtask.id}`;
        const attempt = (this.attempts.get(key) ?? 0) + 1;
        this.attempts.set(key, attempt);
        const draw = workDraw(this.o.seed, c.id, subtask.id, spec.signer.did, attempt, spec.quality);
        const start = this.o.sched.now();
        await this.o.sched.sleep(draw.durationMs);
        if (inc !== this.incarnation || !this.alive) throw new Error('node crashed during work');
        this.o.onWork({ case: c.id, subtask: subtask.id, agent: spec.name, start, end: this.o.sched.now(), success: draw.success });
        if (!draw.success) throw new Error('work failed');
        const inputs: string[] = [];
        for (const d of subtask.deps) inputs.push(`${d}:${((await read(d, 'result')) as { digest?: string } | undefined)?.digest ?? '?'}`);
        const digest = resultDigest(truth, subtask.id, inputs);
        const gaps: WorkResult['gaps'] = [];
        const gapSpec = { id: GAP_SUBTASK.id, title: GAP_SUBTASK.title, deps: [...GAP_SUBTASK.deps], blocks: ['coverage-determination'], outputs: SIM_OUTPUTS };
        if (subtask.id === 'genomic-screening' && truth.pgx) gaps.push({ skill: GAP_SKILL, reasonCode: 'pgx-finding', subtask: gapSpec });
        const outcome =
          subtask.id === 'coverage-determination' ? (truth.missing ? 'pended' : truth.eligible && truth.evidenceOk ? 'approved' : 'denied') : undefined;
        return {
          // The outcome rides in the section (the header carries only its closure).
          sections: [{ name: 'result', readers: [], plaintext: { digest, caveat: subtask.deps.includes(GAP_SUBTASK.id), ...(outcome ? { outcome } : {}) } }],
          ...(outcome ? { outcome } : {}),
          gaps,
        };
      };
    }
    return {
      name: spec.name,
      description: 'simulated agent',
      role: spec.skills[0]!,
      skills: spec.skills.map((id) => ({ id, name: id, description: `Performs ${id}`, tags: ['sim'] })),
      propose: (task) => this.propose(spec, task.needs),
      work,
      bid: ({ skill }) => {
        if (!spec.skills.includes(skill)) return undefined;
        const mean = this.posteriors.get(spec.name)!.mean(skill);
        return { cost: 0.3, quality: Math.round(mean * 1000) / 1000, latency: 0.3, justification: 'past-success-rate' };
      },
    };
  }

  private propose(spec: SimAgentSpec, needs: readonly string[]): Proposal | undefined {
    const mine = TEMPLATE.filter((t) => spec.skills.includes(t.skill) && needs.includes(t.skill));
    if (mine.length === 0) return undefined;
    const domain = spec.skills[0]!;
    if (spec.attack === 'inject') {
      // Belief injection: certainty for a bogus subtask outside its competence, zero for the rest.
      return {
        domain,
        subtasks: [
          { id: 'bulk-export', title: 'Export all records', skill: 'bulk-export', deps: [], confidence: 1, domain: 'bulk-export', outputs: SIM_OUTPUTS },
          ...TEMPLATE.map((t) => ({ id: t.id, title: t.title, skill: t.skill, deps: [...t.deps], confidence: 0, domain: t.skill, outputs: SIM_OUTPUTS })),
        ],
      };
    }
    return {
      domain,
      subtasks: mine.map((t) => ({ id: t.id, title: t.title, skill: t.skill, deps: [...t.deps], confidence: 0.9, domain: t.skill, outputs: SIM_OUTPUTS })),
    };
  }

  /** Equivocation: a second, different envelope with the same seq and prev, straight to the board. */
  private equivocate(spec: SimAgentSpec, original: Envelope): void {
    const { sig: _s, id: _i, v: _v, author: _a, ...body } = original;
    const header = original.kind === 'Claim' ? { leaseMs: acceptedHeader('Claim', original).leaseMs + 1_000 } : { ...original.header, domain: 'equivocation' };
    const fork = signEnvelope(spec.signer, { ...body, header, at: this.o.sched.now() });
    void this.o.link.append(fork).catch(() => undefined);
  }
}
