import type { Section } from '../../board/envelope.js';

/**
 * Roles, and who may read each artifact section: the disclosure policy of the reference
 * workflow (minimum necessary). The author can always read its own sections.
 */
export const ROLES = {
  policy: 'policy-reasoner',
  form: 'form-builder',
  evidence: 'evidence-synthesizer',
  genomics: 'genomics',
  interactions: 'drug-interaction',
} as const;

export function section(name: string, readers: readonly string[], content: unknown): Section {
  return { name, readers: [...readers], plaintext: content };
}

/** Case request (where the FHIR data is): every role of the coalition. */
export const REQUEST_READERS = Object.values(ROLES);
