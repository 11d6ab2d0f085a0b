import type { Bundle, BundleEntry, Claim, ClaimResponse, CommunicationRequest, Organization, Patient, Resource, Task } from '@medplum/fhirtypes';
import type { MissingDocument } from '../../core/agents/clinical/types.js';
import { MurmurError } from '../../core/common/errors.js';
import { describeIssue, validationIssues } from '../server/validation.js';
import { LOINC } from './codes.js';
import type { RequestUrls } from './identity.js';

/** The payer's own identifier system for the requests it tracks (its authorization / tracking numbers). */
export const PAYER_TRACKING_SYSTEM = 'http://northwind-health.example/fhir/pa-tracking-number';

export interface PasAnswerInput {
  /** The ClaimResponse as decided (from the coalition's pas-response artifact, or built by the payer). */
  claimResponse: ClaimResponse;
  /** The submitter's preauthorization Claim (for its identifier, patient and insurer). */
  claim: Claim;
  patient: Patient;
  insurer?: Organization;
  /** The payer's tracking number for the case. */
  trackingNumber: string;
  /** For a pend for missing information: what the provider should send. */
  missing?: readonly MissingDocument[];
  /** The requesting provider (Claim.provider), named as ClaimResponse.requestor. */
  requestor?: Resource;
  /** Where the request Bundle had its resources, and its identifier: the answer names them the same (spec-33). */
  echo?: RequestUrls;
  /**
   * For a pend for missing information under a policy with a DTR questionnaire: its canonical
   * (`url|version`). The answer then also asks for the questionnaire the PAS 2.2.1 way (LOINC
   * 102089-0, the tracking number as the DTR context) and carries a CDex Task to complete it.
   */
  questionnaire?: string;
  /** When the answer is made (the Task's authoredOn). */
  now?: string;
  newUuid: () => string;
}

const CDEX_TEMP = 'http://hl7.org/fhir/us/davinci-cdex/CodeSystem/cdex-temp';
const SDC_TEMP = 'http://hl7.org/fhir/uv/sdc/CodeSystem/temp';
const PAS_TEMP = 'http://hl7.org/fhir/us/davinci-pas/CodeSystem/PASTempCodes';
/** LOINC's code for "information requested through the payer's questionnaire" (PAS additional information). */
export const PAYER_QUESTIONNAIRE_LOINC = '102089-0';

/**
 * The response Bundle to `$submit` or `$inquire` (type collection, with an identifier): the
 * ClaimResponse first, then the Patient, insurer and requestor it names, under the fullUrls the
 * request gave them (spec-33), then one CommunicationRequest per missing document
 * (its reason is the LOINC attachment code, as PAS's additional-information flow asks). The
 * ClaimResponse refers to the submitter's Claim by its identifier (the payer's internal ids mean
 * nothing to the provider) and carries the payer's tracking number. Every resource is checked
 * against base R4 before it leaves: a response that fails is a bug and is not sent.
 */
export function pasAnswerBundle(input: PasAnswerInput): Bundle {
  const urn = (): string => `urn:uuid:${input.newUuid()}`;
  const echo = input.echo ?? {};
  const patientUrl = echo.patient ?? urn();
  const insurerUrl = input.insurer ? (echo.insurer ?? urn()) : undefined;
  const requestorUrl = input.requestor ? (echo.provider && echo.provider !== insurerUrl ? echo.provider : urn()) : undefined;
  const requests: { fullUrl: string; resource: CommunicationRequest }[] = (input.missing ?? []).map((doc) => ({
    fullUrl: urn(),
    resource: {
      resourceType: 'CommunicationRequest',
      status: 'active',
      subject: { reference: patientUrl },
      about: input.claim.identifier?.[0] ? [{ identifier: input.claim.identifier[0] }] : [],
      ...(doc.code
        ? {
            reasonCode: [
              { coding: [{ system: doc.code.system, code: doc.code.code, ...(doc.code.display ? { display: doc.code.display } : {}) }], text: doc.description },
            ],
          }
        : {}),
      payload: [{ contentString: `Please send: ${doc.description}${doc.code?.system === LOINC ? ` (LOINC ${doc.code.code})` : ''}.` }],
    },
  }));
  const asksQuestionnaire = input.questionnaire !== undefined && requests.length > 0;
  const tasks: { fullUrl: string; resource: Task }[] = [];
  if (asksQuestionnaire) {
    const canonical = input.questionnaire!;
    requests.push({
      fullUrl: urn(),
      resource: {
        resourceType: 'CommunicationRequest',
        status: 'active',
        identifier: [{ system: PAYER_TRACKING_SYSTEM, value: input.trackingNumber }],
        subject: { reference: patientUrl },
        about: input.claim.identifier?.[0] ? [{ identifier: input.claim.identifier[0] }] : [],
        reasonCode: [{ coding: [{ system: LOINC, code: PAYER_QUESTIONNAIRE_LOINC }], text: 'Complete the payer questionnaire' }],
        payload: [
          { contentString: `Complete questionnaire ${canonical} (DTR context ${input.trackingNumber}) and send the QuestionnaireResponse in a Claim update.` },
        ],
      },
    });
    tasks.push({
      fullUrl: urn(),
      resource: {
        resourceType: 'Task',
        meta: { profile: ['http://hl7.org/fhir/us/davinci-cdex/StructureDefinition/cdex-task-attachment-request'] },
        identifier: [{ system: PAYER_TRACKING_SYSTEM, value: input.trackingNumber }],
        status: 'requested',
        intent: 'order',
        code: { coding: [{ system: CDEX_TEMP, code: 'attachment-request-questionnaire' }] },
        for: { reference: patientUrl },
        ...(input.now ? { authoredOn: input.now } : {}),
        reasonCode: { coding: [{ system: CDEX_TEMP, code: 'preauthorization' }] },
        ...(input.claim.identifier?.[0] ? { reasonReference: { identifier: input.claim.identifier[0] } } : {}),
        // CDex names the questionnaire to fill with SDC's task input code `questionnaire`
        // (https://hl7.org/fhir/us/davinci-cdex/STU2/Task-cdex-task-example31.html); cdex-temp has no questionnaires-needed.
        // PAS 2.2.1 (Request for Additional Information): with 102089-0, the tracking number,
        // which is the DTR context, travels as a Task input too.
        input: [
          { type: { coding: [{ system: SDC_TEMP, code: 'questionnaire' }] }, valueCanonical: canonical },
          {
            type: { coding: [{ system: PAS_TEMP, code: 'attachments-needed' }] },
            valueCodeableConcept: { coding: [{ system: LOINC, code: PAYER_QUESTIONNAIRE_LOINC }] },
          },
          { type: { text: 'DTR context (payer tracking number)' }, valueIdentifier: { system: PAYER_TRACKING_SYSTEM, value: input.trackingNumber } },
        ],
      },
    });
  }
  const { id: _id, ...decided } = input.claimResponse;
  const claimResponse: ClaimResponse = {
    ...decided,
    identifier: [{ system: PAYER_TRACKING_SYSTEM, value: input.trackingNumber }],
    patient: { reference: patientUrl },
    ...(insurerUrl ? { insurer: { reference: insurerUrl, ...(input.insurer?.name ? { display: input.insurer.name } : {}) } } : {}),
    ...(requestorUrl ? { requestor: { reference: requestorUrl } } : {}),
    request: input.claim.identifier?.[0] ? { identifier: input.claim.identifier[0] } : decided.request,
    ...(requests.length > 0 ? { communicationRequest: requests.map((r) => ({ reference: r.fullUrl })) } : {}),
  };
  const entries: BundleEntry[] = [
    { fullUrl: urn(), resource: claimResponse },
    { fullUrl: patientUrl, resource: input.patient },
    ...(input.insurer && insurerUrl ? [{ fullUrl: insurerUrl, resource: input.insurer }] : []),
    ...(input.requestor && requestorUrl ? [{ fullUrl: requestorUrl, resource: input.requestor }] : []),
    ...requests,
    ...tasks,
  ];
  for (const e of entries) assertValid(e.resource!);
  // PAS response Bundles carry an identifier (1..1): the submitter's transaction id echoed, else the payer's tracking number.
  const identifier = echo.bundleIdentifier ?? { system: PAYER_TRACKING_SYSTEM, value: input.trackingNumber };
  return { resourceType: 'Bundle', identifier, type: 'collection', timestamp: claimResponse.created ?? new Date().toISOString(), entry: entries };
}

function assertValid(resource: Resource): void {
  const [issue] = validationIssues(resource);
  if (issue)
    throw new MurmurError('E_INTERNAL', `The outgoing ${resource.resourceType} is not valid FHIR R4: ${describeIssue(issue)}.`, {
      path: issue.expression?.[0] ?? resource.resourceType,
    });
}
