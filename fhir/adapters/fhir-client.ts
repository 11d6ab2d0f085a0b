import { Client } from 'fhir-kit-client';
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import { MurmurError } from '../../core/common/errors.js';

export interface FhirClientOptions {
  /** Sent as `Authorization: Bearer …`; never logged. */
  bearerToken?: string;
  /** Signs each outgoing request (e.g. a DPoP or HTTP-signature header). */
  requestSigner?: (url: string, init: RequestInit) => void;
}

export function fhirClient(baseUrl: string, opts: FhirClientOptions = {}): Client {
  return new Client({
    baseUrl,
    ...(opts.bearerToken ? { bearerToken: opts.bearerToken } : {}),
    ...(opts.requestSigner ? { requestSigner: opts.requestSigner } : {}),
  });
}

/**
 * fhir-kit-client returns loose objects carrying hidden request/response properties; a JSON
 * copy gives a plain resource typed as the caller expects.
 */
export function asResource<T extends Resource>(value: unknown): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * An E_FHIR error for a failed call: what was attempted, the HTTP status and the element
 * paths the server's OperationOutcome names. Never the server's free text, which may echo
 * submitted values.
 */
export function fhirCallError(what: string, e: unknown): MurmurError {
  const response = (e as { response?: { status?: number; data?: unknown } }).response;
  const status = response?.status;
  const outcome = response?.data as OperationOutcome | undefined;
  const paths =
    outcome?.resourceType === 'OperationOutcome' ? [...new Set((outcome.issue ?? []).flatMap((i) => i.expression ?? []))] : [];
  const where = paths.length > 0 ? ` at ${paths.join(', ')}` : '';
  const why = status ? `the FHIR server answered HTTP ${status}${where}` : 'the FHIR server could not be reached';
  return new MurmurError('E_FHIR', `${what} failed: ${why}.`, { status: status ?? null, paths });
}
