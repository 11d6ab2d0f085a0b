import { randomUUID } from 'node:crypto';
import type { Bundle, Claim, ClaimResponse, Organization, Parameters, Patient, Resource } from '@medplum/fhirtypes';
import type { Clock } from '../../../core/common/clock.js';
import { systemClock } from '../../../core/common/clock.js';
import { KeyedLock, SerialQueue } from '../../../core/common/concurrency.js';
import { MurmurError, errorMessage } from '../../../core/common/errors.js';
import type { Logger } from '../../../core/common/log.js';
import { silentLogger } from '../../../core/common/log.js';
import type { CaseState } from '../../../core/coordination/case-state.js';
import { SHIPPED_POLICIES, type CoveragePolicy } from '../../../core/agents/clinical/policy.js';
import { policyForClaim, priorityOf, serviceOf } from '../../../core/agents/clinical/items.js';
import type { Decision, FhirResource } from '../../../core/agents/clinical/types.js';
import type { CaseDataRef } from '../../../core/agents/ports.js';
import { authorizationNumber } from '../../../core/agents/domain/form-builder.js';
import { asResource, fhirCallError, fhirClient, type FhirClientOptions } from '../../../fhir/adapters/fhir-client.js';
import { storeRequestBundle } from '../../../fhir/adapters/request-intake.js';
import { buildClaimResponse } from '../../../fhir/pas/claim-response.js';
import { pasAnswerBundle } from '../../../fhir/pas/response.js';
import { QUESTIONNAIRE_BASE, questionnaireUrl } from '../../../fhir/dtr/questionnaire.js';
import { parsePasInquiry, parsePasSubmission, type PasSubmission } from '../../../fhir/pas/submission.js';
import {
  cancellationOf,
  changedParty,
  partiesMatch,
  partiesOf,
  PARTY_PATHS,
  requestHash,
  requestParties,
  requestUrls,
  type Cancellation,
} from '../../../fhir/pas/identity.js';
import { withCancellation } from '../../../fhir/pas/cancel.js';
import type { OrgNode } from '../org-node.js';
import type { Notifier } from './notifier.js';
import type { PasRecords, Submission } from './records.js';

export interface PasServiceOptions {
  /** The payer's org node: cases open and resume on the board through it. */
  node: OrgNode;
  /** The FHIR server that keeps submitted requests (the coalition's adapters read it). */
  fhirBase: string;
  fhir?: FhirClientOptions;
  records: PasRecords;
  notifier: Notifier;
  policy?: CoveragePolicy;
  /** How long `$submit` waits for the coalition before answering pended (A4, queued). */
  syncWaitMs?: number;
  clock?: Clock;
  newUuid?: () => string;
  logger?: Logger;
}

/**
 * How long an update waits for the pended round to end (dissolve, score) before it opens the
 * next, whatever `syncWaitMs` is: an endpoint that answers at once must still take an update
 * that arrives while the round is closing.
 */
const ROUND_END_WAIT_MS = 15_000;

/** Where a case's answer stands; a change of version is what the submitter is notified of. */
interface AnswerState {
  version: string;
  final: boolean;
}

/**
 * The payer's PAS interface over its org node: `$submit` opens a case on the board (or, for a
 * Claim update, the next round of the pended case) and answers with the coalition's decision
 * when it comes within `syncWaitMs`, else pended; `$inquire` answers with where the case stands;
 * every later change (a decided round, an operator's adjudication) is pushed to the client's
 * subscriptions. The decision itself is always the board's: this class only reads it.
 */
export class PasService {
  private readonly clock: Clock;
  private readonly newUuid: () => string;
  private readonly syncWaitMs: number;
  private readonly logger: Logger;
  private unsubscribe: (() => void) | undefined;
  private readonly checks = new SerialQueue();
  /**
   * Requests of a client under one trace number (or updating one prior) are taken one at a
   * time, up to the point their case is recorded and on the board: two sent at once must not
   * both find the trace number unused and open two cases under it.
   */
  private readonly intake = new KeyedLock();
  private recheck = false;
  private pending = false;
  /**
   * Cases whose submitter has not yet been told a final answer, with what it was told: the
   * only ones a new board record can change, so the check on every record stays off the ledger.
   */
  private readonly open = new Map<string, { clientId: string; told: string }>();

  constructor(private readonly o: PasServiceOptions) {
    this.clock = o.clock ?? systemClock;
    this.newUuid = o.newUuid ?? randomUUID;
    this.syncWaitMs = o.syncWaitMs ?? 15_000;
    this.logger = o.logger ?? silentLogger;
  }

  /**
   * Follows the board: each change of a tracked case's answer is notified once. First puts on
   * the board what the ledger holds and the board lacks (a crash between the two).
   */
  async start(): Promise<void> {
    for (const sub of this.o.records.submissions()) {
      const c = this.o.node.replica.state.cases.get(sub.caseId);
      const state = c ? this.state(c) : undefined;
      if (state?.final && state.version === sub.notified) continue;
      this.open.set(sub.caseId, { clientId: sub.clientId, told: sub.notified });
    }
    this.unsubscribe = this.o.node.replica.onRecord(() => this.scheduleCheck());
    for (const caseId of this.open.keys()) {
      const sub = this.o.records.submission(caseId)!;
      await this.reconcile(sub).catch((e: unknown) => this.logger.log('warn', 'pas.reconcile-failed', { case: caseId, error: errorMessage(e) }));
    }
    this.scheduleCheck();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.checks.idle();
  }

  async submit(clientId: string, body: unknown): Promise<Bundle> {
    const sub = parsePasSubmission(body);
    const keys = [...sub.identifiers, ...(sub.prior ?? [])].map((k) => `${clientId}\n${k}`);
    // The wait for the coalition's answer is outside the lock: a retry or a cancel of the same
    // trace number need not wait for it.
    const answer = await this.intake.run(keys, () => this.admit(clientId, sub));
    return answer();
  }

  /** Records and posts what a submission asks for; returns how to answer it. */
  private async admit(clientId: string, sub: PasSubmission): Promise<() => Promise<Bundle>> {
    const hash = requestHash(sub.bundle);
    const cancel = cancellationOf(sub.claim);
    const known = this.o.records.identifiersOf(clientId, sub.identifiers);
    const cases = [...new Set(known.map((k) => k.caseId))];
    if (known.length > 0) {
      // The same request again (a retry): it answers for the case it opened, and opens no other.
      if (cases.length === 1 && known.every((k) => k.hash === '' || k.hash === hash)) {
        await this.reconcile(this.o.records.submission(cases[0]!)!);
        return () => this.answerWhenReady(cases[0]!);
      }
      // A resubmission under the request's own trace number that cancels it is PAS's cancel;
      // any other different content under a used trace number is another request: refused.
      // An update may keep the prior's trace number: it is then the prior's own.
      const ownUpdate = !!sub.prior && cases.length === 1 && this.o.records.caseFor(clientId, sub.prior) === cases[0];
      if (!(cancel && cases.length === 1) && !ownUpdate) {
        throw new MurmurError(
          'E_CONFLICT',
          'Claim.identifier is the trace number of a different request of this client; a new request needs a new trace number, and a change to a request is a Claim update (Claim.related.claim).',
          { path: 'Claim.identifier' },
        );
      }
    }
    if (cancel) {
      const bundle = await this.cancel(clientId, sub, hash, cancel, cases[0]);
      return () => Promise.resolve(bundle);
    }
    if (sub.prior) return this.update(clientId, sub, hash);
    const ref = await storeRequestBundle(this.o.fhirBase, sub, this.o.fhir ?? {});
    // Recorded before the case opens: a crash in between leaves a request that the client's
    // retry or the next start puts on the board, never a case that nobody answers for.
    const caseId = this.o.node.newCaseId();
    this.o.records.addSubmission(
      { caseId, clientId, identifiers: sub.identifiers, ref, createdAt: this.clock.now(), parties: requestParties(sub), urls: requestUrls(sub) },
      hash,
    );
    await this.openCase(ref, sub.claim, caseId);
    this.logger.log('info', 'pas.submitted', { case: caseId });
    return () => this.answerWhenReady(caseId);
  }

  /** The case a Claim update names as its prior (this client's only), its parties checked against the prior's. */
  private priorCase(clientId: string, sub: PasSubmission): string {
    const caseId = sub.prior ? this.o.records.caseFor(clientId, sub.prior) : undefined;
    if (!caseId) throw new MurmurError('E_NOT_FOUND', 'Claim.related.claim names no prior request of this client.', { path: 'Claim.related.claim' });
    this.checkParties(caseId, sub);
    return caseId;
  }

  /** An update or cancel speaks for the same request only: same patient, member, insurer and provider. */
  private checkParties(caseId: string, sub: PasSubmission): void {
    const prior = this.o.records.submission(caseId)?.parties;
    const changed = prior ? changedParty(prior, requestParties(sub)) : undefined;
    if (changed) {
      throw new MurmurError(
        'E_CONFLICT',
        `${PARTY_PATHS[changed]} is not the prior request's ${changed}: an update or cancel must keep the patient, member, insurer and provider; send a new request instead.`,
        {
          path: PARTY_PATHS[changed],
        },
      );
    }
  }

  private async update(clientId: string, sub: PasSubmission, hash: string): Promise<() => Promise<Bundle>> {
    const caseId = this.priorCase(clientId, sub);
    const c = this.caseOf(caseId);
    if (!takesUpdate(c)) {
      throw new MurmurError('E_CONFLICT', 'The prior request is not pended for more information, so it takes no update.', { path: 'Claim.related.claim' });
    }
    const ref = await storeRequestBundle(this.o.fhirBase, sub, this.o.fhir ?? {});
    // The round that pended it must have ended (dissolved, scored) before the next opens.
    await this.waitFor(caseId, (x) => x.reputation !== undefined, Math.max(this.syncWaitMs, ROUND_END_WAIT_MS));
    this.o.records.updateSubmission(caseId, clientId, sub.identifiers, ref, c.round + 1, hash, requestUrls(sub));
    await this.o.node.updateCase(caseId, ref);
    this.logger.log('info', 'pas.updated', { case: caseId });
    return () => this.answerWhenReady(caseId);
  }

  /**
   * A cancel, of the whole request or of some items: a CaseCancel on the board (so every node
   * agrees the request is withdrawn), then the answer with each cancelled item's review action
   * `C`. An update that cancels some items and brings new information for the others goes on
   * as an update. A cancel repeated answers as the first did.
   */
  private async cancel(clientId: string, sub: PasSubmission, hash: string, cancel: Cancellation, sameTrace: string | undefined): Promise<Bundle> {
    const caseId = sameTrace ?? (sub.prior ? this.priorCase(clientId, sub) : undefined);
    if (!caseId) {
      throw new MurmurError(
        'E_NOT_FOUND',
        'A cancel names the request it cancels: by its trace number (Claim.identifier) or Claim.related.claim, and this client has no such request.',
        {
          path: 'Claim.related.claim',
        },
      );
    }
    this.checkParties(caseId, sub);
    await this.reconcile(this.o.records.submission(caseId)!);
    const c = this.caseOf(caseId);
    const done = c.cancellation;
    const items = cancel.items.filter((i) => !done?.items.includes(i));
    if (!done?.whole && (cancel.whole || items.length > 0)) {
      await this.o.node.cancelCase(caseId, cancel.whole ? { scope: 'case', items: [] } : { scope: 'items', items });
      this.logger.log('info', 'pas.cancelled', { case: caseId, scope: cancel.whole ? 'case' : 'items' });
    }
    // The update goes on only for an item still waiting on a decision: cancelling the one pended
    // item of a case whose others were decided leaves nothing for a new round to settle.
    const remaining = (sub.claim.item ?? []).filter((i) => !cancel.items.includes(i.sequence)).map((i) => i.sequence);
    const decision = (await this.o.node.readArtifact(c, 'coverage-determination', 'decision')) as Decision | undefined;
    const stillPended = remaining.some((seq) => (decision?.items?.find((i) => i.sequence === seq)?.outcome ?? decision?.outcome) === 'pended');
    if (!cancel.whole && sub.prior && stillPended && takesUpdate(c) && !done?.whole) return (await this.update(clientId, sub, hash))();
    this.o.records.addIdentifiers(caseId, clientId, sub.identifiers, hash);
    const { bundle, state } = await this.answer(caseId);
    this.told(caseId, this.o.records.submission(caseId)!.clientId, state);
    return bundle;
  }

  /**
   * Puts on the board what the ledger says a client asked for and the board does not hold:
   * the case itself, or the round an update asked for. The fold refuses a second copy, so a
   * copy that did land meanwhile costs one rejected entry, never a second case.
   */
  private async reconcile(sub: Submission): Promise<void> {
    await this.o.node.replica.catchUp();
    const c = this.o.node.replica.state.cases.get(sub.caseId);
    if (!c) {
      await this.openCase(sub.ref, (await this.readRequest(sub.ref)).claim, sub.caseId);
      this.logger.log('info', 'pas.reopened', { case: sub.caseId });
      return;
    }
    if (sub.round <= c.round || !takesUpdate(c)) return;
    await this.waitFor(sub.caseId, (x) => x.reputation !== undefined, Math.max(this.syncWaitMs, ROUND_END_WAIT_MS));
    await this.o.node.updateCase(sub.caseId, sub.ref);
    this.logger.log('info', 'pas.update-reposted', { case: sub.caseId });
  }

  /** Opens the case under the policy the Claim's items name (manual review when none does). */
  private async openCase(ref: CaseDataRef, claim: Claim, caseId: string): Promise<void> {
    const policy = this.o.policy ?? policyForClaim(claim as unknown as FhirResource, SHIPPED_POLICIES);
    await this.o.node.submitCase(ref, policy, caseId, serviceOf(claim as unknown as FhirResource, policy), priorityOf(claim as unknown as FhirResource));
  }

  /**
   * `$inquire` as PAS 2.2.1 has it: a query by example whose answer is a Parameters of 0..*
   * response Bundles (`return`). A request matches when it is this client's (another's do not
   * exist for it), carries one of the inquiry Claim's identifiers, and has the patient, member,
   * insurer and provider the inquiry names (the keys it gives).
   */
  async inquire(clientId: string, body: unknown): Promise<Parameters> {
    const { identifiers, bundle, claim } = parsePasInquiry(body);
    const keys = partiesOf(bundle, claim);
    const cases = [...new Set(this.o.records.identifiersOf(clientId, identifiers).map((k) => k.caseId))].filter((caseId) => {
      const parties = this.o.records.submission(caseId)?.parties;
      return !parties || partiesMatch(parties, keys);
    });
    const bundles: Bundle[] = [];
    for (const caseId of cases) bundles.push((await this.answer(caseId)).bundle);
    return { resourceType: 'Parameters', parameter: bundles.map((resource) => ({ name: 'return', resource })) };
  }

  /** Waits up to `syncWaitMs` for the round's ClaimResponse, then answers with what stands. */
  private async answerWhenReady(caseId: string): Promise<Bundle> {
    await this.waitFor(caseId, (c) => this.state(c).version.endsWith(':queued') === false, this.syncWaitMs).catch(() => undefined);
    const { bundle, state } = await this.answer(caseId);
    // The caller has this answer now; notifications are for what changes after it.
    this.told(caseId, this.o.records.submission(caseId)!.clientId, state);
    return bundle;
  }

  private caseOf(caseId: string): CaseState {
    const c = this.o.node.replica.state.cases.get(caseId);
    if (!c) throw new MurmurError('E_NOT_FOUND', "The request's case is not on this node's board yet.", { path: 'Claim.identifier' });
    return c;
  }

  /** A case's answer version: its round, and the round's decision or the operator's. */
  private state(c: CaseState): AnswerState {
    const r = `r${c.round}${c.cancellation ? `:x${c.cancellation.whole ? 'all' : c.cancellation.items.join('.')}` : ''}`;
    if (c.cancellation?.whole) return { version: r, final: true };
    if (c.adjudication)
      return { version: `${r}:adjudicated:${c.adjudication.closure}:${c.adjudication.ref.id.slice(0, 12)}`, final: c.adjudication.closure === 'final' };
    // The closure and the determination's entry name the answer; what it decided is sealed.
    if (c.subtasks.get('pas-response')?.artifact && c.outcome)
      return { version: `${r}:${c.outcome.closure}:${c.outcome.ref.id.slice(0, 12)}`, final: c.outcome.closure === 'final' };
    return { version: `${r}:queued`, final: false };
  }

  /** The response Bundle for a case as it stands now. */
  async answer(caseId: string): Promise<{ bundle: Bundle; state: AnswerState }> {
    const sub = this.o.records.submission(caseId);
    if (!sub) throw new MurmurError('E_NOT_FOUND', 'No such prior-authorization request.', { path: 'Claim.identifier' });
    const c = this.caseOf(caseId);
    const state = this.state(c);
    const { claim, patient, insurer, requestor } = await this.readRequest(sub.ref);
    const tracking = authorizationNumber(caseId);
    const decision = (await this.o.node.readArtifact(c, 'coverage-determination', 'decision')) as Decision | undefined;
    let claimResponse: ClaimResponse;
    let missing = decision?.outcome === 'pended' ? decision.missing : [];
    const operatorOutcome = await this.o.node.adjudicationOf(c);
    if (c.adjudication && decision && operatorOutcome) {
      const adjudicated = adjudicatedDecision(decision, operatorOutcome, c.adjudication.reasonCode);
      missing = adjudicated.outcome === 'pended' ? adjudicated.missing : [];
      claimResponse = buildClaimResponse(claim, { ref: sub.ref, decision: adjudicated, authorizationNumber: tracking, decidedAt: c.adjudication.ref.at });
    } else if (c.subtasks.get('pas-response')?.artifact && c.outcome) {
      claimResponse = (await this.o.node.readArtifact(c, 'pas-response', 'claim-response')) as ClaimResponse;
    } else {
      claimResponse = buildClaimResponse(claim, { ref: sub.ref, decision: inReview(), authorizationNumber: tracking, decidedAt: this.clock.now() });
    }
    if (c.cancellation) {
      claimResponse = withCancellation(claimResponse, c.cancellation, tracking);
      if (c.cancellation.whole) missing = [];
    }
    const bundle = pasAnswerBundle({
      claimResponse,
      claim,
      patient,
      ...(insurer ? { insurer } : {}),
      ...(requestor ? { requestor } : {}),
      echo: sub.urls,
      trackingNumber: tracking,
      missing,
      ...questionnaireFor(decision),
      now: new Date(this.clock.now()).toISOString(),
      newUuid: this.newUuid,
    });
    return { bundle, state };
  }

  private async readRequest(ref: CaseDataRef): Promise<{ claim: Claim; patient: Patient; insurer?: Organization; requestor?: Resource }> {
    const client = fhirClient(ref.fhirBase, this.o.fhir ?? {});
    const read = async <T extends Resource>(reference: string): Promise<T> => {
      const [resourceType, id] = reference.split('/') as [string, string];
      try {
        return asResource<T>(await client.read({ resourceType, id }));
      } catch (e) {
        throw fhirCallError(`Reading ${resourceType}`, e);
      }
    };
    const claim = await read<Claim>(ref.claim);
    const patient = await read<Patient>(ref.patient);
    const insurerRef = claim.insurer?.reference;
    const insurer = insurerRef && /^Organization\/[A-Za-z0-9.-]+$/.test(insurerRef) ? await read<Organization>(insurerRef) : undefined;
    // The requestor is the requesting organization: the provider, or the organization of the provider's PractitionerRole.
    const providerRef = claim.provider?.reference;
    let requestor =
      providerRef && /^(Organization|Practitioner|PractitionerRole)\/[A-Za-z0-9.-]+$/.test(providerRef) ? await read<Resource>(providerRef) : undefined;
    const orgRef =
      requestor?.resourceType === 'PractitionerRole' ? (requestor as { organization?: { reference?: string } }).organization?.reference : undefined;
    if (requestor?.resourceType === 'PractitionerRole')
      requestor = orgRef && /^Organization\/[A-Za-z0-9.-]+$/.test(orgRef) ? await read<Organization>(orgRef) : undefined;
    return { claim, patient, ...(insurer ? { insurer } : {}), ...(requestor ? { requestor } : {}) };
  }

  private waitFor(caseId: string, done: (c: CaseState) => boolean, timeoutMs: number): Promise<void> {
    const replica = this.o.node.replica;
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const c = replica.state.cases.get(caseId);
        if (c && done(c)) finish();
      };
      const finish = (): void => {
        stop();
        clearTimeout(timer);
        resolve();
      };
      const stop = replica.onRecord(check);
      const timer = setTimeout(() => {
        stop();
        reject(new MurmurError('E_TIMEOUT', 'the coalition has not answered yet'));
      }, timeoutMs);
      check();
    });
  }

  private scheduleCheck(): void {
    if (this.pending) {
      this.recheck = true;
      return;
    }
    this.pending = true;
    void this.checks.run(async () => {
      do {
        this.recheck = false;
        await this.notifyChanges().catch((e: unknown) => this.logger.log('warn', 'pas.notify-failed', { error: errorMessage(e) }));
      } while (this.recheck);
      this.pending = false;
    });
  }

  /** Every tracked case whose answer moved past what its submitter was told is notified. */
  private async notifyChanges(): Promise<void> {
    for (const [caseId, { clientId, told }] of [...this.open]) {
      const c = this.o.node.replica.state.cases.get(caseId);
      if (!c) continue;
      const state = this.state(c);
      if (state.version === told || state.version.endsWith(':queued')) continue;
      if (this.o.records.subscriptionsOf(clientId).length === 0) continue;
      const { bundle } = await this.answer(caseId);
      this.told(caseId, clientId, state);
      this.o.notifier.notify(clientId, caseId, bundle, this.o.records.submission(caseId)?.urls.orgIdentifiers ?? []);
    }
  }

  /** Records what the submitter now knows; a final answer ends the tracking. */
  private told(caseId: string, clientId: string, state: AnswerState): void {
    this.o.records.markNotified(caseId, state.version);
    if (state.final) this.open.delete(caseId);
    else this.open.set(caseId, { clientId, told: state.version });
  }
}

/** Whether a case waits for the submitter's new information (pended, not decided for good). */
function takesUpdate(c: CaseState): boolean {
  return c.outcome?.closure === 'open' && c.adjudication?.closure !== 'final';
}

/** The decision as the payer's operator settled it (the clinical findings stay the coalition's). */
export function adjudicatedDecision(coalition: Decision, outcome: 'approved' | 'denied' | 'info-requested', reasonCode: string): Decision {
  // The operator settles the whole request: every item takes the operator's outcome.
  const { items: _perItem, ...decision } = coalition;
  switch (outcome) {
    case 'approved':
      return { ...decision, outcome: 'approved', reasons: [], missing: [] };
    case 'denied':
      return { ...decision, outcome: 'denied', criteria: [], reasons: [`Not certified on clinical review (${reasonCode}).`], missing: [] };
    case 'info-requested':
      return { ...coalition, outcome: 'pended' };
  }
}

/** A pend while the coalition is still working: no findings yet, nothing asked of the provider. */
function inReview(): Decision {
  return {
    outcome: 'pended',
    policy: { id: '', version: '' },
    criteria: [],
    reasons: ['The request is under review; the decision will be sent to the subscription, or can be asked for with $inquire.'],
    missing: [],
    caveats: [],
  };
}

/** The DTR questionnaire a pend under `decision`'s policy points the provider to (the same policy, same version). */
function questionnaireFor(decision: Decision | undefined): { questionnaire?: string } {
  const policy = decision ? SHIPPED_POLICIES.find((p) => p.id === decision.policy.id && p.version === decision.policy.version && !p.manualReview) : undefined;
  return policy ? { questionnaire: `${questionnaireUrl(QUESTIONNAIRE_BASE, policy)}|${policy.version}` } : {};
}
