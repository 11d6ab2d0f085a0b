import type { CaseState } from '../case-state.js';
import { ArtifactSchema, CheckpointSchema, ClaimSchema, GapRefSchema, GapSchema, HeartbeatSchema, ReleaseSchema } from '../messages.js';
import { artifact, checkpoint, claim, gap, gapEndorse, gapReject, heartbeat, release } from '../rules/execution.js';
import { defineKind } from './define.js';

/** A subtask runs downstream when it came from a gap or waits on another subtask's output. */
function downstream(c: CaseState | undefined, subtask: string | undefined): boolean {
  const s = subtask ? c?.subtasks.get(subtask) : undefined;
  return !!s && (s.origin !== 'plan' || s.deps.length > 0);
}

/** T2: self-assignment. A member claims by skill; a non-member only takes over an orphaned subtask. */
export const ClaimKind = defineKind({
  kind: 'Claim',
  header: ClaimSchema,
  mayPost: 'agent',
  rule: claim,
  trace: {
    phase: 'T2',
    text: (_h, v) => {
      const s = v.case?.subtasks.get(v.record.subtask ?? '');
      return `claims ${v.record.subtask}${s && s.deps.length ? ` (waits on ${s.deps.join(', ')})` : ''}`;
    },
  },
});

export const ReleaseKind = defineKind({ kind: 'Release', header: ReleaseSchema, mayPost: 'claimant', rule: release });
export const HeartbeatKind = defineKind({ kind: 'Heartbeat', header: HeartbeatSchema, mayPost: 'claimant', rule: heartbeat });
export const CheckpointKind = defineKind({ kind: 'Checkpoint', header: CheckpointSchema, mayPost: 'claimant', rule: checkpoint });

/** T3/T5: the claimant's work, bound to its sections by digest. */
export const ArtifactKind = defineKind({
  kind: 'Artifact',
  header: ArtifactSchema,
  mayPost: 'claimant',
  rule: artifact,
  trace: {
    phase: (c, subtask) => (downstream(c, subtask) ? 'T5' : 'T3'),
    // The outcome itself is sealed: the trace, read from cleartext, shows only the closure.
    text: (h, v) => `posts ${v.record.subtask}${h.closure ? `: the determination (${h.closure === 'final' ? 'decided' : 'pended'})` : ''}`,
  },
});

/** T3: a member names a capability the plan lacks; other members endorse or reject it. */
export const GapKind = defineKind({
  kind: 'Gap',
  header: GapSchema,
  mayPost: 'member',
  rule: gap,
  trace: { phase: 'T3', text: (h, v) => `capability gap "${h.skill}" (${h.reasonCode}), suggests ${h.suggested ? v.name(h.suggested) : 'nobody'}` },
});

export const GapEndorseKind = defineKind({ kind: 'GapEndorse', header: GapRefSchema, mayPost: 'member', rule: gapEndorse });
export const GapRejectKind = defineKind({ kind: 'GapReject', header: GapRefSchema, mayPost: 'member', rule: gapReject });
