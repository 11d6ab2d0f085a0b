import type { Bundle, Claim } from '@medplum/fhirtypes';
import { MurmurError } from '../../core/common/errors.js';
import { syntheticRequest, type SyntheticRequestOptions } from './request.js';
import type { CaseFacts, CaseVariant } from './variants.js';

/** The related-claim relationship of a PAS Claim update to the Claim it replaces. */
const RELATED_CLAIM_RELATIONSHIP = 'http://terminology.hl7.org/CodeSystem/related-claim-relationship';

/**
 * A PAS Claim update for a synthetic case the payer pended: the provider's new Claim (its own
 * trace number, `related.claim` → the prior Claim, every supporting document including the
 * new one), the prior Claim as submitted, and the patient's record now holding `facts` (for
 * `missing-titer`, the anti-AAV9 titer the payer asked for).
 */
export function syntheticUpdate(variant: CaseVariant, facts: Partial<CaseFacts>, opts: SyntheticRequestOptions = {}): Bundle {
  const prior = syntheticRequest(variant, opts);
  const updated = syntheticRequest(variant, { ...opts, facts });
  const priorEntry = prior.entry![0]!;
  const priorClaim = priorEntry.resource as Claim;
  const [first, ...rest] = updated.entry!;
  const claim = first!.resource as Claim;
  if (claim.resourceType !== 'Claim' || priorClaim.resourceType !== 'Claim') throw new MurmurError('E_INTERNAL', 'synthetic bundles start with their Claim');
  const priorFullUrl = `${priorEntry.fullUrl!}-prior`;
  const update: Claim = {
    ...claim,
    id: `${claim.id!.slice(0, 30)}-update`,
    identifier: (claim.identifier ?? []).map((i) => ({ ...i, value: `${i.value}-UPDATE` })),
    related: [
      {
        claim: { reference: priorFullUrl },
        relationship: { coding: [{ system: RELATED_CLAIM_RELATIONSHIP, code: 'prior', display: 'Prior Claim' }] },
      },
    ],
  };
  return {
    ...updated,
    id: `${updated.id!.slice(0, 30)}-update`,
    entry: [
      { fullUrl: first!.fullUrl!, resource: update },
      ...rest,
      { fullUrl: priorFullUrl, resource: { ...priorClaim, id: `${priorClaim.id!.slice(0, 30)}-prior` } },
    ],
  };
}
