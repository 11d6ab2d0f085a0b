import type { BoardStore } from '../../core/board/store.js';
import type { Clock } from '../../core/common/clock.js';
import { newId } from '../../core/common/ids.js';
import type { Logger } from '../../core/common/log.js';
import type { Random } from '../../core/common/random.js';
import { didKeyFromPublicKey, didKeySigner } from '../../core/crypto/did-key.js';
import type { KeyResolver, Signer } from '../../core/crypto/signing.js';
import type { AgentCard } from '../../core/coordination/messages.js';
import type { ReducerConfig } from '../../core/coordination/reducer.js';
import { policyHash, type CoveragePolicy } from '../../core/agents/clinical/policy.js';
import { REQUEST_READERS } from '../../core/agents/domain/sections.js';
import { PA_WORKFLOW_NEEDS } from '../../core/agents/domain/workflow.js';
import type { CaseDataRef, ClinicalDataPort, PasFormPort } from '../../core/agents/ports.js';
import type { AgentProfile } from '../../core/agents/runtime/agent.js';
import { CoalitionAgent } from '../../core/agents/runtime/coalition-agent.js';
import { ChainedPoster } from '../../core/agents/runtime/poster.js';
import { BoardReplica } from '../../core/agents/runtime/replica.js';

export type OrgKind = 'payer' | 'cds-vendor' | 'genomics-lab' | 'pharmacovigilance';

export interface OrgSpec {
  id: string;
  name: string;
  kind: OrgKind;
  agents: AgentProfile[];
}

/** An organization's keys: one signer per agent, and the organization's own. */
export interface OrgIdentity {
  org: Signer & { did: string };
  agents: Map<string, Signer & { did: string }>;
}

export function createOrgIdentity(spec: OrgSpec, random: Random): OrgIdentity {
  return {
    org: didKeySigner(random.bytes(32)),
    agents: new Map(spec.agents.map((a) => [a.name, didKeySigner(random.bytes(32))])),
  };
}

export interface OrgNodeOptions {
  spec: OrgSpec;
  identity: OrgIdentity;
  store: BoardStore;
  keys: KeyResolver;
  data: ClinicalDataPort;
  forms?: PasFormPort;
  clock: Clock;
  random: Random;
  logger: Logger;
  reducer?: Partial<ReducerConfig>;
  /** How often agents re-check time-based decisions (award windows, leases). */
  tickMs?: number;
}

/**
 * One organization's node: its agents, its wallet, its replica of the board. It shares
 * nothing with other organizations but the board store.
 */
export class OrgNode {
  readonly replica: BoardReplica;
  readonly agents: CoalitionAgent[];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: OrgNodeOptions) {
    this.replica = new BoardReplica(o.store, o.keys, o.reducer);
    this.agents = o.spec.agents.map((profile) => {
      const signer = o.identity.agents.get(profile.name)!;
      return new CoalitionAgent({
        profile,
        card: this.cardOf(profile, signer.did),
        poster: new ChainedPoster(signer, o.store, o.clock),
        replica: this.replica,
        ports: {
          data: o.data,
          ...(o.forms ? { forms: o.forms } : {}),
          readSection: async (entry, name) => entry.envelope.sections.find((s) => s.name === name)?.plaintext,
        },
        clock: o.clock,
        logger: o.logger.child({ org: o.spec.id, agent: profile.name }),
      });
    });
  }

  get spec(): OrgSpec {
    return this.o.spec;
  }

  get did(): string {
    return this.o.identity.org.did;
  }

  private cardOf(profile: AgentProfile, did: string): AgentCard {
    return {
      name: profile.name,
      description: profile.description,
      version: '1.0.0',
      provider: { organization: this.o.spec.name, did: didKeyFromPublicKey(this.o.identity.org.publicKey).did, kind: this.o.spec.kind },
      capabilities: { streaming: false, pushNotifications: false },
      skills: profile.skills,
      did,
      role: profile.role,
      credentials: [],
    };
  }

  async start(): Promise<void> {
    this.replica.onRecord(() => this.wake());
    await this.replica.start();
    for (const a of this.agents) {
      if (!this.replica.state.cards.has(a.did)) {
        await a.post({ case: null, kind: 'AgentCard', header: a.card, sections: [] });
      }
    }
    this.timer = setInterval(() => this.wake(), this.o.tickMs ?? 250);
    this.timer.unref();
    this.wake();
  }

  wake(): void {
    for (const a of this.agents) a.schedule();
  }

  /**
   * Opens a case for a request this organization received: its agent that pins policies posts
   * TaskAvailable, with where the data lives in a section for the coalition's roles only.
   */
  async submitCase(ref: CaseDataRef, policy: CoveragePolicy): Promise<string> {
    const intake = this.agents.find((a) => a.card.skills.some((s) => s.id === 'coverage-policy'));
    if (!intake) throw new Error(`${this.o.spec.name} has no agent that takes requests`);
    const caseId = newId('case', this.o.random);
    await intake.post({
      case: caseId,
      kind: 'TaskAvailable',
      header: {
        service: { system: policy.service.system, code: policy.service.code },
        policy: { id: policy.id, version: policy.version, hash: policyHash(policy) },
        needs: [...PA_WORKFLOW_NEEDS],
        requestReaders: [...REQUEST_READERS],
      },
      sections: [{ name: 'request', readers: [...REQUEST_READERS].sort(), plaintext: ref }],
    });
    return caseId;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.replica.stop();
  }
}
