import { sha256Hex } from '../../common/hash.js';
import type { Decision } from '../clinical/types.js';
import type { AgentProfile } from '../runtime/agent.js';
import { noForms } from '../ports.js';
import { ROLES, outputsOf, section } from './sections.js';

/** The payer's authorization (or tracking) number for a case: stable, and carrying no PHI. */
export function authorizationNumber(caseId: string): string {
  return `NW-${sha256Hex(caseId).slice(0, 10).toUpperCase()}`;
}

/** Payer: compiles the PAS ClaimResponse from the determination. */
export const formBuilder: AgentProfile = {
  name: 'FormBuilder',
  description: 'Compiles the Da Vinci PAS ClaimResponse and forms from a determination.',
  role: ROLES.form,
  skills: [{ id: 'pas-form', name: 'PAS ClaimResponse', description: 'Builds the PAS ClaimResponse for a decision.', tags: ['payer', 'pas', 'fhir'] }],
  propose: () => ({
    domain: 'pas-form',
    subtasks: [
      {
        id: 'pas-response',
        title: 'Compile the PAS ClaimResponse',
        skill: 'pas-form',
        deps: ['coverage-determination'],
        confidence: 0.9,
        domain: 'pas-form',
        outputs: outputsOf('pas-response'),
      },
    ],
  }),
  work: {
    'pas-form': async ({ case: c, ref, read, forms, boardTime }) => {
      // Fail before reading: a read under privacy posts an access request for nothing.
      if (forms === noForms) throw new Error('FormBuilder needs the PAS form port');
      const decision = (await read('coverage-determination', 'decision')) as Decision | undefined;
      if (!decision) throw new Error('the determination is not readable');
      const claimResponse = await forms.claimResponse({ ref, decision, authorizationNumber: authorizationNumber(c.id), decidedAt: boardTime });
      return { sections: [section('pas-response', 'claim-response', claimResponse)] };
    },
  },
};
