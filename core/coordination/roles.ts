import { sha256Hex } from '../common/hash.js';
import type { CaseState, CoalitionState } from './case-state.js';

/**
 * Role rotation. The convener of a case is not fixed: agents whose cards offer a skill the case
 * needs are ranked by H(case id ‖ DID), a lottery no one controls; the first may convene at
 * once, and each `timeoutMs` of board time without an invitation lets the next one in (so a
 * crashed convener does not stall the case).
 */
export function convenerRanking(state: CoalitionState, c: Pick<CaseState, 'id' | 'task'>): string[] {
  const needs = new Set(c.task.needs);
  return [...state.cards.values()]
    .filter((r) => r.card.skills.some((s) => needs.has(s.id)))
    .map((r) => ({ did: r.card.did, h: sha256Hex(`${c.id}\u0000${r.card.did}`) }))
    .sort((a, b) => (a.h < b.h ? -1 : a.h > b.h ? 1 : 0))
    .map((x) => x.did);
}

/** Whether `did` may convene case `c` at board time `at`. */
export function mayConvene(state: CoalitionState, c: CaseState, did: string, at: number, timeoutMs: number): boolean {
  const turn = Math.floor(Math.max(0, at - c.opened.at) / timeoutMs);
  return convenerRanking(state, c)
    .slice(0, turn + 1)
    .includes(did);
}

/**
 * What an accredited role may do in a coalition. A card's skills are the agent's own words, so
 * the fold binds them to the role its organization's credential attests: a role lists, claims
 * and delivers only the skills its row names, and only artifacts of a deciding skill carry the
 * case's outcome. Part of the coalition's rules: every replica folds with the same table.
 */
export interface Capabilities {
  roleSkills: Readonly<Record<string, readonly string[]>>;
  /** Skills whose artifact is the determination (the only one carrying an outcome). */
  decisionSkills: readonly string[];
}

/** The reference PA coalition's table (roles as in core/agents/domain/sections.ts). */
export const REFERENCE_CAPABILITIES: Capabilities = {
  roleSkills: {
    'policy-reasoner': ['coverage-policy', 'pa-determination'],
    'form-builder': ['pas-form'],
    'evidence-synthesizer': ['evidence-synthesis'],
    genomics: ['variant-annotation', 'pgx-screening'],
    'drug-interaction': ['drug-interaction-analysis'],
  },
  decisionSkills: ['pa-determination'],
};

/** Whether `role` may exercise `skill` (always, when the coalition binds no table). */
export function roleMay(cap: Capabilities | undefined, role: string, skill: string): boolean {
  return cap === undefined || (cap.roleSkills[role]?.includes(skill) ?? false);
}
