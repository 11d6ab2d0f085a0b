import { synthesizeEvidence } from '../clinical/evidence.js';
import type { AgentProfile } from '../runtime/agent.js';
import { ROLES, section } from './sections.js';

/** Clinical evidence vendor: synthesizes the trials with a GRADE rating. */
export const clinEvidence: AgentProfile = {
  name: 'ClinEvidence',
  description: 'Synthesizes clinical trial evidence and rates its certainty with GRADE.',
  role: ROLES.evidence,
  skills: [
    { id: 'evidence-synthesis', name: 'Evidence synthesis', description: 'Finds and synthesizes the trials for a therapy and indication.', tags: ['evidence', 'grade'] },
  ],
  propose: () => ({
    domain: 'evidence-synthesis',
    subtasks: [
      { id: 'evidence-synthesis', title: 'Synthesize the evidence (GRADE)', skill: 'evidence-synthesis', deps: [], confidence: 0.9, domain: 'evidence-synthesis' },
    ],
  }),
  work: {
    // The service and indication come from the case's cleartext task: no patient data needed.
    'evidence-synthesis': async ({ case: c }) => {
      const summary = synthesizeEvidence({
        drug: { code: c.task.service.code, display: 'onasemnogene abeparvovec-xioi' },
        indication: { code: 'G12.0', display: 'Spinal muscular atrophy type 1' },
      });
      return { sections: [section('evidence', [ROLES.policy], summary)] };
    },
  },
  bid: () => undefined,
};
