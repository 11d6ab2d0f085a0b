import type { CaseState, CoalitionState, GapState } from '../../coordination/case-state.js';

/**
 * Why a gap may be raised in the PA workflow: each reason code names the one skill it calls
 * for and the section the finder's work must have posted as its evidence. A gap is a claim
 * that the plan lacks something, so members hold it to what they can see without reading
 * anyone's sealed content.
 */
export const GAP_REASONS: Readonly<Record<string, { skill: string; evidence: { subtask: string; section: string } }>> = {
  'pgx-finding': { skill: 'drug-interaction-analysis', evidence: { subtask: 'genomic-screening', section: 'pgx' } },
};

/** The section names an entry of the board carries (cleartext: names, not content). */
export type SectionNames = (entryId: string) => readonly string[] | undefined;

/**
 * A member's judgement of a gap against the task's requirements: endorse a gap the workflow
 * allows, backed by the finder's own posted work; reject one no reason supports, that no card
 * in the directory could fill, that the plan already covers, or whose evidence is missing;
 * wait (undefined) while the finder's work is not yet on the board.
 */
export function judgeWorkflowGap(state: CoalitionState, c: CaseState, g: GapState, sections: SectionNames): 'endorse' | 'reject' | undefined {
  const reason = GAP_REASONS[g.reasonCode];
  if (!reason || reason.skill !== g.skill) return 'reject';
  if ([...c.subtasks.values()].some((s) => s.skill === g.skill)) return 'reject';
  if (![...state.cards.values()].some((r) => r.card.did !== g.author && r.card.skills.some((k) => k.id === g.skill))) return 'reject';
  if (!g.subtask.deps.includes(reason.evidence.subtask)) return 'reject';
  const source = c.subtasks.get(reason.evidence.subtask);
  if (!source) return 'reject';
  if (!source.artifact) return source.claimant === g.author ? undefined : 'reject';
  if (source.artifact.author !== g.author) return 'reject';
  return sections(source.artifact.id)?.includes(reason.evidence.section) ? 'endorse' : 'reject';
}
