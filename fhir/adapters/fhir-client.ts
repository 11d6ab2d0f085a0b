import { Client } from 'fhir-kit-client';
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import { retry } from '../../core/common/concurrency.js';
import { MurmurError } from '../../core/common/errors.js';

/** Access tokens on demand, e.g. SmartBackendAuth (fhir/smart). */
export interface BearerTokenSource {
  /** A current token; `forceRefresh` gets a new one after the server refused the last. */
  token(opts?: { forceRefresh?: boolean }): Promise<string>;
}

export interface FhirClientOptions {
  /** Sent as `Authorization: Bearer …`; never logged. */
  bearerToken?: string;
  /** A fresh bearer per request (SMART backend services); takes the place of bearerToken. */
  auth?: BearerTokenSource;
  /** Signs each outgoing request (e.g. a DPoP or HTTP-signature header). */
  requestSigner?: (url: string, init: RequestInit) => void | Promise<void>;
}

export function fhirClient(baseUrl: string, opts: FhirClientOptions = {}): Client {
  const { auth, requestSigner } = opts;
  // fhir-kit-client 2.0.3 awaits its requestSigner just before each fetch (its ClientConfig
  // type says void, the code awaits), which is the one per-request hook it has: the token is
  // set there, then any other signer runs so that it covers the Authorization header too.
  const signer = auth
    ? async (url: string, init: RequestInit): Promise<void> => {
        (init.headers as Headers).set('authorization', `Bearer ${await auth.token()}`);
        await requestSigner?.(url, init);
      }
    : requestSigner;
  return new Client({
    baseUrl,
    ...(opts.bearerToken && !auth ? { bearerToken: opts.bearerToken } : {}),
    ...(signer ? { requestSigner: signer } : {}),
  });
}

/**
 * Runs a call made with fhirClient(…, opts); when `opts.auth` is set and the server answers
 * 401 (token expired or revoked early), gets a new token and tries once more. A 401 means the
 * server did nothing, so repeating a write is safe.
 */
export async function withAuthRetry<T>(opts: FhirClientOptions, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (!opts.auth || (e as { response?: { status?: number } }).response?.status !== 401) throw e;
    await opts.auth.token({ forceRefresh: true });
    return call();
  }
}

/** Waits before the second and third attempt of a read whose connection failed. */
const READ_RETRY_DELAYS_MS = [50, 250];

/**
 * A read or search made with fhirClient(…, opts): withAuthRetry, and also tried again (twice,
 * after a short pause) when no answer came at all, e.g. a connection the server or a proxy
 * dropped. Only for reads: a write that got no answer may have been done, so it is never
 * repeated here. An answer with a status (4xx, 5xx) is the server's word and is not retried.
 */
export function withReadRetry<T>(opts: FhirClientOptions, call: () => Promise<T>, delaysMs: readonly number[] = READ_RETRY_DELAYS_MS): Promise<T> {
  const answered = (e: unknown): boolean => (e as { response?: { status?: number } }).response?.status !== undefined;
  return retry('FHIR read', () => withAuthRetry(opts, call), {
    attempts: delaysMs.length + 1,
    delaysMs,
    retryable: (e) => !answered(e),
    // The caller maps the client's own error (fhirCallError), so it is thrown as it came.
    giveUp: (e) => e as Error,
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
  const paths = outcome?.resourceType === 'OperationOutcome' ? [...new Set((outcome.issue ?? []).flatMap((i) => i.expression ?? []))] : [];
  const where = paths.length > 0 ? ` at ${paths.join(', ')}` : '';
  const why = status ? `the FHIR server answered HTTP ${status}${where}` : 'the FHIR server could not be reached';
  return new MurmurError('E_FHIR', `${what} failed: ${why}.`, { status: status ?? null, paths });
}
