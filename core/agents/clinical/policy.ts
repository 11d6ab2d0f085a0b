import { z } from 'zod';
import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import northwindZolgensma from './policies/northwind-zolgensma.json' with { type: 'json' };
import northwindManualReview from './policies/northwind-manual-review.json' with { type: 'json' };
import northwindNusinersen from './policies/northwind-nusinersen.json' with { type: 'json' };
import northwindRisdiplam from './policies/northwind-risdiplam.json' with { type: 'json' };
import northwindElevidys from './policies/northwind-elevidys.json' with { type: 'json' };
import northwindHemgenix from './policies/northwind-hemgenix.json' with { type: 'json' };
import { DATA_ELEMENTS } from './types.js';
import { MurmurError } from '../../common/errors.js';
import { canonicalJson } from '../../common/canonical.js';
import { sha256Hex } from '../../common/hash.js';

/**
 * A coverage policy as data: a payer changes criteria, thresholds and reasons by editing the
 * JSON, never the code. Each criterion is a set of FHIRPath expressions over the evaluator's
 * minimum-necessary view, with these environment variables:
 *   %resources   the resources of the view (only the elements the criterion lists, at most)
 *   %claim       the preauthorization Claim, if in the view
 *   %patient     the Patient (demographics projection), if in the view
 *   %plannedDate the planned date of service (Claim item servicedDate, else the asOf date)
 *   %asOf        the evaluation date
 *   %<name>      each of the criterion's `parameters` (thresholds kept out of the expressions)
 */

/** Names the evaluator binds; a parameter may not shadow one. */
export const RESERVED_VARIABLES = [
  'resources',
  'claim',
  'patient',
  'plannedDate',
  'asOf',
  'context',
  'resource',
  'rootResource',
  'ucum',
  'sct',
  'loinc',
  'factory',
  'terminologies',
] as const;

const expression = z.string().trim().min(1, 'must be a non-empty FHIRPath expression');
const coding = z.object({ system: z.string().url(), code: z.string().min(1), display: z.string().optional() });
const parameterValue = z.union([z.number(), z.string(), z.array(z.union([z.number(), z.string()]))]);

export const CriterionSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be a lowercase kebab-case id'),
    number: z.number().int().positive(),
    title: z.string().min(1),
    evaluatedBy: z.enum(['payer', 'lab']),
    elements: z.array(z.enum(DATA_ELEMENTS)).min(1, 'must list the data elements the criterion reads'),
    parameters: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/), parameterValue).optional(),
    /** True when data the criterion needs is absent → pend with a request for `missingDocument`. */
    missing: expression,
    /** True when the criterion fails → deny. */
    notMet: expression,
    /** True when a clinician must look → pend for clinical review. */
    review: expression.optional(),
    reasons: z.object({ met: z.string().min(1), notMet: z.string().min(1), missing: z.string().min(1), review: z.string().min(1).optional() }),
    x12Reason: z.string().min(1),
    missingDocument: z.object({ code: coding.optional(), description: z.string().min(1) }),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.review !== undefined && c.reasons.review === undefined) {
      ctx.addIssue({ code: 'custom', path: ['reasons', 'review'], message: 'is required when the criterion has a review expression' });
    }
    for (const name of Object.keys(c.parameters ?? {})) {
      if ((RESERVED_VARIABLES as readonly string[]).includes(name)) {
        ctx.addIssue({ code: 'custom', path: ['parameters', name], message: 'shadows a variable the evaluator binds' });
      }
    }
  });

export const PolicySchema = z
  .object({
    id: z.string().min(1),
    version: z.string().min(1),
    title: z.string().min(1),
    payer: z.string().min(1),
    /** The service (HCPCS/CPT code) the policy governs; absent only on the manual-review policy. */
    service: coding.optional(),
    /**
     * The same service in other code systems an order or Claim item may use (RxNorm for a
     * drug ordered by ingredient, NDC for a package, HCPCS for the J-code): any of them selects
     * the policy, so a request never falls to manual review for the code system it chose.
     */
    alsoCoded: z.array(coding).max(50).optional(),
    /**
     * The payer's answer for services no policy covers: no criteria, every item pended for a
     * person to review (so a request for any service gets an answer, never a stalled case).
     */
    manualReview: z.literal(true).optional(),
    /** The code system the criteria's x12Reason codes come from. */
    x12ReasonSystem: z.string().url(),
    /** The reason code a pend (missing data, clinical review) carries. */
    x12PendReason: z.string().min(1),
    criteria: z.array(CriterionSchema),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.manualReview) {
      if (p.criteria.length > 0) ctx.addIssue({ code: 'custom', path: ['criteria'], message: 'must be empty on the manual-review policy' });
    } else {
      if (p.criteria.length === 0) ctx.addIssue({ code: 'custom', path: ['criteria'], message: 'must list at least one criterion' });
      if (!p.service) ctx.addIssue({ code: 'custom', path: ['service'], message: 'is required (the service the policy governs)' });
    }
    const seen = new Set<string>();
    p.criteria.forEach((c, i) => {
      if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: ['criteria', i, 'id'], message: `duplicates criterion id ${c.id}` });
      seen.add(c.id);
    });
  });

export type PolicyCriterion = z.infer<typeof CriterionSchema>;
export type CoveragePolicy = z.infer<typeof PolicySchema>;

function path(parts: readonly PropertyKey[]): string {
  return parts.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

/** `criteria[3] (no-prior-infusion).notMet`: the field, and the criterion by its id when it has one. */
function fieldName(parts: readonly PropertyKey[], input: unknown): string {
  if (parts[0] !== 'criteria' || typeof parts[1] !== 'number') return path(parts) || '(root)';
  const id = (input as { criteria?: { id?: unknown }[] } | null)?.criteria?.[parts[1]]?.id;
  const head = `criteria[${parts[1]}]${typeof id === 'string' && id ? ` (${id})` : ''}`;
  const rest = path(parts.slice(2));
  return rest ? `${head}${rest.startsWith('[') ? '' : '.'}${rest}` : head;
}

/** Variables an expression names (`%name`), the FHIRPath built-ins aside. */
function variablesOf(expression: string): string[] {
  return [...expression.matchAll(/%([A-Za-z][A-Za-z0-9]*)/g)].map((m) => m[1]!);
}

/**
 * Validates a policy document (schema, then every FHIRPath expression compiles). Throws
 * `E_SCHEMA` naming the field, e.g. `criteria[3].notMet: must be a non-empty FHIRPath expression`.
 */
export function parsePolicy(input: unknown): CoveragePolicy {
  const parsed = PolicySchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${fieldName(i.path, input)}: ${i.message}`);
    throw new MurmurError('E_SCHEMA', `invalid coverage policy: ${issues.join('; ')}`, { fields: parsed.error.issues.map((i) => path(i.path)) });
  }
  const policy = parsed.data;
  const issues: { field: string; message: string }[] = [];
  policy.criteria.forEach((c, i) => {
    const bound = new Set<string>([...RESERVED_VARIABLES, ...Object.keys(c.parameters ?? {})]);
    for (const field of ['missing', 'notMet', 'review'] as const) {
      const expr = c[field];
      if (expr === undefined) continue;
      const at = fieldName(['criteria', i, field], policy);
      try {
        fhirpath.compile(expr, r4Model);
      } catch {
        issues.push({ field: at, message: 'is not a valid FHIRPath expression' });
        continue;
      }
      // An unbound variable compiles but throws on every evaluation: the criterion would
      // always go to review, so the file is refused instead.
      for (const name of new Set(variablesOf(expr))) {
        if (!bound.has(name))
          issues.push({ field: at, message: `uses %${name}, which is neither a parameter of the criterion nor a variable the evaluator binds` });
      }
    }
  });
  if (issues.length > 0) {
    throw new MurmurError('E_SCHEMA', `invalid coverage policy: ${issues.map((x) => `${x.field}: ${x.message}`).join('; ')}`, {
      fields: issues.map((x) => x.field),
    });
  }
  return policy;
}

/** sha256 of the policy's canonical JSON (RFC 8785): what the board pins a decision to. */
export function policyHash(policy: CoveragePolicy): string {
  return sha256Hex(canonicalJson(policy));
}

/** The shipped Northwind policy for Zolgensma, validated once at load. */
export const northwindZolgensmaPolicy: CoveragePolicy = parsePolicy(northwindZolgensma);

/** The payer's manual-review answer for services without a policy. */
export const northwindManualReviewPolicy: CoveragePolicy = parsePolicy(northwindManualReview);

/** The payer's genomic-medicine portfolio beside Zolgensma (public payer criteria, as data). */
export const northwindNusinersenPolicy: CoveragePolicy = parsePolicy(northwindNusinersen);
export const northwindRisdiplamPolicy: CoveragePolicy = parsePolicy(northwindRisdiplam);
export const northwindElevidysPolicy: CoveragePolicy = parsePolicy(northwindElevidys);
export const northwindHemgenixPolicy: CoveragePolicy = parsePolicy(northwindHemgenix);

/** Every policy the payer ships, coverage policies first (the manual review is the last resort). */
export const SHIPPED_POLICIES: readonly CoveragePolicy[] = [
  northwindZolgensmaPolicy,
  northwindNusinersenPolicy,
  northwindRisdiplamPolicy,
  northwindElevidysPolicy,
  northwindHemgenixPolicy,
  northwindManualReviewPolicy,
];

/** The data elements the criteria of one evaluator read: what its FHIR view must contain. */
export function elementsFor(policy: CoveragePolicy, evaluatedBy: 'payer' | 'lab'): (typeof DATA_ELEMENTS)[number][] {
  return [...new Set(policy.criteria.filter((c) => c.evaluatedBy === evaluatedBy).flatMap((c) => c.elements))];
}
