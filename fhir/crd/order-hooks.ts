import type { Extension, Resource, Task } from '@medplum/fhirtypes';
import { policyForClaim } from '../../core/agents/clinical/items.js';
import type { CoveragePolicy } from '../../core/agents/clinical/policy.js';
import type { FhirResource } from '../../core/agents/clinical/types.js';
import { coverageInformation, COVERAGE_INFORMATION, type CoverageAssertion } from './coverage-information.js';
import type { CrdHook } from './discovery.js';
import { parseOrderHookRequest, type OrderHookRequest } from './hook-request.js';

/**
 * CRD's answer to `order-sign` and `order-select`, derived from the same coverage policies the
 * coalition decides PAS requests with: for each order, the coverage-information extension as
 * a system action (PA needed, documentation needed, the DTR questionnaire of the policy), and
 * cards a clinician reads. An order no policy governs gets the manual-review answer the PAS
 * path would give it: conditional, a person reviews.
 */

export interface CrdDeps {
  policies: readonly CoveragePolicy[];
  /** The FHIR base the policies' Questionnaires are published under (DTR). */
  questionnaireBase: string;
  now: () => Date;
  newId: () => string;
}

export interface CdsCard {
  uuid: string;
  summary: string;
  detail?: string;
  indicator: 'info' | 'warning' | 'critical';
  source: { label: string; topic?: { system: string; code: string; display?: string } };
  suggestions?: { label: string; uuid: string; actions: { type: 'create' | 'update' | 'delete'; description: string; resource?: Resource }[] }[];
  selectionBehavior?: 'at-most-one' | 'any';
}
export interface CdsResponse {
  cards: CdsCard[];
  systemActions: { type: 'update'; description: string; resource: Resource }[];
}

const ORDER_TYPES = [
  'MedicationRequest',
  'ServiceRequest',
  'DeviceRequest',
  'NutritionOrder',
  'VisionPrescription',
  'CommunicationRequest',
  'Appointment',
] as const;
/**
 * CRD 2.x card types (the `_cardType` codes of the IG's temporary code system,
 * https://hl7.org/fhir/us/davinci-crd/ValueSet-cardType.html): coverage, PA and documentation
 * requirements are all `coverage-info`; a card asking for the Coverage is `insurance`. CRD 1.x's
 * `prior-auth` and `documentation` (another code system) are not CRD 2.x codes.
 */
export const CARD_TYPE = 'http://hl7.org/fhir/us/davinci-crd/CodeSystem/temp';
const COVERAGE_INFO = { system: CARD_TYPE, code: 'coverage-info', display: 'Coverage Information' } as const;
const SDC_TEMP = 'http://hl7.org/fhir/uv/sdc/CodeSystem/temp';

interface Coding {
  system?: string;
  code?: string;
  display?: string;
}
type Order = FhirResource & { insurance?: { reference?: string }[]; extension?: Extension[] };

/** The codes that name what an order asks for, wherever its resource type keeps them. */
function orderCodings(order: Order): Coding[] {
  const cc = (v: unknown) => (v as { coding?: Coding[] } | undefined)?.coding ?? [];
  return [...cc(order.medicationCodeableConcept), ...cc(order.code), ...cc(order.codeCodeableConcept), ...cc(order.serviceType)];
}

function coverageOf(order: Order, request: OrderHookRequest): string | undefined {
  const own = order.insurance?.find((i) => i.reference?.startsWith('Coverage/'))?.reference;
  if (own) return own;
  const pre = request.prefetch?.coverage as (FhirResource & { entry?: { resource?: FhirResource }[] }) | null | undefined;
  const found = pre?.resourceType === 'Coverage' ? pre : pre?.entry?.map((e) => e.resource).find((r) => r?.resourceType === 'Coverage');
  return found?.id ? `Coverage/${found.id}` : undefined;
}

export function questionnaireCanonical(base: string, policy: CoveragePolicy): string {
  return `${base}/Questionnaire/${policy.id}|${policy.version}`;
}

const clip = (s: string, n = 140) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

/** Answers one order hook; E_INPUT (naming the field) for a request that is not one. */
export function answerOrderHook(hook: CrdHook, body: unknown, deps: CrdDeps): CdsResponse {
  const request = parseOrderHookRequest(hook, body);
  const all = (request.context.draftOrders.entry ?? []).flatMap((e) => (e.resource ? [e.resource as Order] : []));
  const selections = request.hook === 'order-select' ? request.context.selections : undefined;
  const selected = selections ? new Set(selections) : undefined;
  const orders = all.filter((o) => (ORDER_TYPES as readonly string[]).includes(o.resourceType) && (!selected || selected.has(`${o.resourceType}/${o.id}`)));
  const date = deps.now().toISOString().slice(0, 10);
  const out: CdsResponse = { cards: [], systemActions: [] };

  for (const order of orders) {
    const codings = orderCodings(order);
    const policy = policyForClaim({ resourceType: 'Claim', item: [{ sequence: 1, productOrService: { coding: codings } }] }, deps.policies);
    const coverage = coverageOf(order, request);
    const label = policy.service?.display ?? codings.find((c) => c.display)?.display ?? codings[0]?.code ?? 'the order';
    // The requirements follow from the policy, not the plan: answered even without a Coverage,
    // with a card asking for it (the assertion then names no Coverage).
    if (!coverage) {
      out.cards.push({
        uuid: deps.newId(),
        summary: clip(`No Coverage sent with the order for ${label}: send the patient's active Coverage (prefetch "coverage")`),
        indicator: 'warning',
        source: { label: policy.payer, topic: { system: CARD_TYPE, code: 'insurance', display: 'Insurance' } },
      });
    }
    const assertion: CoverageAssertion = policy.manualReview
      ? {
          coverage,
          covered: 'conditional',
          paNeeded: 'conditional',
          infoNeeded: ['OR'],
          reason: `No coverage policy at ${policy.payer} for this service: a prior authorization request is reviewed by a person`,
          date,
          assertionId: deps.newId(),
        }
      : {
          coverage,
          covered: 'covered',
          paNeeded: 'auth-needed',
          docNeeded: ['clinical'],
          docPurpose: ['withpa'],
          questionnaires: [questionnaireCanonical(deps.questionnaireBase, policy)],
          ...(policy.service ? { billingCode: { ...policy.service } } : {}),
          date,
          assertionId: deps.newId(),
        };
    const extension = [...(order.extension ?? []).filter((e) => e.url !== COVERAGE_INFORMATION), coverageInformation(assertion)];
    out.systemActions.push({
      type: 'update',
      description: `Coverage information for ${order.resourceType}/${order.id ?? ''}`,
      resource: { ...order, extension } as unknown as Resource,
    });
    if (policy.manualReview) {
      out.cards.push({
        uuid: deps.newId(),
        summary: clip(`${label}: prior authorization reviewed by a person (no coverage policy)`),
        indicator: 'info',
        source: { label: policy.payer, topic: { ...COVERAGE_INFO } },
      });
      continue;
    }
    const documents = [...new Set(policy.criteria.map((c) => c.missingDocument.description))];
    out.cards.push({
      uuid: deps.newId(),
      summary: clip(`Prior authorization needed: ${policy.title}`),
      detail: [
        `${policy.payer} policy ${policy.id} (version ${policy.version}) requires prior authorization. Criteria:`,
        ...policy.criteria.map((c) => `- ${c.title}`),
        '',
        'Documentation the request needs:',
        ...documents.map((d) => `- ${d}`),
      ].join('\n'),
      indicator: 'info',
      source: { label: policy.payer, topic: { ...COVERAGE_INFO } },
    });
    const task: Task = {
      resourceType: 'Task',
      status: 'ready',
      intent: 'order',
      code: { coding: [{ system: SDC_TEMP, code: 'complete-questionnaire' }] },
      description: clip(`Complete the ${policy.payer} documentation questionnaire for ${label}`, 200),
      for: { reference: `Patient/${request.context.patientId}` },
      ...(order.id ? { focus: { reference: `${order.resourceType}/${order.id}` } } : {}),
      authoredOn: deps.now().toISOString(),
      input: [{ type: { coding: [{ system: SDC_TEMP, code: 'questionnaire' }] }, valueCanonical: questionnaireCanonical(deps.questionnaireBase, policy) }],
    };
    out.cards.push({
      uuid: deps.newId(),
      summary: clip(`Documentation questionnaire for ${label}`),
      indicator: 'info',
      source: { label: policy.payer, topic: { ...COVERAGE_INFO } },
      suggestions: [
        {
          label: 'Add a task to complete the questionnaire',
          uuid: deps.newId(),
          actions: [{ type: 'create', description: 'Complete the payer questionnaire (DTR)', resource: task }],
        },
      ],
      selectionBehavior: 'at-most-one',
    });
  }
  return out;
}
