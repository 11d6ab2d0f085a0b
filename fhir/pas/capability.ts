import type { CapabilityStatement } from '@medplum/fhirtypes';
import { instanceCapabilities, smartSecurity } from '../server/capability-statement.js';

/** The topic a PAS submitter subscribes to (Subscriptions R5 Backport on R4). */
export const PAS_TOPIC = 'http://hl7.org/fhir/us/davinci-pas/SubscriptionTopic/PASSubscriptionTopic';

/** PAS's operation definitions, as the guide names them. */
export const PAS_SUBMIT_OPERATION = 'http://hl7.org/fhir/us/davinci-pas/OperationDefinition/Claim-submit';
export const PAS_INQUIRE_OPERATION = 'http://hl7.org/fhir/us/davinci-pas/OperationDefinition/Claim-inquiry';
export const PAS_SERVER_CAPABILITIES = 'http://hl7.org/fhir/us/davinci-pas/CapabilityStatement/IntermediaryCapabilities';
/** DTR's package operation; the CRD hooks are listed by CDS Hooks discovery (GET /cds-services), not here. */
export const DTR_PACKAGE_OPERATION = 'http://hl7.org/fhir/us/davinci-dtr/OperationDefinition/questionnaire-package';
export const PAS_IG = 'http://hl7.org/fhir/us/davinci-pas/ImplementationGuide/hl7.fhir.us.davinci-pas';
export const SUBSCRIPTIONS_BACKPORT_IG = 'http://hl7.org/fhir/uv/subscriptions-backport/ImplementationGuide/hl7.fhir.uv.subscriptions-backport';
const BACKPORT_SD = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';

/**
 * What the payer's PAS endpoint really serves: `Claim/$submit` and `Claim/$inquire`, rest-hook
 * Subscriptions for decisions on pended requests, and SMART backend-services security (the
 * token endpoint is named in the security extension, as SMART asks).
 */
export function pasCapabilityStatement(baseUrl: string, tokenUrl: string, date: string): CapabilityStatement {
  return {
    ...instanceCapabilities({
      software: 'Murmur payer PAS endpoint',
      description: 'Da Vinci PAS prior-authorization interface of the payer organization node',
      baseUrl,
      date,
    }),
    // The payer (or its intermediary) is the server of PAS: it instantiates that side, not the EHR's.
    instantiates: [PAS_SERVER_CAPABILITIES],
    implementationGuide: [PAS_IG, SUBSCRIPTIONS_BACKPORT_IG],
    rest: [
      {
        mode: 'server',
        documentation:
          'A $submit answers with the decision when the coalition reaches it within the wait, else pended (A4, outcome queued); ' +
          'a Claim update (Claim.related.claim → the prior Claim) resumes the same case. Decisions on pended requests are ' +
          'pushed to rest-hook Subscriptions (criteria: the PAS topic, filtered by org-identifier) with a handshake, heartbeats and retries, ' +
          'and $inquire (a Parameters of response Bundles) answers at any time.',
        security: {
          cors: false,
          ...smartSecurity(
            tokenUrl,
            'SMART backend services: client credentials with a private_key_jwt assertion; scopes system/Claim.c (submit), system/Claim.r (inquire), system/Subscription.c|r.',
          ),
        },
        resource: [
          {
            // DTR: the questionnaire generated from the policy the Claim item's code selects.
            type: 'Questionnaire',
            operation: [{ name: 'questionnaire-package', definition: DTR_PACKAGE_OPERATION }],
          },
          {
            type: 'Claim',
            operation: [
              { name: 'submit', definition: PAS_SUBMIT_OPERATION },
              { name: 'inquire', definition: PAS_INQUIRE_OPERATION },
            ],
          },
          {
            type: 'Subscription',
            supportedProfile: [`${BACKPORT_SD}/backport-subscription`],
            extension: [{ url: `${BACKPORT_SD}/capabilitystatement-subscriptiontopic-canonical`, valueCanonical: PAS_TOPIC }],
            interaction: [{ code: 'create' }, { code: 'read' }, { code: 'delete' }],
            operation: [{ name: 'status', definition: `http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition/backport-subscription-status` }],
          },
        ],
      },
    ],
  };
}
