import type { Claim, ClaimResponse, Extension } from '@medplum/fhirtypes';
import type { Caveat, CriterionResult, Decision, MissingDocument } from '../../../core/agents/clinical/types.js';
import { POLICIES } from '../../../core/agents/domain/policy-reasoner.js';
import { authorizationNumber } from '../../../core/agents/domain/form-builder.js';
import type { StoredEntry } from '../../../core/board/store.js';
import { errorMessage } from '../../../core/common/errors.js';
import type { CaseState } from '../../../core/coordination/case-state.js';
import { buildClaimResponse } from '../../../fhir/pas/claim-response.js';
import { PAS_REVIEW_ACTION, X12_4_REASON_CODE } from '../../../fhir/pas/codes.js';
import { adjudicatedDecision } from '../pas/service.js';
import type { SectionReader } from './disclosure.js';
import type { Projection } from './projection.js';
import type { CaseOutcome, CurrentOutcome, DecisionCard, EvidenceLink } from './protocol.js';

/**
 * The decision card of a case: what the coalition decided and why, criterion by criterion,
 * with the entries each result rests on, and the PAS answer as the provider now receives it.
 * It opens the determination (and the lab's summary, for its proof) through the same
 * SectionReader as the entry view, so every read is checked by policy and audited.
 */
export async function decisionCard(p: Projection, reader: SectionReader, c: CaseState, operator?: string): Promise<DecisionCard> {
  await p.node.adjudicationOf(c); // the operator's sealed decision, for `current` below
  const current = currentOutcome(p, c);
  const det = c.subtasks.get('coverage-determination')?.artifact;
  const detEntry = det ? p.node.replica.entry(det.id) : undefined;
  if (!det || !detEntry) return { case: c.id, current, readable: false, missing: [], message: 'The coalition has not posted its determination yet.' };
  const link = (label: string, e: { id: string; index: number }, extra: Partial<EvidenceLink> = {}): EvidenceLink => ({
    label,
    entry: e.id,
    index: e.index,
    ...extra,
  });
  const determination = link(`determination #${det.index} by ${p.actor(det.author).name}`, det);
  let decision: Decision;
  try {
    decision = (await reader.read(detEntry, 'decision', operator)).content as Decision;
  } catch (e) {
    return { case: c.id, current, readable: false, missing: [], message: errorMessage(e), determination };
  }
  const policyId = decision.policy.id;
  const policy = POLICIES[policyId];
  const lab = c.subtasks.get('genomic-screening')?.artifact;
  const labEntry = lab ? p.node.replica.entry(lab.id) : undefined;
  const attestation = labEntry
    ? await readQuiet(reader, labEntry, 'summary', operator).then(
        (s) => (s as { attestation?: { commitment?: { commitment?: string } } } | undefined)?.attestation,
      )
    : undefined;
  const evidenceOf = (r: CriterionResult): EvidenceLink[] => {
    const out: EvidenceLink[] = [];
    if (r.evaluatedBy === 'lab' && lab) {
      out.push(link(`genomic screen #${lab.index} signed by ${p.actor(lab.author).name}`, lab));
      if (attestation && /zero knowledge/.test(r.reason))
        out.push(
          link(`zero-knowledge proof (commitment ${String(attestation.commitment?.commitment ?? '').slice(0, 12)}…): verified by the payer`, lab, {
            proof: 'verified',
          }),
        );
      else if (attestation && r.status === 'review') out.push(link('zero-knowledge proof offered: did not verify', lab, { proof: 'failed' }));
      else out.push(link("the lab's signed statement (no proof for this criterion)", lab, { proof: 'none' }));
    } else {
      const elements = policy?.criteria.find((k) => k.id === r.id)?.elements ?? [];
      out.push(link(`patient record read by the payer from the FHIR server${elements.length ? `: ${elements.join(', ')}` : ''}`, c.opened));
    }
    out.push(determination);
    return out;
  };
  const interactions = c.subtasks.get('drug-interaction')?.artifact;
  const evidence = c.subtasks.get('evidence-synthesis')?.artifact;
  const served = await servedClaimResponse(p, reader, c, decision, operator);
  return {
    case: c.id,
    // Read from the sealed determination just now, so the card names what it decided.
    current: currentOutcome(p, c, decision.outcome),
    readable: true,
    determination,
    policy: decision.policy,
    coalitionOutcome: decision.outcome,
    criteria: decision.criteria.map((r) => ({
      id: r.id,
      title: r.title,
      status: r.status,
      reason: r.reason,
      evaluatedBy: r.evaluatedBy,
      ...(r.x12Reason ? { x12Reason: r.x12Reason } : {}),
      ...(r.missing ? { missing: missingView(r.missing) } : {}),
      evidence: evidenceOf(r),
    })),
    reasons: decision.reasons,
    missing: decision.missing.map(missingView),
    caveats: decision.caveats.map((k: Caveat) => ({
      code: k.code,
      text: k.text,
      ...(k.drugs ? { drugs: k.drugs } : {}),
      ...(interactions ? { source: link(`drug interaction report #${interactions.index}`, interactions) } : {}),
    })),
    ...(decision.evidence
      ? {
          evidence: {
            certainty: decision.evidence.certainty,
            trials: decision.evidence.trials,
            ...(evidence ? { source: link(`evidence synthesis #${evidence.index}`, evidence) } : {}),
          },
        }
      : {}),
    ...(served
      ? { reviewAction: reviewActionOf(served.claimResponse), claimResponse: { version: served.version, ...(served.entry ? { entry: served.entry } : {}) } }
      : {}),
  };
}

async function readQuiet(reader: SectionReader, entry: StoredEntry, name: string, operator?: string): Promise<unknown> {
  try {
    return (await reader.read(entry, name, operator)).content;
  } catch {
    return undefined;
  }
}

function missingView(m: MissingDocument): DecisionCard['missing'][number] {
  return {
    description: m.description,
    ...(m.code ? { code: m.code.code, system: m.code.system, ...(m.code.display ? { display: m.code.display } : {}) } : {}),
  };
}

/** The case's outcome as it stands: the operator's decision over the coalition's, when there is one. */
export function currentOutcome(p: Projection, c: CaseState, read?: CaseOutcome): CurrentOutcome {
  // The outcome is sealed: known where this node read its determination (the payer), else only its closure.
  const coalition = read ?? p.node.knownOutcome(c);
  const a = c.adjudication;
  // A final determination this organization may not read is `decided`: sealed, not undecided.
  if (!a) return { outcome: coalition ?? (c.outcome ? 'decided' : 'undecided'), ...(coalition ? { coalition } : {}) };
  const by = p.actor(a.author);
  const decided = p.node.knownAdjudication(c) ?? 'decided';
  return {
    outcome: decided === 'info-requested' ? 'waiting-for-provider' : decided,
    ...(coalition ? { coalition } : {}),
    decidedBy: { ...by, ...operatorOf(p, c) },
    at: a.ref.at,
    index: a.ref.index,
    reasonCode: a.reasonCode,
  };
}

/** The operator who signed the decision (verified by the fold): by name where this organization knows them. */
function operatorOf(p: Projection, c: CaseState): { operator?: string } {
  const op = c.adjudication?.operator;
  if (!op) return {};
  const known = p.operators.get(op.id);
  return { operator: known && known.key === op.key ? known.name : `operator ${op.id}` };
}

/**
 * The ClaimResponse the PAS API serves for the case now: the FormBuilder's while the
 * coalition's decision stands; after an operator's decision, the same answer rebuilt on the
 * adjudicated decision (as app/node/pas/service.ts does), the items taken from the stored one.
 */
export async function servedClaimResponse(
  p: Projection,
  reader: SectionReader,
  c: CaseState,
  decision?: Decision,
  operator?: string,
): Promise<{ claimResponse: ClaimResponse; version: 'coalition' | 'adjudicated'; entry?: { id: string; index: number } } | undefined> {
  const pas = c.subtasks.get('pas-response')?.artifact;
  const pasEntry = pas ? p.node.replica.entry(pas.id) : undefined;
  if (!pas || !pasEntry) return undefined;
  const stored = (await reader.read(pasEntry, 'claim-response', operator)).content as ClaimResponse;
  const a = c.adjudication;
  // What the operator decided is sealed in the Adjudication: read (and checked against its commitment) by this node.
  const operatorOutcome = a ? await p.node.adjudicationOf(c) : undefined;
  if (!a || !operatorOutcome) return { claimResponse: stored, version: 'coalition', entry: { id: pas.id, index: pas.index } };
  let d = decision;
  if (!d) {
    const det = c.subtasks.get('coverage-determination')?.artifact;
    const detEntry = det ? p.node.replica.entry(det.id) : undefined;
    if (!detEntry) return { claimResponse: stored, version: 'coalition', entry: { id: pas.id, index: pas.index } };
    d = (await reader.read(detEntry, 'decision', operator)).content as Decision;
  }
  const claim = {
    resourceType: 'Claim',
    status: 'active',
    use: 'preauthorization',
    type: stored.type,
    patient: stored.patient,
    insurer: stored.insurer,
    created: stored.created,
    priority: { coding: [{ code: 'normal' }] },
    provider: {},
    item: (stored.item ?? []).map((i) => ({ sequence: i.itemSequence })),
  } as unknown as Claim;
  const claimResponse = buildClaimResponse(claim, {
    ref: { fhirBase: '', patient: stored.patient.reference ?? '', claim: stored.request?.reference ?? '' },
    decision: adjudicatedDecision(d, operatorOutcome, a.reasonCode),
    authorizationNumber: authorizationNumber(c.id),
    decidedAt: a.ref.at,
  });
  return { claimResponse, version: 'adjudicated' };
}

/** The PAS reviewAction of the first item: X12 306 action and its X12 reasons. */
function reviewActionOf(cr: ClaimResponse): NonNullable<DecisionCard['reviewAction']> {
  const ext = cr.item?.[0]?.adjudication?.[0]?.extension?.find((x: Extension) => x.url === PAS_REVIEW_ACTION);
  const part = (url: string): Extension[] => (ext?.extension ?? []).filter((x) => x.url === url);
  const code = part('code')[0]?.valueCodeableConcept?.coding?.[0];
  return {
    code: code?.code ?? '?',
    display: code?.display ?? '',
    number: part('number')[0]?.valueString ?? '',
    reasons: part('reasonCode').map((x) => ({
      ...(x.valueCodeableConcept?.coding?.find((k) => k.system === X12_4_REASON_CODE)?.code
        ? { x12: x.valueCodeableConcept!.coding!.find((k) => k.system === X12_4_REASON_CODE)!.code! }
        : {}),
      text: x.valueCodeableConcept?.text ?? '',
    })),
    disposition: cr.disposition ?? '',
    outcome: cr.outcome ?? '',
  };
}
