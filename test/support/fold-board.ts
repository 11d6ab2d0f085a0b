import { BoardFold, type Admission, type Evidence, type FoldRecord } from '../../core/board/fold.js';
import { signEnvelope, type Envelope } from '../../core/board/envelope.js';
import { MemoryBoardStore } from '../../core/board/memory-store.js';
import type { BoardTimeRule } from '../../core/board/board-time.js';
import { ManualClock } from '../../core/common/clock.js';
import { didKeyResolver } from '../../core/crypto/did-key.js';
import type { CoalitionState } from '../../core/coordination/case-state.js';
import { coalitionReducer, type ReducerConfig } from '../../core/coordination/reducer.js';
import { organizationVoter } from '../../core/agents/runtime/replica.js';
import type { testSigner } from './keys.js';

export type Signer = ReturnType<typeof testSigner>;
import type { Draft } from '../../core/coordination/kinds/draft.js';

export type { Draft } from '../../core/coordination/kinds/draft.js';

/**
 * One fold over an in-memory board at a manual clock, for rule tests: members sign with their
 * own keys, and an optional admission stage (or evidence given per post) stands in for the
 * access layer.
 */
export class FoldBoard {
  readonly clock = new ManualClock(Date.UTC(2026, 10, 1));
  readonly store = new MemoryBoardStore(this.clock);
  readonly fold: BoardFold<CoalitionState>;
  private readonly heads = new Map<string, { seq: number; prev: string | null }>();

  constructor(
    config: Partial<ReducerConfig> = {},
    private readonly admission?: Admission<CoalitionState>,
    time?: BoardTimeRule,
  ) {
    this.fold = new BoardFold(didKeyResolver, coalitionReducer(config), time, organizationVoter);
  }

  /** Signs the next envelope of `signer`'s chain (not yet posted). */
  sign(signer: Signer, draft: Draft, clockAheadMs = 0): Envelope {
    const h = this.heads.get(signer.did) ?? { seq: 0, prev: null };
    const env = signEnvelope(signer, { ...draft, seq: h.seq + 1, prev: h.prev, at: this.clock.now() + clockAheadMs });
    this.heads.set(signer.did, { seq: env.seq, prev: env.id });
    return env;
  }

  /** The seq `signer`'s next envelope will carry. */
  nextSeq(signer: Signer): number {
    return (this.heads.get(signer.did)?.seq ?? 0) + 1;
  }

  async post(signer: Signer, draft: Draft, evidence?: Evidence): Promise<FoldRecord> {
    return this.append(this.sign(signer, draft), evidence);
  }

  /** Folds an envelope as a store would hand it over, stamped `at` by whoever wrote it (an etcd member, a host). */
  async stampedAt(env: Envelope, at: number): Promise<FoldRecord> {
    return this.fold.apply({ index: this.fold.lastIndex + 1, at, envelope: env });
  }

  /** Appends an envelope as the board host stores it (signed by anyone, or tampered). */
  async append(env: Envelope, evidence?: Evidence): Promise<FoldRecord> {
    const entry = await this.store.append(env);
    if (evidence === undefined && this.admission) return this.fold.admit(entry, this.admission);
    return this.fold.apply(entry, evidence);
  }

  caseOf(id = 'case-1') {
    return this.fold.state.cases.get(id)!;
  }
}

/** An agent card for rule tests: its skills, the first its role unless one is given. */
export function testCard(s: Signer, skills: readonly string[], o: { name?: string; role?: string; credentials?: string[] } = {}) {
  return {
    name: o.name ?? s.did.slice(-6),
    description: 'test agent',
    version: '1',
    provider: { organization: 'org', did: s.did, kind: 'test' },
    capabilities: { streaming: false, pushNotifications: false },
    skills: skills.map((id) => ({ id, name: id, description: id, tags: [] })),
    did: s.did,
    role: o.role ?? skills[0]!,
    credentials: o.credentials ?? [],
  };
}

/**
 * Opens `case-1` for `needs` at `convener`, invites `invitees` and has each accept: the
 * coalition is formed, its proposals next. Resolves with the Invitation's record.
 */
export async function convened(
  b: { post(signer: Signer, draft: Draft): Promise<FoldRecord> },
  convener: Signer,
  invitees: readonly Signer[],
  needs: readonly string[],
  code = 'X',
): Promise<FoldRecord> {
  const task = { service: { system: 'http://example.org', code }, policy: { id: 'p', version: '1', hash: '0'.repeat(64) }, needs: [...needs] };
  await b.post(convener, { case: 'case-1', kind: 'TaskAvailable', header: task, sections: [] });
  const inv = await b.post(convener, { case: 'case-1', kind: 'Invitation', header: { invitees: invitees.map((s) => s.did).sort() }, sections: [] });
  for (const s of invitees) await b.post(s, { case: 'case-1', kind: 'Accept', header: { invitation: inv.id }, sections: [] });
  return inv;
}
