import type { Evidence, Reducer, Verdict } from '../board/fold.js';
import { authorDid } from '../board/envelope.js';
import type { Kind } from '../board/kinds.js';
import type { StoredEntry } from '../board/store.js';
import type { CoalitionState } from './case-state.js';
import { DEFAULT_AWARD_WEIGHTS } from './contract-net.js';
import { DEFAULT_MERGE } from './plan.js';
import { DEFAULT_GAP_DECAY } from './stigmergy/gap-strength.js';
import { vote } from './rules/consensus.js';
import { beliefUpdate } from './rules/belief-update.js';
import { deadlockResolved, leaseExpired, wait } from './rules/failures.js';
import { HEADER_SCHEMAS } from './messages.js';
import { accept, agentCard, invitation, taskAvailable } from './rules/bootstrap.js';
import { caseCancel } from './rules/cancellation.js';
import { adjudication, caseUpdate, doneVote, dissolved, reputationUpdate } from './rules/closing.js';
import { no, type ReducerConfig, type RuleContext } from './rules/context.js';
import { artifact, checkpoint, claim, gap, gapEndorse, gapReject, heartbeat, release } from './rules/execution.js';
import { announce, award, bid } from './rules/negotiation.js';
import { planCommit, proposal } from './rules/planning.js';

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
  absentAfterMs: 120_000,
  gapDecay: DEFAULT_GAP_DECAY,
  gapEndorsementsToAward: 0,
  merge: DEFAULT_MERGE,
  inputsDeadlineMs: 300_000,
};

export type Rule = (ctx: RuleContext<never>) => Verdict;

const AFTER_DISSOLUTION: readonly Kind[] = ['ReputationUpdate', 'DoneVote', 'AccessRequest', 'KeyGrant', 'Adjudication', 'CaseUpdate', 'CaseCancel'];

/** Kinds whose rules are not in this layer yet are accepted as records with no effect. */
const RULES: Partial<Record<Kind, Rule>> = {
  AgentCard: agentCard as Rule,
  TaskAvailable: taskAvailable as Rule,
  Invitation: invitation as Rule,
  Accept: accept as Rule,
  Proposal: proposal as Rule,
  PlanCommit: planCommit as Rule,
  Claim: claim as Rule,
  Heartbeat: heartbeat as Rule,
  Release: release as Rule,
  Checkpoint: checkpoint as Rule,
  Artifact: artifact as Rule,
  Gap: gap as Rule,
  GapEndorse: gapEndorse as Rule,
  GapReject: gapReject as Rule,
  BeliefUpdate: beliefUpdate as Rule,
  Vote: vote as Rule,
  Wait: wait as Rule,
  DeadlockResolved: deadlockResolved as Rule,
  LeaseExpired: leaseExpired as Rule,
  Announce: announce as Rule,
  Bid: bid as Rule,
  Award: award as Rule,
  DoneVote: doneVote as Rule,
  Dissolved: dissolved as Rule,
  ReputationUpdate: reputationUpdate as Rule,
  Adjudication: adjudication as Rule,
  CaseUpdate: caseUpdate as Rule,
  CaseCancel: caseCancel as Rule,
};

/** The coordination layer's rules as the board fold's reducer: pure, deterministic, no I/O. */
export function coalitionReducer(config: Partial<ReducerConfig> = {}, extraRules: Partial<Record<Kind, Rule>> = {}): Reducer<CoalitionState> {
  const cfg: ReducerConfig = { ...DEFAULT_REDUCER_CONFIG, ...config, merge: { ...DEFAULT_MERGE, ...config.merge } };
  const rules = { ...RULES, ...extraRules };
  return {
    init: () => ({ cases: new Map(), cards: new Map(), reputation: new Map(), reputationHistory: [], lastSeen: new Map(), revocations: new Map() }),
    apply(state, entry: StoredEntry, evidence: Evidence): Verdict {
      const env = entry.envelope;
      const parsed = HEADER_SCHEMAS[env.kind].safeParse(env.header);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        return no(`header: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
      }
      const c = env.case === null ? undefined : state.cases.get(env.case);
      if (env.case !== null && env.kind !== 'TaskAvailable' && !c) return no('no such case on the board');
      // A dissolved case is memory: it takes its reputation update and late done votes, and
      // reads of its archive (appeals, audits) still go through access requests and grants.
      if (c?.status === 'dissolved' && !AFTER_DISSOLUTION.includes(env.kind)) return no('the case is dissolved');
      const rule = rules[env.kind];
      if (!rule) {
        state.lastSeen.set(authorDid(env.author), entry.at);
        return { ok: true };
      }
      const ctx: RuleContext<never> = {
        state,
        config: cfg,
        entry,
        header: parsed.data as never,
        author: authorDid(env.author),
        ref: { id: env.id, index: entry.index, at: entry.at },
        evidence,
        ...(c ? { case: c } : {}),
      };
      const verdict = rule(ctx);
      if (verdict.ok) state.lastSeen.set(ctx.author, entry.at);
      return verdict;
    },
  };
}
