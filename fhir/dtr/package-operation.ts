import type { Bundle, Parameters } from '@medplum/fhirtypes';
import { z } from 'zod';
import { policyForClaim } from '../../core/agents/clinical/items.js';
import type { CoveragePolicy } from '../../core/agents/clinical/policy.js';
import type { FhirResource } from '../../core/agents/clinical/types.js';
import { MurmurError } from '../../core/common/errors.js';
import { checkJsonLimits } from '../pas/limits.js';
import { questionnaireForPolicy, questionnaireUrl } from './questionnaire.js';

/**
 * DTR `Questionnaire/$questionnaire-package`: the input Parameters (coverage 1..*, then at least
 * one of order, questionnaire, context) name the policies; the output has one PackageBundle per
 * policy (its Questionnaire and ValueSets).
 */
const resource = z.looseObject({ resourceType: z.string().regex(/^[A-Z][A-Za-z]{1,63}$/) });
const InputParameters = z.looseObject({
  resourceType: z.literal('Parameters'),
  parameter: z
    .array(
      z.looseObject({
        name: z.string().min(1).max(64),
        resource: resource.optional(),
        valueCanonical: z.string().max(512).optional(),
        valueString: z.string().max(512).optional(),
      }),
    )
    .min(1)
    .max(100),
});

const ORDER_CODES = (r: FhirResource): unknown[] =>
  ['medicationCodeableConcept', 'code', 'codeCodeableConcept', 'serviceType'].flatMap((k) => (r[k] as { coding?: unknown[] } | undefined)?.coding ?? []);

export interface PackageOptions {
  policies: readonly CoveragePolicy[];
  base: string;
  now: () => Date;
  /** The policy of the pended request a DTR context (the payer's tracking number) names, for this caller. */
  policyForContext?: (context: string) => CoveragePolicy | undefined;
}

export function questionnairePackage(body: unknown, o: PackageOptions): Parameters {
  checkJsonLimits(body);
  const parsed = InputParameters.safeParse(body);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new MurmurError('E_INPUT', `The $questionnaire-package input is not valid Parameters: ${i.path.join('.') || '(root)'}: ${i.message}.`, {
      path: `Parameters.${i.path.join('.')}`,
    });
  }
  const params = parsed.data.parameter;
  if (!params.some((p) => p.name === 'coverage' && p.resource?.resourceType === 'Coverage')) {
    throw new MurmurError('E_INPUT', 'The $questionnaire-package input needs a coverage parameter holding a Coverage.', {
      path: 'Parameters.parameter.coverage',
    });
  }
  const orders = params.filter((p) => p.name === 'order' && p.resource).map((p) => p.resource as FhirResource);
  const canonicals = params.filter((p) => p.name === 'questionnaire').map((p) => p.valueCanonical);
  if (orders.length === 0 && canonicals.length === 0 && !params.some((p) => p.name === 'context')) {
    throw new MurmurError('E_INPUT', 'The $questionnaire-package input needs at least one of order, questionnaire or context.', {
      path: 'Parameters.parameter',
    });
  }
  const chosen = new Map<string, CoveragePolicy>();
  for (const [i, canonical] of canonicals.entries()) {
    if (!canonical)
      throw new MurmurError('E_INPUT', `questionnaire parameter ${i} has no valueCanonical.`, { path: `Parameters.parameter.questionnaire[${i}]` });
    const [url, version] = canonical.split('|');
    const policy = o.policies.find((p) => !p.manualReview && questionnaireUrl(o.base, p) === url);
    if (!policy) throw new MurmurError('E_NOT_FOUND', `No questionnaire ${url} at this payer.`, { path: `Parameters.parameter.questionnaire[${i}]` });
    if (version && version !== policy.version) {
      throw new MurmurError('E_NOT_FOUND', `Questionnaire ${url} is at version ${policy.version}; version ${version} is no longer used.`, {
        path: `Parameters.parameter.questionnaire[${i}]`,
      });
    }
    chosen.set(policy.id, policy);
  }
  for (const [i, p] of params.filter((x) => x.name === 'context').entries()) {
    const policy = p.valueString ? o.policyForContext?.(p.valueString) : undefined;
    if (!policy) throw new MurmurError('E_NOT_FOUND', 'No pended request of this client has that DTR context.', { path: `Parameters.parameter.context[${i}]` });
    chosen.set(policy.id, policy);
  }
  for (const order of orders) {
    const policy = policyForClaim({ resourceType: 'Claim', item: [{ sequence: 1, productOrService: { coding: ORDER_CODES(order) } }] }, o.policies);
    if (!policy.manualReview) chosen.set(policy.id, policy);
  }
  if (chosen.size === 0)
    throw new MurmurError('E_NOT_FOUND', 'No coverage policy of this payer governs the orders named: no questionnaire to fill.', {
      path: 'Parameters.parameter.order',
    });
  const timestamp = o.now().toISOString();
  return {
    resourceType: 'Parameters',
    parameter: [...chosen.values()].map((policy) => {
      const pkg = questionnaireForPolicy(policy, o.base);
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'collection',
        timestamp,
        entry: [pkg.questionnaire, ...pkg.valueSets].map((resource) => ({ fullUrl: resource.url!, resource })),
      };
      return { name: 'PackageBundle', resource: bundle };
    }),
  };
}
