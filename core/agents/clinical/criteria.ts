import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import { selectElements } from './elements.js';
import type { CoveragePolicy, PolicyCriterion } from './policy.js';
import type { Caveat, CriterionResult, Decision, EvidenceCertainty, FhirResource, MissingDocument } from './types.js';
import { MurmurError } from '../../common/errors.js';

export interface EvaluateOptions {
  /** Which criteria to evaluate: the payer's or the lab's. */
  evaluatedBy: 'payer' | 'lab';
  /** Evaluation date (YYYY-MM-DD); the planned date when the view has no Claim. */
  asOf?: string;
}

type Compiled = (resource: unknown, env: Record<string, unknown>) => unknown[];
const compiled = new Map<string, Compiled>();

function compile(expression: string): Compiled {
  let fn = compiled.get(expression);
  if (!fn) {
    fn = fhirpath.compile(expression, r4Model) as unknown as Compiled;
    compiled.set(expression, fn);
  }
  return fn;
}

/** A criterion expression holds only when it yields exactly `true`. */
function holds(expression: string, env: Record<string, unknown>): boolean {
  const out = compile(expression)({}, env);
  if (out.length === 0) return false;
  if (out.length === 1 && typeof out[0] === 'boolean') return out[0];
  throw new Error('expression did not yield a single boolean');
}

function plannedDate(claim: FhirResource | undefined, asOf: string | undefined): string | undefined {
  const item = (claim?.item as { servicedDate?: string; servicedPeriod?: { start?: string } }[] | undefined)?.[0];
  const date = item?.servicedDate ?? item?.servicedPeriod?.start?.slice(0, 10);
  return date ?? asOf;
}

function evaluateOne(c: PolicyCriterion, pool: readonly FhirResource[], asOf: string | undefined): CriterionResult {
  // Each criterion sees only the elements it lists, even if the caller's view is wider.
  const view = selectElements(pool, c.elements);
  const claim = view.find((r) => r.resourceType === 'Claim');
  const patient = view.find((r) => r.resourceType === 'Patient');
  const planned = plannedDate(claim, asOf);
  const env: Record<string, unknown> = {
    ...c.parameters,
    resources: view,
    claim: claim ?? [],
    patient: patient ?? [],
    plannedDate: planned ?? [],
    asOf: asOf ?? planned ?? [],
  };
  const base = { id: c.id, title: c.title, evaluatedBy: c.evaluatedBy } as const;
  try {
    // Within a criterion: a failure shown by the data denies even when other data is missing
    // (more documents cannot make it pass); otherwise absent data pends before a review flag.
    if (holds(c.notMet, env)) return { ...base, status: 'not-met', reason: c.reasons.notMet, x12Reason: c.x12Reason };
    // A finding a clinician must look at is reported even when other data is missing too, so
    // a pend names everything at once (a missing AST never hides an ALT above 2 × ULN).
    const review = c.review !== undefined && holds(c.review, env) ? (c.reasons.review ?? c.reasons.missing) : undefined;
    if (holds(c.missing, env)) {
      const sent = attachedDocument(c, view);
      // The document was attached but carries no data Murmur can read: a reviewer reads it;
      // asking the provider for it again would be wrong, and denying on it impossible.
      if (sent) return { ...base, status: 'review', reason: joinReasons(`${c.reasons.missing}; the attached ${sent} needs clinical review`, review) };
      return { ...base, status: 'missing', reason: joinReasons(c.reasons.missing, review), missing: { ...c.missingDocument } };
    }
    if (review !== undefined) return { ...base, status: 'review', reason: review };
    return { ...base, status: 'met', reason: c.reasons.met };
  } catch {
    // Data the expressions cannot read (e.g. two values where one is expected) is a case for
    // a clinician, never a silent pass or a crashed node. No data goes into the reason.
    return { ...base, status: 'review', reason: 'The criterion could not be evaluated automatically on the data provided: clinical review' };
  }
}

function joinReasons(first: string, second: string | undefined): string {
  return second === undefined ? first : `${first}; ${second}`;
}

/** The display of an attached DocumentReference of the type the criterion asks for, if any. */
function attachedDocument(c: PolicyCriterion, view: readonly FhirResource[]): string | undefined {
  const want = c.missingDocument.code;
  if (!want) return undefined;
  const found = view.some(
    (r) =>
      r.resourceType === 'DocumentReference' &&
      ((r.type as { coding?: { system?: string; code?: string }[] } | undefined)?.coding ?? []).some((k) => k.system === want.system && k.code === want.code),
  );
  return found ? (want.display ?? 'document').toLowerCase() : undefined;
}

/**
 * Evaluates the criteria of one evaluator (payer or lab) on that evaluator's view. Results
 * are in the policy's criterion order.
 */
export function evaluateCriteria(policy: CoveragePolicy, resources: readonly FhirResource[], opts: EvaluateOptions): CriterionResult[] {
  return policy.criteria.filter((c) => c.evaluatedBy === opts.evaluatedBy).map((c) => evaluateOne(c, resources, opts.asOf));
}

const severity: Record<CriterionResult['status'], number> = { met: 0, review: 1, missing: 2, 'not-met': 3 };

export interface DecisionExtras {
  /** Pharmacogenomic and other caveats to attach to an approval (or a pend). */
  caveats: Caveat[];
  evidence?: { certainty: EvidenceCertainty; trials: string[] };
}

/**
 * Combines the payer's and the lab's criterion results into the decision. Precedence:
 *  1. deny when any criterion is not met (more documents cannot fix it), with every failed
 *     criterion's reason and X12 code;
 *  2. else pend when any criterion is missing data (request the documents) or needs clinical
 *     review; a criterion nobody evaluated counts as missing, so a lost artifact can never
 *     turn into an approval;
 *  3. else approve, carrying the caveats.
 * A denial carries no caveats: there is no therapy for them to qualify.
 */
export function decide(policy: CoveragePolicy, results: readonly CriterionResult[], extras: DecisionExtras): Decision {
  const known = new Set(policy.criteria.map((c) => c.id));
  for (const r of results) {
    if (!known.has(r.id)) throw new MurmurError('E_INPUT', `criterion result names an unknown criterion: ${r.id}`, { field: 'results.id', id: r.id });
  }
  const criteria: CriterionResult[] = policy.criteria.map((c) => {
    const mine = results.filter((r) => r.id === c.id);
    if (mine.length === 0) {
      return {
        id: c.id,
        title: c.title,
        evaluatedBy: c.evaluatedBy,
        status: 'missing',
        reason: `Not evaluated: ${c.reasons.missing}`,
        missing: { ...c.missingDocument },
        x12Reason: policy.x12PendReason,
      };
    }
    // If both views evaluated a criterion, the worse result stands.
    return mine.reduce((a, b) => (severity[b.status] > severity[a.status] ? b : a));
  });
  const notMet = criteria.filter((r) => r.status === 'not-met');
  const pending = criteria.filter((r) => r.status === 'missing' || r.status === 'review');
  const ref = { id: policy.id, version: policy.version };
  const withEvidence = extras.evidence ? { evidence: extras.evidence } : {};
  if (notMet.length > 0) {
    return { outcome: 'denied', policy: ref, criteria, reasons: notMet.map((r) => r.reason), missing: [], caveats: [], ...withEvidence };
  }
  if (pending.length > 0) {
    const missing: MissingDocument[] = [];
    for (const r of pending) {
      if (r.missing && !missing.some((m) => m.description === r.missing!.description)) missing.push(r.missing);
    }
    const marked = criteria.map((r) => (r.status === 'missing' || r.status === 'review' ? { ...r, x12Reason: r.x12Reason ?? policy.x12PendReason } : r));
    return { outcome: 'pended', policy: ref, criteria: marked, reasons: pending.map((r) => r.reason), missing, caveats: extras.caveats, ...withEvidence };
  }
  return { outcome: 'approved', policy: ref, criteria, reasons: [], missing: [], caveats: extras.caveats, ...withEvidence };
}
