import { canonicalBytes } from '../common/canonical.js';
import { sha256Hex } from '../common/hash.js';
import type { PlannedSubtask } from './case-state.js';
import type { Proposal } from './messages.js';

export interface WeightedProposal {
  author: string;
  proposal: Proposal;
  /** The proposer's reputation, 0–100. */
  reputation: number;
}

/** How much a proposer's view counts outside its own domain. */
export const OUT_OF_DOMAIN_RELEVANCE = 0.3;
/** Subtasks whose fused confidence is below this are left out of the plan. */
export const INCLUSION_THRESHOLD = 0.5;

/**
 * Defences against belief injection: confidence is capped (nobody is certain), a subtask only
 * one member proposes must be within that member's competence (its card has the skill), and
 * confidences may fuse by a robust rule (weighted median) instead of the weighted mean.
 */
export interface MergeOptions {
  maxConfidence: number;
  rule: 'mean' | 'median';
  crossValidate: boolean;
  /**
   * Relevance by competence: a proposer's view counts fully only for subtasks whose skill its
   * card offers (cards bound to credentials, roles.ts), not in the domain it names itself — so
   * a well-reputed member cannot redefine another's subtask (its skill or disclosure policy).
   */
  competence?: boolean;
  /**
   * Deciding skills (roles.ts): a subtask some member proposes with one keeps that shape, so a
   * member cannot turn the determination into a task of its own skill (which carries no outcome).
   */
  decisionSkills?: readonly string[];
}

export const DEFAULT_MERGE: MergeOptions = { maxConfidence: 0.95, rule: 'mean', crossValidate: true };

/** A candidate subtask after the merge: its shape, its one-shot fused confidence, and who proposed it with what. */
export interface Candidate {
  subtask: PlannedSubtask;
  /** Capped confidence and weight (reputation × relevance) of each proposer. */
  votes: { c: number; w: number; author: string }[];
}

/**
 * First version of the consensual decomposition: each proposal weighs by reputation × domain
 * relevance (full in the proposer's own domain); a subtask's confidence is the weighted mean
 * of the confidences of those who proposed it; its shape (title, skill, deps) comes from the
 * proposal that weighs most for it. Deterministic: ties break on the author's DID.
 */
export function mergeProposals(
  proposals: readonly WeightedProposal[],
  options: Partial<MergeOptions> = {},
  skillsOf: (did: string) => readonly string[] = () => [],
): PlannedSubtask[] {
  return finalizePlan(mergeCandidates(proposals, options, skillsOf).map((c) => c.subtask));
}

/**
 * The merge before the inclusion threshold: every subtask that survives cross-validation, with
 * its one-shot fused confidence (the value a member that did not propose it starts from in the
 * belief rounds, consensus/rounds.ts). Sorted by id.
 */
export function mergeCandidates(
  proposals: readonly WeightedProposal[],
  options: Partial<MergeOptions> = {},
  skillsOf: (did: string) => readonly string[] = () => [],
): Candidate[] {
  const o = { ...DEFAULT_MERGE, ...options };
  const byId = new Map<
    string,
    {
      sum: number;
      weight: number;
      votes: { c: number; w: number; author: string }[];
      authors: string[];
      best?: { w: number; author: string; s: PlannedSubtask };
    }
  >();
  const sorted = [...proposals].sort((a, b) => (a.author < b.author ? -1 : a.author > b.author ? 1 : 0));
  for (const { author, proposal, reputation } of sorted) {
    for (const s of proposal.subtasks) {
      const inDomain = o.competence ? skillsOf(author).includes(s.skill) : s.domain === proposal.domain;
      const relevance = inDomain ? 1 : OUT_OF_DOMAIN_RELEVANCE;
      const w = (reputation / 100) * relevance;
      const confidence = Math.min(s.confidence, o.maxConfidence);
      const acc = byId.get(s.id) ?? { sum: 0, weight: 0, votes: [], authors: [] };
      acc.sum += w * confidence;
      acc.weight += w;
      acc.votes.push({ c: confidence, w, author });
      acc.authors.push(author);
      const wc = w * confidence;
      const decides = (skill: string) => o.decisionSkills?.includes(skill) ?? false;
      const rank = (x: { w: number; skill: string }) => [decides(x.skill) ? 1 : 0, x.w] as const;
      const [dr, wr] = rank({ w: wc, skill: s.skill });
      const [db, wb] = acc.best ? rank({ w: acc.best.w, skill: acc.best.s.skill }) : [-1, -1];
      if (!acc.best || dr > db || (dr === db && wr > wb)) {
        acc.best = {
          w: wc,
          author,
          s: {
            id: s.id,
            title: s.title,
            skill: s.skill,
            deps: [...s.deps].sort(),
            confidence: 0,
            outputs: s.outputs.map((o) => ({ section: o.section, readers: [...o.readers].sort() })),
          },
        };
      }
      byId.set(s.id, acc);
    }
  }
  return [...byId.entries()]
    .filter(([, acc]) => !o.crossValidate || acc.authors.length > 1 || skillsOf(acc.authors[0]!).includes(acc.best!.s.skill))
    .map(([, acc]) => ({
      subtask: { ...acc.best!.s, confidence: round(fused(o.crossValidate ? corroborated(acc.votes) : acc.votes, o.rule)) },
      votes: acc.votes,
    }))
    .sort((a, b) => (a.subtask.id < b.subtask.id ? -1 : 1));
}

/** The plan from candidates with their final confidences: those above the threshold, deps among them, no cycle. */
export function finalizePlan(candidates: readonly PlannedSubtask[]): PlannedSubtask[] {
  const included = candidates
    .filter((s) => s.confidence >= INCLUSION_THRESHOLD)
    .map((s) => ({ ...s, deps: [...s.deps], outputs: s.outputs.map((o) => ({ section: o.section, readers: [...o.readers] })) }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  const ids = new Set(included.map((s) => s.id));
  for (const s of included) s.deps = s.deps.filter((d) => ids.has(d) && d !== s.id);
  return breakCycles(included);
}

/** Drops the dependency edges that would close a cycle, in id order, so the plan is a DAG. */
function breakCycles(subtasks: PlannedSubtask[]): PlannedSubtask[] {
  const deps = new Map(subtasks.map((s) => [s.id, new Set<string>()]));
  const reaches = (from: string, to: string): boolean => {
    const stack = [from];
    const seen = new Set<string>();
    while (stack.length) {
      const n = stack.pop()!;
      if (n === to) return true;
      if (seen.has(n)) continue;
      seen.add(n);
      stack.push(...(deps.get(n) ?? []));
    }
    return false;
  };
  for (const s of subtasks) {
    s.deps = s.deps.filter((d) => {
      if (reaches(d, s.id)) return false;
      deps.get(s.id)!.add(d);
      return true;
    });
  }
  return subtasks;
}

export function planHash(subtasks: readonly PlannedSubtask[]): string {
  return sha256Hex(canonicalBytes(subtasks));
}

/** Topological order of a plan (dependencies first), ties by id. */
export function topologicalOrder(subtasks: readonly { id: string; deps: readonly string[] }[]): string[] {
  const remaining = new Map(subtasks.map((s) => [s.id, new Set(s.deps)]));
  const out: string[] = [];
  while (remaining.size) {
    const ready = [...remaining.entries()]
      .filter(([, d]) => [...d].every((x) => !remaining.has(x)))
      .map(([id]) => id)
      .sort();
    if (!ready.length) throw new Error('plan has a dependency cycle');
    for (const id of ready) {
      out.push(id);
      remaining.delete(id);
    }
  }
  return out;
}

/**
 * Cross-validation of dissent: a lone member cannot veto a subtask others support. While
 * fewer than two members put a subtask below the inclusion threshold and some member supports
 * it, the lone dissent is left out of the fusion (unconfirmed, like a lone bogus addition).
 */
function corroborated(votes: { c: number; w: number; author: string }[]): { c: number; w: number }[] {
  const dissent = votes.filter((v) => v.c < INCLUSION_THRESHOLD);
  const support = votes.filter((v) => v.c >= INCLUSION_THRESHOLD);
  return dissent.length === 1 && support.length > 0 ? support : votes;
}

function fused(votes: readonly { c: number; w: number }[], rule: MergeOptions['rule']): number {
  const weight = votes.reduce((s, v) => s + v.w, 0);
  if (weight === 0) return 0;
  return rule === 'median' ? weightedMedian(votes) : votes.reduce((s, v) => s + v.w * v.c, 0) / weight;
}

function weightedMedian(votes: readonly { c: number; w: number }[]): number {
  const sorted = [...votes].sort((a, b) => a.c - b.c);
  const half = sorted.reduce((s, v) => s + v.w, 0) / 2;
  let acc = 0;
  for (const v of sorted) {
    acc += v.w;
    if (acc >= half) return v.c;
  }
  return sorted.at(-1)?.c ?? 0;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
