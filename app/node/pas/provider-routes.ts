import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import type { CoveragePolicy } from '../../../core/agents/clinical/policy.js';
import { crdDiscovery, hookOfService } from '../../../fhir/crd/discovery.js';
import { answerOrderHook, type CdsResponse } from '../../../fhir/crd/order-hooks.js';
import { questionnairePackage } from '../../../fhir/dtr/package-operation.js';
import { QUESTIONNAIRE_BASE } from '../../../fhir/dtr/questionnaire.js';

/**
 * The provider-facing routes beside PAS, as plain handlers (input: the parsed JSON body; output: the
 * answer body), so any HTTP layer can mount
 * them (questionnaires are named by canonical, whatever the address): CRD discovery and order hooks, DTR $questionnaire-package. All three read the same
 * policies the coalition decides with.
 */
export interface ProviderRoutes {
  discovery(): unknown;
  /** undefined when the service id is not one of ours (404). */
  hook(serviceId: string, body: unknown): CdsResponse | undefined;
  /** `clientId`: the caller, whose pended requests a DTR context may name. */
  questionnairePackage(body: unknown, clientId: string): Resource;
}

export function providerRoutes(o: {
  policies: readonly CoveragePolicy[];
  payer: string;
  now?: () => Date;
  newId?: () => string;
  /** The policy of the caller's pended request a DTR context (tracking number) names. */
  policyForContext?: (clientId: string, context: string) => CoveragePolicy | undefined;
}): ProviderRoutes {
  const now = o.now ?? (() => new Date());
  const newId = o.newId ?? randomUUID;
  return {
    discovery: () => crdDiscovery(o.payer),
    hook(serviceId, body) {
      const hook = hookOfService(serviceId);
      return hook ? answerOrderHook(hook, body, { policies: o.policies, questionnaireBase: QUESTIONNAIRE_BASE, now, newId }) : undefined;
    },
    questionnairePackage: (body, clientId) =>
      questionnairePackage(body, {
        policies: o.policies,
        base: QUESTIONNAIRE_BASE,
        now,
        ...(o.policyForContext ? { policyForContext: (context: string) => o.policyForContext!(clientId, context) } : {}),
      }),
  };
}
