import type { AgentProfile } from '../runtime/agent.js';
import { clinEvidence } from './clin-evidence.js';
import { drugInteractionAgent } from './drug-interaction-agent.js';
import { formBuilder } from './form-builder.js';
import { genomicsAgent } from './genomics-agent.js';
import { policyReasoner } from './policy-reasoner.js';

/**
 * Skills a gene-therapy PA case needs from the start; the convener invites for these.
 * Drug interaction analysis is not among them: it joins only if a finding calls for it.
 */
export const PA_WORKFLOW_NEEDS = ['coverage-policy', 'pa-determination', 'pas-form', 'evidence-synthesis', 'variant-annotation'] as const;

/** A service without a policy needs only the payer: pin the manual review, pend, answer. */
export const MANUAL_REVIEW_NEEDS = ['coverage-policy', 'pa-determination', 'pas-form'] as const;

/** The skills a case under `policy` convenes for. */
export function workflowNeeds(policy: { manualReview?: boolean }): readonly string[] {
  return policy.manualReview ? MANUAL_REVIEW_NEEDS : PA_WORKFLOW_NEEDS;
}

export const DOMAIN_AGENTS: Readonly<Record<string, AgentProfile>> = {
  PolicyReasoner: policyReasoner,
  FormBuilder: formBuilder,
  ClinEvidence: clinEvidence,
  GenomicsAgent: genomicsAgent,
  DrugInteractionAgent: drugInteractionAgent,
};
