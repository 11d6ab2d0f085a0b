import type { Bundle, Claim, Identifier, Resource } from '@medplum/fhirtypes';
import { MurmurError } from '../../core/common/errors.js';
import { checkJsonLimits } from './limits.js';
import { parsePasRequest, type PasRequest } from './request.js';

/** A `$submit` body, checked: a new request, or an update of a prior one (PAS Claim update). */
export interface PasSubmission extends PasRequest {
  /** The Claim's identifiers as `system|value` (its trace numbers). */
  identifiers: string[];
  /** For an update: the prior Claim's identifiers (from `Claim.related.claim`). */
  prior?: string[];
}

const key = (i: Identifier): string => `${i.system ?? ''}|${i.value ?? ''}`;

function bad(message: string, path: string): MurmurError {
  return new MurmurError('E_INPUT', message, { path });
}

/**
 * Checks a PAS `$submit` Bundle: everything `parsePasRequest` checks, plus the PAS rules the
 * payer relies on to track the request: the Claim carries an identifier (its trace number,
 * which `$inquire` and updates refer to), and an update names its prior Claim by identifier,
 * directly or through the prior version included in the Bundle.
 */
export function parsePasSubmission(input: unknown): PasSubmission {
  const request = parsePasRequest(input);
  uniqueSequences(request.claim);
  const identifiers = identifiersOf(request.claim, 'Claim.identifier');
  const related = (request.claim.related ?? []).filter((r) => r.claim);
  if (related.length === 0) return { ...request, identifiers };
  const prior = related.flatMap((r, i) => {
    const path = `Claim.related[${i}].claim`;
    if (r.claim!.identifier) return [key(r.claim!.identifier)];
    const target = findEntry(request.bundle, r.claim!.reference ?? '');
    if (!target || target.resourceType !== 'Claim') throw bad(`${path} must name the prior Claim by identifier or by a Claim entry of the Bundle.`, path);
    return identifiersOf(target as Claim, `${path} → Claim.identifier`);
  });
  return { ...request, identifiers, prior };
}

/** The identifiers a `$inquire` Bundle asks about: those of its preauthorization Claim. */
export function parsePasInquiry(input: unknown): { identifiers: string[]; bundle: Bundle; claim: Claim } {
  checkJsonLimits(input);
  const bundle = input as Bundle | undefined;
  if (!bundle || typeof bundle !== 'object' || bundle.resourceType !== 'Bundle') throw bad('The inquiry must be a FHIR Bundle.', 'Bundle.resourceType');
  if (!Array.isArray(bundle.entry) || bundle.entry.length === 0)
    throw bad('The inquiry Bundle has no entries; it must carry the inquiry Claim.', 'Bundle.entry');
  const claim = (bundle.entry ?? []).map((e) => e.resource).find((r): r is Claim => r?.resourceType === 'Claim');
  if (!claim) throw bad('The inquiry Bundle has no Claim naming the request to look up.', 'Bundle.entry');
  if (claim.use !== 'preauthorization') throw bad('The inquiry Claim must have use = preauthorization.', 'Claim.use');
  return { identifiers: identifiersOf(claim, 'Claim.identifier'), bundle, claim };
}

/** Items, supportingInfo, careTeam and diagnosis are referred to by sequence: each must be unique in its list. */
function uniqueSequences(claim: Claim): void {
  const lists = { item: claim.item, supportingInfo: claim.supportingInfo, careTeam: claim.careTeam, diagnosis: claim.diagnosis } as const;
  for (const [name, list] of Object.entries(lists)) {
    const seen = new Set<number>();
    (list ?? []).forEach((x: { sequence: number }, i: number) => {
      if (seen.has(x.sequence))
        throw bad(`Claim.${name}[${i}].sequence repeats ${x.sequence}; each ${name} sequence must be unique.`, `Claim.${name}[${i}].sequence`);
      seen.add(x.sequence);
    });
  }
}

function identifiersOf(claim: Claim, path: string): string[] {
  const ids = (claim.identifier ?? []).filter((i) => typeof i.value === 'string' && i.value.trim() !== '');
  if (ids.length === 0) throw bad(`${path} is missing; PAS requires the request's trace number there.`, path);
  return ids.map(key);
}

function findEntry(bundle: Bundle, ref: string): Resource | undefined {
  return (bundle.entry ?? []).find((e) => e.fullUrl === ref || (e.resource?.id !== undefined && `${e.resource.resourceType}/${e.resource.id}` === ref))
    ?.resource;
}
