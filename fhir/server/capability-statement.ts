import { getResourceTypes } from '@medplum/core';
import type { CapabilityStatement } from '@medplum/fhirtypes';
import { loadFhirDefinitions } from './definitions.js';

const RESOURCE_INTERACTIONS = [
  'read',
  'vread',
  'update',
  'patch',
  'delete',
  'history-instance',
  'create',
  'search-type',
] as const;

/**
 * What this server really does (4.5.2's router has no /metadata of its own). It leaves out
 * what the engine lacks: _include, chaining, composite parameters, paging links, $everything,
 * $validate and compartment search. Bare ids in reference parameters are normalised to Type/id.
 */
export function capabilityStatement(baseUrl: string, date: string): CapabilityStatement {
  loadFhirDefinitions();
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date,
    kind: 'instance',
    software: { name: 'Murmur embedded FHIR server (@medplum/fhir-router 4.5.2)' },
    implementation: { description: 'In-process FHIR R4 server with an fsynced write journal', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    patchFormat: ['application/json-patch+json'],
    rest: [
      {
        mode: 'server',
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
