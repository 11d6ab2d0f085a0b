import type { Section } from '../../board/envelope.js';
import type { Output } from '../../coordination/messages.js';

/** The roles of the reference workflow. */
export const ROLES = {
  policy: 'policy-reasoner',
  form: 'form-builder',
  evidence: 'evidence-synthesizer',
  genomics: 'genomics',
  interactions: 'drug-interaction',
} as const;

const ALL_ROLES = Object.values(ROLES);

/**
 * The disclosure policy of the reference workflow (HIPAA minimum necessary): for each
 * subtask, the sections its artifact carries and the roles that may read each. Proposals
 * put it into the plan, the fold holds every artifact to it, and key grants follow it. The
 * author can always read its own sections; raw genomic results (`detail`) stay with the lab.
 */
export const OUTPUTS: Readonly<Record<string, Output[]>> = {
  'policy-lookup': [{ section: 'policy', readers: ALL_ROLES }],
  'evidence-synthesis': [{ section: 'evidence', readers: [ROLES.policy] }],
  'genomic-screening': [
    { section: 'detail', readers: [] },
    { section: 'summary', readers: [ROLES.policy] },
    { section: 'pgx', readers: [ROLES.interactions] },
  ],
  'drug-interaction': [{ section: 'interactions', readers: [ROLES.policy] }],
  'coverage-determination': [{ section: 'decision', readers: [ROLES.form] }],
  'pas-response': [{ section: 'claim-response', readers: [ROLES.policy] }],
};

/** What each element of the reference workflow holds, for the disclosure matrix. */
export const ELEMENT_LABELS: Readonly<Record<string, string>> = {
  'case/request': 'case reference (where the record lives)',
  'policy-lookup/policy': 'coverage policy (public criteria)',
  'evidence-synthesis/evidence': 'evidence synthesis (GRADE)',
  'genomic-screening/detail': 'raw genomic results (SMN1/SMN2 copies, titer, CYP2D6 genotype)',
  'genomic-screening/summary': 'genetic criteria results',
  'genomic-screening/pgx': 'CYP2D6 phenotype',
  'drug-interaction/interactions': 'drug interaction report',
  'coverage-determination/decision': 'PA determination',
  'pas-response/claim-response': 'PAS ClaimResponse',
};

/** Who may read the case request (where the case's data lives): every role of the workflow. */
export const REQUEST_READERS: readonly string[] = ALL_ROLES;

export function outputsOf(subtask: string): Output[] {
  return (OUTPUTS[subtask] ?? []).map((o) => ({ section: o.section, readers: [...o.readers].sort() }));
}

/** A section of a subtask's artifact, addressed to the readers the policy names. */
export function section(subtask: string, name: string, content: unknown): Section {
  const out = OUTPUTS[subtask]?.find((o) => o.section === name);
  if (!out) throw new Error(`the disclosure policy has no section ${name} for ${subtask}`);
  return { name, readers: [...out.readers].sort(), plaintext: content };
}
