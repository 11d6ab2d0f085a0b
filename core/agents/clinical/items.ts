import type { CoveragePolicy } from './policy.js';
import type { Decision, FhirResource, ItemDecision, Outcome } from './types.js';
import { HCPCS } from './elements.js';

/**
 * Which policy governs a request, and the answer per Claim item. The policy comes from the
 * items' `productOrService` codes (HCPCS J3399 → the onasemnogene policy); an item no policy of
 * this payer covers is pended for manual review with a reason that says so. Each submitted
 * item gets exactly one answer, and no answer names an item that was not submitted.
 */

interface Coding {
  system?: string;
  code?: string;
  display?: string;
}
interface ClaimItem {
  sequence?: number;
  productOrService?: { coding?: Coding[]; text?: string };
}

/**
 * Code systems that name the same code set: the HCPCS URL is written with http and https in
 * the wild (the PAS IG's own examples use http), and the HL7 OID for HCPCS is used too.
 */
const SAME_SYSTEM: readonly (readonly string[])[] = [
  // HCPCS, its OID, and CPT (HCPCS Level I): EHRs file HCPCS codes under either.
  [
    HCPCS,
    'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets',
    'urn:oid:2.16.840.1.113883.6.285',
    'http://www.ama-assn.org/go/cpt',
    'urn:oid:2.16.840.1.113883.6.12',
  ],
  ['http://www.nlm.nih.gov/research/umls/rxnorm', 'urn:oid:2.16.840.1.113883.6.88'],
  ['http://hl7.org/fhir/sid/ndc', 'urn:oid:2.16.840.1.113883.6.69'],
];

function sameSystem(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const norm = (s: string) => s.replace(/\/+$/, '');
  if (norm(a) === norm(b)) return true;
  return SAME_SYSTEM.some((group) => group.map(norm).includes(norm(a)) && group.map(norm).includes(norm(b)));
}

export function itemsOf(claim: FhirResource | undefined): ClaimItem[] {
  return (claim?.item as ClaimItem[] | undefined) ?? [];
}

/** Whether the policy governs the item: one of the item's codings is the policy's service, in any code system the policy lists. */
export function coversItem(policy: CoveragePolicy, item: ClaimItem): boolean {
  if (!policy.service || policy.manualReview) return false;
  const codes = [policy.service, ...(policy.alsoCoded ?? [])];
  return (item.productOrService?.coding ?? []).some((c) => codes.some((s) => c.code === s.code && sameSystem(c.system, s.system)));
}

/**
 * The policy for a request: the first of `policies` that covers one of its items, else the
 * manual-review policy (the last resort, which must be among them).
 */
export function policyForClaim(claim: FhirResource, policies: readonly CoveragePolicy[]): CoveragePolicy {
  const items = itemsOf(claim);
  const covering = policies.find((p) => items.some((i) => coversItem(p, i)));
  if (covering) return covering;
  const manual = policies.find((p) => p.manualReview);
  if (!manual) throw new Error('no manual-review policy to answer a service without a policy');
  return manual;
}

/** The service a request is filed under on the board (cleartext header: a code, never PHI). */
export function serviceOf(claim: FhirResource, policy: CoveragePolicy): { system: string; code: string } {
  if (policy.service) return { system: policy.service.system, code: policy.service.code };
  const coding = itemsOf(claim)
    .flatMap((i) => i.productOrService?.coding ?? [])
    .find((c) => c.code && c.system && /^https?:|^urn:/.test(c.system) && c.code.length <= 20);
  return coding ? { system: coding.system!, code: coding.code! } : { system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'unknown' };
}

const PROCESS_PRIORITY = 'http://terminology.hl7.org/CodeSystem/processpriority';
const LEVEL_OF_SERVICE = 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-levelOfServiceType';

/**
 * The review clock a request asks for (a code for the board's cleartext header): expedited when
 * the Claim's `priority` is processpriority `stat`, or its PAS level of service (X12 1338) is
 * urgent (`U`) or emergency (`03`); standard otherwise (`normal`, `deferred`, absent).
 */
export function priorityOf(claim: FhirResource): 'standard' | 'expedited' {
  const c = claim as { priority?: { coding?: Coding[] }; extension?: { url?: string; valueCodeableConcept?: { coding?: Coding[] } }[] };
  if (c.priority?.coding?.some((x) => x.system === PROCESS_PRIORITY && x.code === 'stat')) return 'expedited';
  const level = c.extension?.find((e) => e.url === LEVEL_OF_SERVICE)?.valueCodeableConcept?.coding ?? [];
  return level.some((x) => x.code === 'U' || x.code === '03') ? 'expedited' : 'standard';
}

function label(item: ClaimItem): string {
  const c = item.productOrService?.coding?.find((x) => x.code);
  if (!c) return 'the requested service';
  const system = c.system === 'http://www.ama-assn.org/go/cpt' ? 'CPT' : c.system && sameSystem(c.system, HCPCS) ? 'HCPCS' : 'code';
  return `${system} ${c.code}`;
}

export function noPolicyReason(policy: CoveragePolicy, item: ClaimItem): string {
  return `No coverage policy at ${policy.payer} for ${label(item)}: pended for manual review`;
}

/**
 * The decision with one answer per submitted item: an item the policy governs carries the
 * policy's decision; any other item is pended for manual review. The case's outcome is pended
 * while any item is (someone still has to act), else the policy's.
 */
export function decideItems(policy: CoveragePolicy, claim: FhirResource | undefined, decision: Decision): Decision {
  const items = itemsOf(claim);
  if (items.length === 0) return decision;
  const answers: ItemDecision[] = items.map((item, i) => {
    const sequence = item.sequence ?? i + 1;
    if (coversItem(policy, item)) return { sequence, outcome: decision.outcome, reasons: decision.outcome === 'approved' ? [] : [...decision.reasons] };
    return { sequence, outcome: 'pended', reasons: [noPolicyReason(policy, item)], manualReview: true };
  });
  const uncovered = answers.filter((a) => a.manualReview).flatMap((a) => a.reasons);
  const outcome: Outcome = answers.some((a) => a.outcome === 'pended') ? 'pended' : decision.outcome;
  return { ...decision, outcome, reasons: [...decision.reasons, ...uncovered], items: answers };
}

/** The manual-review policy's decision: every item pended, saying no policy covers it. */
export function manualReviewDecision(policy: CoveragePolicy, claim: FhirResource | undefined): Decision {
  const base: Decision = { outcome: 'pended', policy: { id: policy.id, version: policy.version }, criteria: [], reasons: [], missing: [], caveats: [] };
  const decided = decideItems(policy, claim, base);
  if (decided.items) return decided;
  return { ...base, reasons: [`No coverage policy at ${policy.payer} for the requested service: pended for manual review`] };
}
