import { z } from 'zod';
import { decide, evaluateCriteria } from './criteria.js';
import { selectElements } from './elements.js';
import { withQuestionnaireAnswers } from './answers.js';
import { elementsFor, type CoveragePolicy } from './policy.js';
import type { CriterionStatus, FhirResource, Outcome } from './types.js';
import { MurmurError } from '../../common/errors.js';

/**
 * A policy's synthetic cases, as data beside the policy: one patient record that the policy
 * approves, and per case what is removed, replaced (by id) or added and what the policy must
 * decide. `murmur policy check` and the tests run them; fhir/synthetic turns them into PAS
 * requests for the coalition.
 */

const MAX_RESOURCES = 200;
const resource = z
  .object({ resourceType: z.string().regex(/^[A-Z][A-Za-z]{1,63}$/), id: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'must be a FHIR id') })
  .passthrough();
const status = z.enum(['met', 'not-met', 'missing', 'review']);

export const PolicyCaseSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be a lowercase kebab-case id'),
    description: z.string().min(1).max(300),
    remove: z.array(z.string().min(1)).max(MAX_RESOURCES).optional(),
    replace: z.array(resource).max(MAX_RESOURCES).optional(),
    add: z.array(resource).max(MAX_RESOURCES).optional(),
    /** The outcome, and the status of every criterion that is not met (the others must be met). */
    expect: z.object({ outcome: z.enum(['approved', 'denied', 'pended']), criteria: z.record(z.string(), status) }).strict(),
  })
  .strict();

export const PolicyCasesSchema = z
  .object({
    policy: z.string().min(1),
    record: z.array(resource).min(1).max(MAX_RESOURCES),
    cases: z.array(PolicyCaseSchema).min(1).max(100),
  })
  .strict();

export type PolicyCase = z.infer<typeof PolicyCaseSchema>;
export type PolicyCases = z.infer<typeof PolicyCasesSchema>;

function fieldOf(parts: readonly PropertyKey[]): string {
  return parts.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('') || '(root)';
}

/** Validates a cases document against its policy: every named criterion and resource exists. */
export function parsePolicyCases(input: unknown, policy: CoveragePolicy): PolicyCases {
  const parsed = PolicyCasesSchema.safeParse(input);
  if (!parsed.success) {
    throw new MurmurError('E_SCHEMA', `invalid policy cases: ${parsed.error.issues.map((i) => `${fieldOf(i.path)}: ${i.message}`).join('; ')}`);
  }
  const doc = parsed.data;
  const issues: string[] = [];
  if (doc.policy !== policy.id) issues.push(`policy: names ${doc.policy}, not ${policy.id}`);
  const ids = new Set(doc.record.map((r) => `${r.resourceType}/${r.id}`));
  const plain = new Set(doc.record.map((r) => r.id));
  const criteria = new Set(policy.criteria.map((c) => c.id));
  const seen = new Set<string>();
  doc.cases.forEach((c, i) => {
    if (seen.has(c.id)) issues.push(`cases[${i}] (${c.id}).id: duplicates case id ${c.id}`);
    seen.add(c.id);
    for (const id of c.remove ?? []) if (!plain.has(id)) issues.push(`cases[${i}] (${c.id}).remove: no resource ${id} in the record`);
    for (const r of c.replace ?? [])
      if (!ids.has(`${r.resourceType}/${r.id}`)) issues.push(`cases[${i}] (${c.id}).replace: no ${r.resourceType}/${r.id} in the record`);
    for (const id of Object.keys(c.expect.criteria))
      if (!criteria.has(id)) issues.push(`cases[${i}] (${c.id}).expect.criteria: ${id} is not a criterion of ${policy.id}`);
  });
  if (issues.length > 0) throw new MurmurError('E_SCHEMA', `invalid policy cases: ${issues.join('; ')}`);
  return doc;
}

/** The record of one case: the policy's record with the case's changes. */
export function caseRecord(doc: PolicyCases, c: PolicyCase): FhirResource[] {
  const remove = new Set(c.remove ?? []);
  const replace = new Map((c.replace ?? []).map((r) => [`${r.resourceType}/${r.id}`, r]));
  const kept = doc.record.filter((r) => !remove.has(r.id)).map((r) => replace.get(`${r.resourceType}/${r.id}`) ?? r);
  return structuredClone([...kept, ...(c.add ?? [])]) as FhirResource[];
}

export interface CaseRow {
  case: string;
  expected: Outcome;
  got: Outcome;
  /** Criteria not met, `id=status`, in policy order. */
  criteria: string[];
  ok: boolean;
  /** What differs, when not ok. */
  mismatch?: string;
}

/** Each evaluator's criteria on its own minimum-necessary view, then the decision. */
export function decideRecord(policy: CoveragePolicy, given: readonly FhirResource[]): { outcome: Outcome; statuses: Map<string, CriterionStatus> } {
  const record = withQuestionnaireAnswers(given);
  const lab = evaluateCriteria(policy, selectElements(record, elementsFor(policy, 'lab')), { evaluatedBy: 'lab' });
  const payer = evaluateCriteria(policy, selectElements(record, [...new Set([...elementsFor(policy, 'payer'), 'claim' as const])]), { evaluatedBy: 'payer' });
  const decision = decide(policy, [...lab, ...payer], { caveats: [] });
  return { outcome: decision.outcome, statuses: new Map(decision.criteria.map((r) => [r.id, r.status])) };
}

/** Runs every case; a row is ok when the outcome and every criterion's status are as expected. */
export function checkPolicyCases(policy: CoveragePolicy, doc: PolicyCases): CaseRow[] {
  return doc.cases.map((c) => {
    const { outcome, statuses } = decideRecord(policy, caseRecord(doc, c));
    const criteria = policy.criteria.filter((k) => statuses.get(k.id) !== 'met').map((k) => `${k.id}=${statuses.get(k.id)}`);
    const want = policy.criteria.filter((k) => (c.expect.criteria[k.id] ?? 'met') !== 'met').map((k) => `${k.id}=${c.expect.criteria[k.id]}`);
    const wrong: string[] = [];
    if (outcome !== c.expect.outcome) wrong.push(`outcome ${outcome}, expected ${c.expect.outcome}`);
    if (criteria.join(',') !== want.join(',')) wrong.push(`criteria ${criteria.join(',') || 'all met'}, expected ${want.join(',') || 'all met'}`);
    return { case: c.id, expected: c.expect.outcome, got: outcome, criteria, ok: wrong.length === 0, ...(wrong.length ? { mismatch: wrong.join('; ') } : {}) };
  });
}
