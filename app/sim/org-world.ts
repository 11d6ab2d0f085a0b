import { DEFAULT_BOARD_TIME } from '../../core/board/board-time.js';
import { MemoryBoardStore } from '../../core/board/memory-store.js';
import type { StoredEntry } from '../../core/board/store.js';
import type { Clock } from '../../core/common/clock.js';
import { silentLogger } from '../../core/common/log.js';
import { seededRandom } from '../../core/common/random.js';
import type { ContentKey } from '../../core/crypto/aead.js';
import { chainResolvers, didKeyResolver } from '../../core/crypto/did-key.js';
import { didPeerResolver } from '../../core/crypto/did-peer.js';
import { memoizedResolver, type KeyResolver } from '../../core/crypto/signing.js';
import { REFERENCE_CAPABILITIES } from '../../core/coordination/roles.js';
import { credentialAdmission } from '../../core/access/admission.js';
import { ACCESS_KINDS } from '../../core/access/rules.js';
import { BoardReplica } from '../../core/agents/runtime/replica.js';
import { KeyVault } from '../../core/agents/runtime/section-access.js';
import type { CaseVariant } from '../../fhir/synthetic/index.js';
import { credentialedCoalition, type Charter, type CredentialedOrg } from '../node/charter.js';
import type { OrgSpec } from '../node/identity.js';
import { OrgNode } from '../node/org-node.js';
import { REFERENCE_ORGS, STARTING_REPUTATION } from '../node/reference-coalition.js';
import { memoryClinicalData, memoryForms } from './clinical-ports.js';
import { noForms, noProofs } from '../../core/agents/ports.js';
import { trackAsyncCrypto } from './inflight.js';
import { SimNetwork, type NetworkConfig } from './network.js';
import { SimScheduler } from './scheduler.js';

/** When every simulated run starts (its credentials are valid from here). */
export const SIM_EPOCH = Date.UTC(2026, 0, 1);

interface SharedCoalition {
  charter: Charter;
  orgs: CredentialedOrg[];
  genesis: Record<string, number>;
  keys: KeyResolver;
}

let shared: Promise<SharedCoalition> | undefined;

/**
 * The reference coalition's wallets, DIDs and credentials, issued once per process from a fixed
 * seed: issuing them is setup (as the shipped circuit keys are), not what a seed varies, and
 * it costs more than a whole simulated case. Nothing a run does changes them: revocation is a
 * board entry, and every run has its own board.
 */
export function sharedCoalition(): Promise<SharedCoalition> {
  shared ??= (async () => {
    const { charter, orgs } = await credentialedCoalition(REFERENCE_ORGS, { random: seededRandom('murmur-sim:charter'), clock: new SimScheduler(SIM_EPOCH) });
    const genesis: Record<string, number> = {};
    for (const org of orgs) {
      for (const a of org.spec.agents) {
        const rep = STARTING_REPUTATION[a.name];
        if (rep !== undefined) genesis[org.identity.agents.get(a.name)!.did] = rep;
      }
    }
    charter.genesisReputation = genesis;
    return { charter, orgs, genesis, keys: memoizedResolver(chainResolvers(didKeyResolver, didPeerResolver)) };
  })();
  return shared;
}

/**
 * What a node process keeps on disk and finds again after a crash: its content keys, written
 * as they are made (the process node's FileKeyVault appends each one before the envelope
 * that uses it is posted). Its wallet is the shared identity; its board is the board.
 */
class DiskVault extends KeyVault {
  constructor(private readonly disk: Map<string, ContentKey>) {
    super();
    for (const [p, k] of disk) super.put(p, k);
  }

  override put(position: string, key: ContentKey): void {
    super.put(position, key);
    this.disk.set(position, key);
  }
}

export interface OrgWorldOptions {
  seed: string | number;
  variant: CaseVariant;
  network: NetworkConfig;
  /** How often each node's agents re-check time-based decisions (the node's default is 250 ms). */
  tickMs: number;
}

/**
 * Four real org nodes (the reference coalition, charter and privacy on: verified
 * presentations, sealed sections, key grants) over a simulated network and clock. The board
 * service is the one thing shared; each node reaches it through its own link. A crash ends a
 * node's process: its replica, posters' queues, pending grants, caches and in-memory audit
 * trail are gone, and a restart builds a new OrgNode from what it kept (wallet, key vault).
 */
export class OrgWorld {
  readonly sched = new SimScheduler(SIM_EPOCH);
  /** The board host's clock; an attack may set the skew it stamps with (etcd: the writer stamps). */
  readonly stamp = { skew: 0, now: (): number => this.sched.now() + this.stamp.skew, sleep: (ms: number): Promise<void> => this.sched.sleep(ms) };
  readonly board = new MemoryBoardStore(this.stamp);
  readonly net: SimNetwork;
  readonly nodes = new Map<string, OrgNode>();
  readonly incarnation = new Map<string, number>();
  /** The simulated time each entry reached the board (for the board-time invariant). */
  readonly appendedAt = new Map<number, number>();
  /** Clock overrides per organization (a member whose clock runs ahead). */
  readonly clocks = new Map<string, Clock>();
  private readonly disks = new Map<string, Map<string, ContentKey>>();
  private readonly bootHooks: ((org: string, node: OrgNode) => void)[] = [];

  private constructor(
    readonly o: OrgWorldOptions,
    readonly coalition: SharedCoalition,
  ) {
    this.net = new SimNetwork(this.sched, seededRandom(`${o.seed}:network`), this.board, o.network);
    this.board.subscribe((e: StoredEntry) => void this.appendedAt.set(e.index, this.sched.now()));
  }

  static async create(o: OrgWorldOptions): Promise<OrgWorld> {
    trackAsyncCrypto();
    return new OrgWorld(o, await sharedCoalition());
  }

  get orgIds(): string[] {
    return this.coalition.orgs.map((x) => x.spec.id);
  }

  org(id: string): CredentialedOrg {
    return this.coalition.orgs.find((x) => x.spec.id === id)!;
  }

  /** Runs `hook` on every node as it boots (first start and restarts): adversaries attach here. */
  onBoot(hook: (org: string, node: OrgNode) => void): void {
    this.bootHooks.push(hook);
  }

  alive(org: string): boolean {
    return this.nodes.has(org);
  }

  /** Starts an organization's node process from what it persisted. */
  async boot(org: string): Promise<OrgNode> {
    const inc = (this.incarnation.get(org) ?? -1) + 1;
    this.incarnation.set(org, inc);
    const { spec, identity } = this.org(org);
    const disk = this.disks.get(org) ?? this.disks.set(org, new Map()).get(org)!;
    const link = await this.net.relink(org);
    const node = new OrgNode({
      spec: spec as OrgSpec,
      identity,
      store: link,
      keys: this.coalition.keys,
      data: memoryClinicalData(this.o.variant),
      forms: spec.kind === 'payer' ? memoryForms : noForms,
      proofs: noProofs,
      clock: this.clocks.get(org) ?? this.sched,
      random: seededRandom(`${this.o.seed}:${org}:${inc}`),
      logger: silentLogger,
      reducer: { genesisReputation: this.coalition.genesis },
      charter: this.coalition.charter,
      tickMs: this.o.tickMs,
      vault: new DiskVault(disk),
      timers: this.sched,
    });
    this.nodes.set(org, node);
    for (const hook of this.bootHooks) hook(org, node);
    await node.start();
    return node;
  }

  /** Kills an organization's process: nothing it held in memory survives. */
  crash(org: string): void {
    const node = this.nodes.get(org);
    if (!node) return;
    this.nodes.delete(org);
    this.net.link(org).cut();
    void node.stop();
  }

  /** A fresh replica of the whole board under the coalition's rules: what a new member or an auditor folds. */
  async auditor(): Promise<BoardReplica> {
    const c = this.coalition.charter;
    const replica = new BoardReplica(
      this.board,
      this.coalition.keys,
      { capabilities: REFERENCE_CAPABILITIES, genesisReputation: this.coalition.genesis, requireCredentials: true, requireSealed: true },
      credentialAdmission({ registry: c.registry, status: c.status, zkIssuers: c.zkIssuers }),
      ACCESS_KINDS,
      DEFAULT_BOARD_TIME,
    );
    await replica.catchUp();
    return replica;
  }
}
