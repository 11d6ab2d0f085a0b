import { getResourceTypes } from '@medplum/core';
import type { CapabilityStatement } from '@medplum/fhirtypes';
import { loadFhirDefinitions } from './definitions.js';

const RESOURCE_INTERACTIONS = ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'create', 'search-type'] as const;

/**
 * What this server really does (4.5.2's router has no /metadata of its own). It leaves out
 * what the engine lacks: _include, chaining, composite parameters, paging links, $everything,
 * $validate and compartment search. Bare ids in reference parameters are normalised to Type/id.
 */
export function capabilityStatement(baseUrl: string, date: string, smart?: { tokenUrl: string }): CapabilityStatement {
  loadFhirDefinitions();
  return {
    ...instanceCapabilities({
      software: 'Murmur embedded FHIR server (@medplum/fhir-router 4.x)',
      description: 'In-process FHIR R4 server with an fsynced write journal',
      baseUrl,
      date,
    }),
    patchFormat: ['application/json-patch+json'],
    rest: [
      {
        mode: 'server',
        // SMART App Launch: clients learn from /metadata (public) that tokens are required and where to get one.
        ...(smart ? { security: smartSecurity(smart.tokenUrl) } : {}),
        documentation:
          'Writes are validated against base R4 structure (not terminology bindings), journaled and fsynced before ' +
          'the answer; transactions are atomic. Search: no _include, chaining, composite parameters or paging links.',
        resource: getResourceTypes().map((type) => ({
          type,
          interaction: RESOURCE_INTERACTIONS.map((code) => ({ code })),
          versioning: 'versioned' as const,
          readHistory: true,
          updateCreate: true,
          conditionalCreate: true,
          conditionalUpdate: true,
          conditionalDelete: 'single' as const,
        })),
        interaction: [{ code: 'transaction' }, { code: 'batch' }, { code: 'search-system' }],
      },
    ],
  };
}

/** The fields every Murmur endpoint's CapabilityStatement shares: an R4 JSON server instance. */
export function instanceCapabilities(o: { software: string; description: string; baseUrl: string; date: string }): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: o.date,
    kind: 'instance',
    software: { name: o.software },
    implementation: { description: o.description, url: o.baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
  };
}

/** SMART backend services, with the token endpoint in the oauth-uris extension as SMART asks. */
export function smartSecurity(
  tokenUrl: string,
  description = 'SMART backend services (client_credentials with private_key_jwt); see .well-known/smart-configuration.',
): NonNullable<CapabilityStatement['rest']>[number]['security'] {
  return {
    service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] }],
    extension: [{ url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris', extension: [{ url: 'token', valueUri: tokenUrl }] }],
    description,
  };
}
