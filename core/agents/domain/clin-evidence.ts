import { ICD10 } from '../clinical/elements.js';
import { findEvidence, synthesizeEvidence } from '../clinical/evidence.js';
import type { EvidenceNotFound, EvidenceSummary } from '../clinical/types.js';
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
      // No body for the pair is an answer the determination can use (it cites no trials);
      // thrown, it would only be retried and given up, holding the case to its inputs deadline.
      const query = { drug: c.task.service.code, indication };
      const found = findEvidence(query);
      const answer: EvidenceSummary | EvidenceNotFound = found ? synthesizeEvidence(query) : { found: false, ...query };
      return { sections: [section('evidence-synthesis', 'evidence', answer)] };
    },
  },
  bid: () => undefined,
};
