import { pgxActionable, screenGenomics } from '../clinical/genomics.js';
import { clinicalAttributes, predicateThresholds, provableBy } from './clinical-proof.js';
import { isManualReview, policyFor } from './policy-reasoner.js';
import { elementsFor } from '../clinical/policy.js';
import type { AgentProfile } from '../runtime/agent.js';
import { ROLES, outputsOf, section } from './sections.js';

/** Genomics lab: variant annotation and pharmacogenomic screening on the lab's own view. */
export const genomicsAgent: AgentProfile = {
  name: 'GenomicsAgent',
  description: 'Annotates variants (SMN1/SMN2) and screens pharmacogenes (CYP2D6) for a case.',
  role: ROLES.genomics,
  skills: [
    { id: 'variant-annotation', name: 'Variant annotation', description: 'SMN1/SMN2 copy number and variant interpretation.', tags: ['genomics', 'clia'] },
    { id: 'pgx-screening', name: 'Pharmacogenomic screening', description: 'Metabolizer phenotypes of pharmacogenes.', tags: ['genomics', 'pgx'] },
  ],
  // Genetic confirmation belongs to a policy's criteria; a manual review has none.
  propose: (task) =>
    isManualReview(task)
      ? undefined
      : {
          domain: 'genomics',
          subtasks: [
            {
              id: 'genomic-screening',
              title: 'SMN1/SMN2 confirmation, titer and PGx screen',
              skill: 'variant-annotation',
              deps: [],
              confidence: 0.9,
              domain: 'genomics',
              outputs: outputsOf('genomic-screening'),
            },
          ],
        },
  work: {
    'variant-annotation': async ({ case: c, ref, data, proofs, boardTime }) => {
      const policy = policyFor(c.task.policy.id, c.task.policy.hash);
      // A policy whose criteria the circuit does not prove gets the lab's signed statement.
      const prove = proofs.kind === 'zk' && provableBy(policy) ? proofs : undefined;
      const resources = await data.fetch(ref, [
        ...new Set([...elementsFor(policy, 'lab'), 'cyp2d6-phenotype', ...(prove ? (['demographics'] as const) : [])] as const),
      ]);
      const screen = screenGenomics(resources, policy);
      // With proofs on, the lab commits to the values and proves they meet the policy's
      // thresholds, so the payer can decide without a key to them.
      const attributes = prove ? clinicalAttributes(screen, resources, boardTime) : undefined;
      const attestation =
        prove && attributes ? await prove.attest(c.id, attributes, predicateThresholds(policy, attributes.smn1Copies === 0 ? 0 : 1)) : undefined;
      const sections = [
        // Raw results stay with the lab; others get the criteria results or the phenotype only.
        section('genomic-screening', 'detail', screen.detail),
        section('genomic-screening', 'summary', { ...screen.summary, ...(attestation ? { attestation } : {}) }),
        ...(screen.pgx ? [section('genomic-screening', 'pgx', screen.pgx)] : []),
      ];
      const gaps = pgxActionable(screen.pgx)
        ? [
            {
              skill: 'drug-interaction-analysis',
              reasonCode: 'pgx-finding',
              subtask: {
                id: 'drug-interaction',
                title: 'Drug interaction analysis (pharmacogenomic)',
                deps: ['genomic-screening'],
                blocks: ['coverage-determination'],
                outputs: outputsOf('drug-interaction'),
              },
            },
          ]
        : [];
      return { sections, gaps };
    },
  },
};
