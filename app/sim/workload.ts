import { sha256 } from '../../core/common/hash.js';

/**
 * The simulated prior-authorization workload: the same skills and subtask graph as the
 * reference workflow, with a hidden ground truth per case that decides the outcome. Whatever
 * agent does a subtask, its content is a function of the case and its inputs only, so any run
 * that ends reaches the decision of the fault-free run.
 */
export const NEEDS = ['coverage-policy', 'evidence-synthesis', 'variant-annotation', 'pa-determination', 'pas-form'] as const;
export const GAP_SKILL = 'drug-interaction-analysis';
export const SKILLS = [...NEEDS, GAP_SKILL] as const;

export interface SubtaskTemplate {
  id: string;
  title: string;
  skill: string;
  deps: string[];
}

export const TEMPLATE: readonly SubtaskTemplate[] = [
  { id: 'policy-lookup', title: 'Pin the coverage policy', skill: 'coverage-policy', deps: [] },
  { id: 'evidence-synthesis', title: 'Synthesize the evidence', skill: 'evidence-synthesis', deps: ['policy-lookup'] },
  { id: 'genomic-screening', title: 'Genomic and PGx screen', skill: 'variant-annotation', deps: [] },
  { id: 'coverage-determination', title: 'Determine coverage', skill: 'pa-determination', deps: ['policy-lookup', 'evidence-synthesis', 'genomic-screening'] },
  { id: 'pas-response', title: 'Compile the PAS response', skill: 'pas-form', deps: ['coverage-determination'] },
];
export const GAP_SUBTASK: SubtaskTemplate = { id: 'drug-interaction', title: 'Drug interaction analysis', skill: GAP_SKILL, deps: ['genomic-screening'] };

export interface CaseTruth {
  id: string;
  eligible: boolean;
  evidenceOk: boolean;
  /** An actionable pharmacogenomic finding: a real capability gap. */
  pgx: boolean;
  /** Missing documentation: the case pends. */
  missing: boolean;
}

export interface Decision {
  outcome: 'approved' | 'denied' | 'pended';
  caveat: boolean;
  digest: string;
}

/** A uniform number in [0, 1) from the hash of its parts: randomness that no schedule can shift. */
export function hashUnit(...parts: (string | number)[]): number {
  const h = sha256(parts.join('\u0000'));
  const n = ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
  return n / 2 ** 32;
}

export function caseTruth(seed: string | number, i: number): CaseTruth {
  const u = (k: string): number => hashUnit(seed, 'case', i, k);
  return {
    id: `case-${String(i).padStart(4, '0')}`,
    eligible: u('eligible') < 0.75,
    evidenceOk: u('evidence') < 0.85,
    pgx: u('pgx') < 0.3,
    missing: u('missing') < 0.1,
  };
}

/** How long a piece of work takes and whether it succeeds, for this agent and attempt. */
export function workDraw(
  seed: string | number,
  caseId: string,
  subtask: string,
  did: string,
  attempt: number,
  quality: number,
): { durationMs: number; success: boolean } {
  const durationMs = Math.round(2_000 + 6_000 * hashUnit(seed, 'dur', caseId, subtask, did, attempt));
  return { durationMs, success: hashUnit(seed, 'ok', caseId, subtask, did, attempt) < quality };
}

/** The content of a subtask's result: a digest of the case, the subtask and its inputs. */
export function resultDigest(truth: CaseTruth, subtask: string, inputs: readonly string[]): string {
  const h = sha256([truth.id, subtask, truth.eligible, truth.evidenceOk, truth.pgx, truth.missing, ...[...inputs].sort()].join('|'));
  return Buffer.from(h).toString('hex');
}

export function outcomeOf(truth: CaseTruth): Decision['outcome'] {
  if (truth.missing) return 'pended';
  return truth.eligible && truth.evidenceOk ? 'approved' : 'denied';
}
