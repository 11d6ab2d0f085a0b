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
      const conditions = await data.fetch(ref, ['diagnosis']);
      const indications = conditions.flatMap((x) =>
        ((x.code as { coding?: { system?: string; code?: string }[] } | undefined)?.coding ?? [])
          .filter((k) => k.system === ICD10 && k.code)
          .map((k) => k.code!),
      );
      // No body for any of the claim's diagnoses (or no ICD-10 diagnosis) is an answer the
      // determination can use (it cites no trials); thrown, it would only be retried and given
      // up, holding the case to its inputs deadline.
      const drug = c.task.service.code;
      const indication = indications.find((i) => findEvidence({ drug, indication: i }));
      const answer: EvidenceSummary | EvidenceNotFound = indication
        ? synthesizeEvidence({ drug, indication })
        : { found: false, drug, indication: indications[0] ?? 'none coded in ICD-10-CM' };
      return { sections: [section('evidence-synthesis', 'evidence', answer)] };
    },
  },
  bid: () => undefined,
};
