import type { OrgSpec } from './identity.js';
import { DOMAIN_AGENTS } from '../../core/agents/domain/workflow.js';

/** The reference scenario's four organizations (fictional) and their agents. */
export const REFERENCE_ORGS: readonly OrgSpec[] = [
  { id: 'northwind', name: 'Northwind Health Plan', kind: 'payer', agents: [DOMAIN_AGENTS.PolicyReasoner!, DOMAIN_AGENTS.FormBuilder!] },
  { id: 'evidentia', name: 'Evidentia', kind: 'cds-vendor', agents: [DOMAIN_AGENTS.ClinEvidence!] },
  { id: 'helix', name: 'Helix Genomics', kind: 'clia-laboratory', agents: [DOMAIN_AGENTS.GenomicsAgent!] },
  { id: 'vigilant', name: 'Vigilant PV', kind: 'pharmacovigilance', agents: [DOMAIN_AGENTS.DrugInteractionAgent!] },
];

/** Starting reputations (0–100) of the coalition's charter, by agent name. */
export const STARTING_REPUTATION: Readonly<Record<string, number>> = {
  ClinEvidence: 95,
  GenomicsAgent: 74,
  DrugInteractionAgent: 68,
  PolicyReasoner: 91,
  FormBuilder: 84,
};
