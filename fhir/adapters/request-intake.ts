import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import type { CaseDataRef } from '../../core/agents/ports.js';
import { MurmurError } from '../../core/common/errors.js';
import type { PasRequest } from '../pas/request.js';
import { asResource, fhirCallError, fhirClient, withAuthRetry } from './fhir-client.js';
import type { FhirClientOptions } from './fhir-client.js';

export interface IntakeOptions extends FhirClientOptions {
  /** Placeholder ids for the transaction; injectable so a simulated run is repeatable. */
  newUuid?: () => string;
}

/**
 * Stores a checked PAS request on a FHIR server as one transaction and returns where the case's
 * data now lives. Every entry becomes a create under a `urn:uuid:` placeholder and every
 * reference between entries (urn:uuid, `Type/id` or absolute) is pointed at the placeholder,
 * so the server assigns all ids and links them atomically.
 */
export async function storeRequestBundle(baseUrl: string, request: PasRequest, opts: IntakeOptions = {}): Promise<CaseDataRef> {
  const newUuid = opts.newUuid ?? randomUUID;
  const entries = request.bundle.entry ?? [];
  const placeholders = entries.map(() => `urn:uuid:${newUuid()}`);

  const aliases = new Map<string, string>();
  entries.forEach((entry, i) => {
    const r = entry.resource!;
    if (entry.fullUrl) aliases.set(entry.fullUrl, placeholders[i]!);
    if (r.id) aliases.set(`${r.resourceType}/${r.id}`, placeholders[i]!);
  });
  const resolve = (ref: string): string | undefined => {
    const direct = aliases.get(ref);
    if (direct) return direct;
    const m = /([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(\/_history\/[^/]+)?$/.exec(ref);
    return m && /^https?:/.test(ref) ? aliases.get(m[1]!) : undefined;
  };

  const transaction: Bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: entries.map((entry, i): BundleEntry => {
      const resource = relink(entry.resource!, resolve) as Resource;
      delete (resource as { id?: string }).id;
      if (resource.meta) {
        delete resource.meta.versionId;
        delete resource.meta.lastUpdated;
      }
      return { fullUrl: placeholders[i], resource, request: { method: 'POST', url: resource.resourceType } };
    }),
  };

  let response: Bundle;
  try {
    const client = fhirClient(baseUrl, opts);
    response = asResource<Bundle>(await withAuthRetry(opts, () => client.transaction({ body: transaction as never })));
  } catch (e) {
    throw fhirCallError('Storing the PAS request Bundle as a transaction', e);
  }

  const idAt = (index: number, type: string): string => {
    const entry = response.entry?.[index];
    const id =
      entry?.resource?.resourceType === type ? entry.resource.id : /^(?:.*\/)?([A-Z][A-Za-z]+)\/([^/]+)\/_history\//.exec(entry?.response?.location ?? '')?.[2];
    if (!id) throw new MurmurError('E_FHIR', `The transaction response has no id for Bundle.entry[${index}] (${type}).`, { entry: index });
    return id;
  };
  const claimIndex = entries.findIndex((e) => e.resource === request.claim);
  const patientIndex = entries.findIndex((e) => e.resource === request.patient);
  return {
    fhirBase: baseUrl,
    patient: `Patient/${idAt(patientIndex, 'Patient')}`,
    claim: `Claim/${idAt(claimIndex, 'Claim')}`,
  };
}

/** A deep copy with every `reference` string that names another entry rewritten. */
function relink(value: unknown, resolve: (ref: string) => string | undefined): unknown {
  if (Array.isArray(value)) return value.map((v) => relink(v, resolve));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = k === 'reference' && typeof v === 'string' ? (resolve(v) ?? v) : relink(v, resolve);
  }
  return out;
}
