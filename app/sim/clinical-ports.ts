import { selectElements } from '../../core/agents/clinical/elements.js';
import type { FhirResource } from '../../core/agents/clinical/types.js';
import type { CaseDataRef, ClinicalDataPort, PasFormPort } from '../../core/agents/ports.js';
import { bundleResources, syntheticRequest, type CaseVariant } from '../../fhir/synthetic/index.js';

/** Where the simulated case's record lives: no server, the synthetic request in memory. */
export const SIM_REF: CaseDataRef = { fhirBase: 'memory:', patient: 'Patient/p', claim: 'Claim/c' };

const records = new Map<CaseVariant, FhirResource[]>();

/**
 * The FHIR adapter's data port without a FHIR server: the synthetic request's resources,
 * narrowed to the data elements asked for by the same selection the real adapter applies, so
 * each organization still receives only what its work needs.
 */
export function memoryClinicalData(variant: CaseVariant): ClinicalDataPort {
  let resources = records.get(variant);
  if (!resources) records.set(variant, (resources = bundleResources(syntheticRequest(variant)) as FhirResource[]));
  const held = resources;
  return { fetch: async (_ref, elements) => selectElements(held, elements) };
}

/**
 * The payer's form builder without a FHIR server: a ClaimResponse carrying the decision's
 * outcome and the authorization number (the PAS mapping itself is tested in fhir/).
 */
export const memoryForms: PasFormPort = {
  async claimResponse({ decision, authorizationNumber }) {
    return {
      resourceType: 'ClaimResponse',
      outcome: decision.outcome === 'pended' ? 'queued' : 'complete',
      preAuthRef: authorizationNumber,
      disposition: decision.outcome,
    };
  },
};
