import { randomUUID } from 'node:crypto';
import type { Bundle, Claim, ClaimResponse, ClaimResponseProcessNote, Extension, Resource } from '@medplum/fhirtypes';
import type { CriterionResult, Decision, FhirResource } from '../../core/agents/clinical/types.js';
import type { CaseDataRef, PasFormPort } from '../../core/agents/ports.js';
import { MurmurError } from '../../core/common/errors.js';
import { asResource, fhirCallError, fhirClient, withReadRetry } from '../adapters/fhir-client.js';
import type { FhirClientOptions } from '../adapters/fhir-client.js';
import { ADJUDICATION, LOINC, PAS_REVIEW_ACTION, REVIEW_ACTION, X12_306_ACTION_CODE, X12_4_REASON_CODE } from './codes.js';

/**
 * How long an approval stays usable. Zolgensma is one infusion; six months leaves room to
 * schedule it (and to repeat the baseline labs) while keeping the approval tied to the
 * clinical picture it was decided on. Payers commonly authorize a single dose for 3–6 months.
 */
export const AUTHORIZATION_MONTHS = 6;

export interface ClaimResponseInput {
  ref: CaseDataRef;
  decision: Decision;
  authorizationNumber: string;
  decidedAt: number;
}

export interface PasClaimResponseBuilderOptions extends FhirClientOptions {
  /**
   * The FHIR server this payer reads its requests from, from its own configuration. Refs
   * travel on the board, so one naming any other server is refused: the builder would send
   * the payer's SMART token there.
   */
  baseUrl: string;
}

/**
 * Builds the PAS ClaimResponse for a decision: per Claim item an adjudication (category
 * `submitted`) with the reviewAction extension (X12 306 code, the authorization or tracking
 * number, and for a denial or pend the reasons); caveats and missing documents as process
 * notes; preAuthRef and preAuthPeriod on approval only.
 */
export class PasClaimResponseBuilder implements PasFormPort {
  constructor(private readonly opts: PasClaimResponseBuilderOptions) {}

  async claimResponse(input: ClaimResponseInput): Promise<FhirResource> {
    const { ref } = input;
    if (trimSlash(this.opts.baseUrl) !== trimSlash(ref.fhirBase)) {
      throw new MurmurError('E_INPUT', 'CaseDataRef.fhirBase is not the FHIR server this builder is configured for.', { path: 'CaseDataRef.fhirBase' });
    }
    const id = /^Claim\/([A-Za-z0-9\-.]{1,64})$/.exec(ref.claim)?.[1];
    if (!id) throw new MurmurError('E_INPUT', 'CaseDataRef.claim must be a Claim/<id> reference.', { path: 'CaseDataRef.claim' });
    let claim: Claim;
    try {
      const client = fhirClient(this.opts.baseUrl, this.opts);
      claim = asResource<Claim>(await withReadRetry(this.opts, () => client.read({ resourceType: 'Claim', id })));
    } catch (e) {
      throw fhirCallError(`Reading ${ref.claim}`, e);
    }
    return buildClaimResponse(claim, input) as unknown as FhirResource;
  }
}

/** The ClaimResponse for `claim`; pure, so it can be tested and replayed without a server. */
export function buildClaimResponse(claim: Claim, input: ClaimResponseInput): ClaimResponse {
  const { decision, authorizationNumber, decidedAt, ref } = input;
  if (!authorizationNumber.trim()) {
    throw new MurmurError('E_INPUT', 'The authorization number is empty.', { path: 'authorizationNumber' });
  }
  if (!Number.isFinite(decidedAt)) throw new MurmurError('E_INPUT', 'decidedAt is not a time.', { path: 'decidedAt' });
  const items = claim.item ?? [];
  if (items.length === 0) throw new MurmurError('E_FHIR', `${ref.claim} has no item to adjudicate.`, { path: 'Claim.item' });

  // One answer per submitted item: its own decision where the determination answered items
  // apart (a service without a policy is pended while another item is decided), else the case's.
  const answers = items.map((item) => itemDecision(decision, item.sequence));
  const approved = answers.some((d) => d.outcome === 'approved');
  const pended = answers.filter((d) => d.outcome === 'pended').length;
  const outcome = pended === answers.length ? 'queued' : pended === 0 ? 'complete' : 'partial';
  const notes = processNotes(decision);
  return {
    resourceType: 'ClaimResponse',
    status: 'active',
    type: claim.type,
    use: 'preauthorization',
    patient: claim.patient,
    created: new Date(decidedAt).toISOString(),
    insurer: claim.insurer ?? { display: 'Payer' },
    request: { reference: ref.claim },
    outcome,
    disposition: outcome === 'partial' ? "Partly decided: some items are pended (see each item's adjudication)." : disposition(answers[0]!),
    ...(approved ? { preAuthRef: authorizationNumber, preAuthPeriod: authorizationPeriod(decidedAt) } : {}),
    item: items.map((item, i) => ({
      itemSequence: item.sequence,
      adjudication: [
        { category: { coding: [{ system: ADJUDICATION, code: 'submitted' }] }, extension: [reviewActionExtension(answers[i]!, authorizationNumber)] },
      ],
    })),
    ...(notes.length > 0 ? { processNote: notes } : {}),
  };
}

/** The decision as it stands for one item (its outcome, and only the reasons that concern it). */
function itemDecision(decision: Decision, sequence: number): Decision {
  const answer = decision.items?.find((a) => a.sequence === sequence);
  if (!answer) return decision;
  if (answer.manualReview) return { ...decision, outcome: answer.outcome, criteria: [], reasons: answer.reasons, missing: [] };
  return { ...decision, outcome: answer.outcome, reasons: answer.reasons };
}

function reviewActionExtension(decision: Decision, number: string): Extension {
  const action = REVIEW_ACTION[decision.outcome];
  const parts: Extension[] = [
    { url: 'number', valueString: number },
    { url: 'code', valueCodeableConcept: { coding: [{ system: X12_306_ACTION_CODE, code: action.code, display: action.display }] } },
  ];
  if (decision.outcome !== 'approved') {
    for (const reason of reasonsOf(decision)) {
      parts.push({
        url: 'reasonCode',
        valueCodeableConcept: {
          ...(reason.x12 ? { coding: [{ system: X12_4_REASON_CODE, code: reason.x12 }] } : {}),
          text: reason.text,
        },
      });
    }
  }
  return { url: PAS_REVIEW_ACTION, extension: parts };
}

/** The failed (deny) or open (pend) criteria, in words, with their X12 reason where one fits. */
function reasonsOf(decision: Decision): { x12?: string; text: string }[] {
  const wanted: CriterionResult['status'][] = decision.outcome === 'denied' ? ['not-met'] : ['missing', 'review'];
  const criteria = decision.criteria.filter((c) => wanted.includes(c.status));
  if (criteria.length > 0) return criteria.map((c) => ({ x12: c.x12Reason, text: `${c.title}: ${c.reason}` }));
  return decision.reasons.map((text) => ({ text }));
}

function processNotes(decision: Decision): ClaimResponseProcessNote[] {
  const texts: string[] = [];
  for (const caveat of decision.caveats) {
    texts.push(caveat.drugs?.length ? `${caveat.text} (${caveat.drugs.join(', ')})` : caveat.text);
  }
  if (decision.outcome === 'pended') {
    for (const doc of decision.missing) {
      const code = doc.code ? ` (${doc.code.system === LOINC ? 'LOINC' : doc.code.system} ${doc.code.code})` : '';
      texts.push(`Please send: ${doc.description}${code}.`);
    }
  }
  return texts.map((text, i) => ({ number: i + 1, type: 'display', text }));
}

function disposition(decision: Decision): string {
  switch (decision.outcome) {
    case 'approved':
      return decision.caveats.length > 0 ? 'Certified in total, with caveats (see notes).' : 'Certified in total.';
    case 'denied': {
      const n = reasonsOf(decision).length;
      return `Not certified: ${n} coverage ${n === 1 ? 'criterion' : 'criteria'} not met (see adjudication).`;
    }
    case 'pended':
      return 'Pended for additional information or clinical review (see notes).';
  }
}

/** From the decision date through the same day AUTHORIZATION_MONTHS later (clamped to month end). */
export function authorizationPeriod(decidedAt: number): { start: string; end: string } {
  const start = new Date(decidedAt);
  const y = start.getUTCFullYear();
  const m = start.getUTCMonth() + AUTHORIZATION_MONTHS;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const end = new Date(Date.UTC(y, m, Math.min(start.getUTCDate(), lastDay)));
  return { start: start.toISOString().slice(0, 10), end: end.toISOString().slice(0, 10) };
}

/**
 * The response Bundle (type collection) answering `Claim/$submit`: the ClaimResponse first,
 * then any resources it references that the caller includes.
 */
export function claimResponseBundle(claimResponse: ClaimResponse, opts: { include?: Resource[]; newUuid?: () => string } = {}): Bundle {
  const newUuid = opts.newUuid ?? randomUUID;
  const entryFor = (resource: Resource) => ({ fullUrl: `urn:uuid:${newUuid()}`, resource });
  return {
    resourceType: 'Bundle',
    type: 'collection',
    timestamp: claimResponse.created,
    entry: [entryFor(claimResponse), ...(opts.include ?? []).map(entryFor)],
  };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
