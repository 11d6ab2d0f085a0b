import { ICD10 } from '../clinical/elements.js';
import { synthesizeEvidence } from '../clinical/evidence.js';
import type { AgentProfile } from '../runtime/agent.js';
import { isManualReview } from './policy-reasoner.js';
import { ROLES, outputsOf, section } from './sections.js';

/** Clinical evidence vendor: synthesizes the trials with a GRADE rating. */
export const clinEvidence: AgentProfile = {
  name: 'ClinEvidence',
  description: 'Synthesizes clinical trial evidence and rates its certainty with GRADE.',
  role: ROLES.evidence,
  skills: [
    {
      id: 'evidence-synthesis',
      name: 'Evidence synthesis',
      description: 'Finds and synthesizes the trials for a therapy and indication.',
      tags: ['evidence', 'grade'],
    },
  ],
  // Evidence exists for the therapies a coverage policy governs; none for a manual review.
  propose: (task) =>
    isManualReview(task)
      ? undefined
      : {
          domain: 'evidence-synthesis',
          subtasks: [
            {
              id: 'evidence-synthesis',
              title: 'Synthesize the evidence (GRADE)',
              skill: 'evidence-synthesis',
              deps: [],
              confidence: 0.9,
              domain: 'evidence-synthesis',
              outputs: outputsOf('evidence-synthesis'),
            },
          ],
        },
  work: {
    // Needs only the service (cleartext task) and the diagnosis code: nothing else of the patient.
    'evidence-synthesis': async ({ case: c, ref, data }) => {
      const [condition] = await data.fetch(ref, ['diagnosis']);
      const coding = (condition?.code as { coding?: { system?: string; code?: string }[] } | undefined)?.coding ?? [];
      const indication = coding.find((k) => k.system === ICD10)?.code;
      if (!indication) throw new Error('no SMA diagnosis code to synthesize evidence for');
      const summary = synthesizeEvidence({ drug: c.task.service.code, indication });
      return { sections: [section('evidence-synthesis', 'evidence', summary)] };
    },
  },
  bid: () => undefined,
};
