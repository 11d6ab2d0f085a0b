import type { Evidence, Reducer, Verdict } from '../board/fold.js';
import { interner } from '../common/intern.js';
import { authorDid } from '../board/envelope.js';
import type { Kind } from '../board/kinds.js';
import type { StoredEntry } from '../board/store.js';
import type { CoalitionState } from './case-state.js';
import { CaseTable } from './case-table.js';
import { DEFAULT_AWARD_WEIGHTS } from './contract-net.js';
import type { KindDef } from './kinds/define.js';
import { withKinds } from './kinds/registry.js';
import { DEFAULT_MERGE } from './plan.js';
import { DEFAULT_GAP_DECAY } from './stigmergy/gap-strength.js';
import { no, type ReducerConfig } from './rules/context.js';

export type { ReducerConfig } from './rules/context.js';

export const DEFAULT_REDUCER_CONFIG: ReducerConfig = {
  defaultReputation: 50,
  genesisReputation: {},
  awardWeights: DEFAULT_AWARD_WEIGHTS,
  planQuorum: 2 / 3,
  doneQuorum: 0.8,
  awardLeaseMs: 10 * 60_000,
  requireCredentials: false,
  requireSealed: false,
  rotateConvener: false,
  convenerTimeoutMs: 30_000,
  acceptWindowMs: 60_000,
  proposalWindowMs: 60_000,
  maxHoldMs: 30 * 60_000,
  deliveryGraceMs: 60_000,
  leasePenalty: 5,
  maxStrikes: 2,
  maxReleases: 3,
  absentAfterMs: 120_000,
  gapDecay: DEFAULT_GAP_DECAY,
  gapEndorsementsToAward: 0,
  merge: DEFAULT_MERGE,
  inputsDeadlineMs: 300_000,
};

const AFTER_DISSOLUTION: readonly Kind[] = ['ReputationUpdate', 'DoneVote', 'AccessRequest', 'KeyGrant', 'Adjudication', 'CaseUpdate', 'CaseCancel'];

/**
 * The kinds' rules (kinds/registry.ts) as the board fold's reducer: pure, deterministic, no I/O.
 * `kinds` replaces definitions of the registry (the access layer's kinds with their rules).
 */
export function coalitionReducer(config: Partial<ReducerConfig> = {}, kinds: readonly KindDef[] = []): Reducer<CoalitionState> {
  const cfg: ReducerConfig = { ...DEFAULT_REDUCER_CONFIG, ...config, merge: { ...DEFAULT_MERGE, ...config.merge } };
  const defs = withKinds(kinds);
  const intern = interner();
  return {
    init: () => ({ cases: new CaseTable(), cards: new Map(), reputation: new Map(), reputationHistory: [], lastSeen: new Map(), revocations: new Map() }),
    apply(state, entry: StoredEntry, evidence: Evidence): Verdict {
      const env = entry.envelope;
      const def = defs.get(env.kind);
      if (!def) return no('E_HEADER', `no definition of kind ${env.kind}`);
      const author = intern(authorDid(env.author));
      const verdict = def.judge(env.header, () => {
        const c = env.case === null ? undefined : state.cases.get(env.case);
        if (env.case !== null && env.kind !== 'TaskAvailable' && !c) return no('E_NO_CASE', 'no such case on the board');
        // A dissolved case is memory: it takes its reputation update and late done votes, and
        // reads of its archive (appeals, audits) still go through access requests and grants.
        if (c?.status === 'dissolved' && !AFTER_DISSOLUTION.includes(env.kind)) return no('E_DISSOLVED', 'the case is dissolved');
        return { state, config: cfg, entry, author, ref: { id: env.id, index: entry.index, at: entry.at }, evidence, intern, ...(c ? { case: c } : {}) };
      });
      if (verdict.ok) state.lastSeen.set(author, entry.at);
      return verdict;
    },
  };
}
