import { assessInteractions } from '../clinical/pgx.js';
import type { PgxFinding } from '../clinical/types.js';
import type { AgentProfile } from '../runtime/agent.js';
import { ROLES, section } from './sections.js';

/** Pharmacovigilance firm: drug interaction analysis from a phenotype and the medication plan. */
export const drugInteractionAgent: AgentProfile = {
  name: 'DrugInteractionAgent',
  description: 'Analyses drug interactions and pharmacogenomic risks of a medication plan.',
  role: ROLES.interactions,
  skills: [
    {
      id: 'drug-interaction-analysis',
      name: 'Drug interaction analysis',
      description: 'CPIC- and label-based interaction checks for a phenotype and a medication plan.',
      tags: ['pharmacovigilance', 'pgx', 'cpic'],
    },
  ],
  propose: () => undefined,
  bid: ({ skill }) => (skill === 'drug-interaction-analysis' ? { cost: 0.2, quality: 0.9, latency: 0.2, justification: 'cpic-label-guidance' } : undefined),
  work: {
    'drug-interaction-analysis': async ({ ref, data, read }) => {
      const phenotype = (await read('genomic-screening', 'pgx')) as PgxFinding | undefined;
      if (!phenotype) throw new Error('the phenotype is not readable');
      const plan = await data.fetch(ref, ['medication-plan']);
      const report = assessInteractions(phenotype, plan);
      return { sections: [section('drug-interaction', 'interactions', report)] };
    },
  },
};
