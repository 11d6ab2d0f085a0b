import type { Envelope } from '../../core/board/envelope.js';
import type { MemoryBoardStore } from '../../core/board/memory-store.js';
import type { BoardStore, StoredEntry, Unsubscribe } from '../../core/board/store.js';
import type { Random } from '../../core/common/random.js';
import type { SimScheduler } from './scheduler.js';

export interface NetworkConfig {
  /** One-way delay: base + Uniform(0, jitter). */
  baseDelayMs: number;
  jitterMs: number;
  /** Probability a message is lost; the sender retransmits after `rtoMs`. */
  dropRate: number;
  rtoMs: number;
}

export const DEFAULT_NETWORK: NetworkConfig = { baseDelayMs: 20, jitterMs: 60, dropRate: 0.02, rtoMs: 500 };

/**
 * The simulated network between org nodes and the board: seeded delays, drops (retransmitted,
 * since envelopes are idempotent by id), and partitions (a cut-off node's traffic waits until
 * the partition heals). Each node talks to the board through its own `SimBoardLink`.
 */
export class SimNetwork {
  private readonly partitions = new Map<string, number>();
  private readonly links = new Map<string, SimBoardLink>();
  messages = 0;
  drops = 0;

  constructor(
    readonly sched: SimScheduler,
    readonly random: Random,
    readonly board: MemoryBoardStore,
    readonly config: NetworkConfig = DEFAULT_NETWORK,
  ) {
    board.subscribe((entry) => {
      for (const link of this.links.values()) link.deliver(entry);
    });
  }

  link(node: string): SimBoardLink {
    let l = this.links.get(node);
    if (!l) {
      l = new SimBoardLink(node, this);
      this.links.set(node, l);
    }
    return l;
  }

  /**
   * A new connection for a restarted process: the old one is cut (what it still had in flight
   * is lost with the process), the new one starts at the board's head as it stands, as a real
   * reconnect reads the board's history from the store.
   */
  async relink(node: string): Promise<SimBoardLink> {
    this.links.get(node)?.cut();
    const l = new SimBoardLink(node, this, await this.board.head());
    this.links.set(node, l);
    return l;
  }

  /** Cuts `node` off from the board until `until` (sim time). */
  partition(node: string, until: number): void {
    this.partitions.set(node, Math.max(until, this.partitions.get(node) ?? 0));
  }

  /** Delivers a message to or from `node` after a seeded delay, retransmitting drops. */
  send(node: string, deliver: () => void, fifo?: { last: number }): void {
    this.messages++;
    let delay = this.config.baseDelayMs + this.random.next() * this.config.jitterMs;
    while (this.random.next() < this.config.dropRate) {
      this.drops++;
      delay += this.config.rtoMs;
    }
    let at = this.sched.now() + delay;
    const healed = this.partitions.get(node) ?? 0;
    if (healed > at) at = healed + delay;
    if (fifo) {
      at = Math.max(at, fifo.last);
      fifo.last = at;
    }
    this.sched.at(at, deliver);
  }
}

/**
 * A node's view of the board: appends travel to the board and their receipts back; the board's
 * entries reach the node in order (FIFO), each after its own delay. `read` serves only what was
 * delivered to this node, so a partitioned node folds a stale prefix, never a wrong one.
 */
export class SimBoardLink implements BoardStore {
  private readonly listeners = new Set<(entry: StoredEntry) => void>();
  private readonly fifo = { last: 0 };
  /** Cut with its process: nothing more reaches it, and it sends nothing new. */
  private down = false;

  constructor(
    readonly node: string,
    private readonly net: SimNetwork,
    private delivered = 0,
  ) {}

  cut(): void {
    this.down = true;
    this.listeners.clear();
  }

  deliver(entry: StoredEntry): void {
    if (this.down) return;
    this.net.send(
      this.node,
      () => {
        if (this.down || entry.index !== this.delivered + 1) return;
        this.delivered = entry.index;
        for (const l of [...this.listeners]) l(entry);
      },
      this.fifo,
    );
  }

  append(envelope: Envelope): Promise<StoredEntry> {
    return new Promise((resolve, reject) => {
      // A dead process's request never settles: it had nobody left to answer.
      if (this.down) return;
      // What was already on the wire still reaches the board (a restart must cope with its
      // previous incarnation's late appends); only the receipt has nobody to go to.
      this.net.send(this.node, () => {
        this.net.board.append(envelope).then(
          (entry) => this.net.send(this.node, () => void (this.down || resolve(entry))),
          (e: unknown) => void (this.down || reject(e)),
        );
      });
    });
  }

  async read(from: number, limit = 10_000): Promise<StoredEntry[]> {
    const to = Math.min(this.delivered, Math.max(1, from) - 1 + limit);
    return (await this.net.board.read(from, limit)).filter((e) => e.index <= to);
  }

  async head(): Promise<number> {
    return this.delivered;
  }

  subscribe(listener: (entry: StoredEntry) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  tryClaim(key: string, owner: string): Promise<{ won: boolean; owner: string }> {
    return this.net.board.tryClaim(key, owner);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
