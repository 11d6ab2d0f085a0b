import { errorMessage, isMurmurError, type ErrorCode } from './errors.js';

/**
 * One mapping from a thrown error to what an HTTP client is told, for every server of ours
 * (board service, node API, console, PAS, token endpoint, FHIR server): the same error code
 * answers the same status everywhere. Servers differ only in the body's shape (JSON or a
 * FHIR OperationOutcome), never in the status.
 */
export interface Problem {
  status: number;
  /** A stable code: an ErrorCode, or one of the HTTP layer's own (E_FORBIDDEN, E_TOKEN, E_HOST, E_METHOD). */
  code: string;
  /** What is wrong, for the client. Never PHI: 5xx answers say only that the server failed. */
  message: string;
  /** The field, parameter or FHIR element at fault. */
  field?: string;
  /** A machine-readable reason (e.g. `policy` for a refused read). */
  reason?: string;
}

/** The status of each error code; `details.status` on a MurmurError overrides it (413, 415, 403…). */
export const STATUS_OF_CODE: Readonly<Record<ErrorCode, number>> = {
  E_INPUT: 400,
  E_SCHEMA: 400,
  E_SIGNATURE: 401,
  E_AUTH: 401,
  E_CRYPTO: 403,
  E_NOT_FOUND: 404,
  E_CONFLICT: 409,
  E_FHIR: 502,
  E_STORE: 503,
  E_TIMEOUT: 504,
  E_INTERNAL: 500,
};

/** An error that already knows its answer: for refusals that no MurmurError code names (403, 405, 421). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly headers: Readonly<Record<string, string>> = {},
    /** A body already written for this refusal (a SMART authorizer's OperationOutcome), sent as is. */
    readonly answer?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** A server failure tells the client only that: its cause is for the server's log. */
const INTERNAL = 'the server could not process the request';

const isStatus = (s: unknown): s is number => typeof s === 'number' && Number.isInteger(s) && s >= 400 && s < 600;

/** What the client is told about `e`. Anything not ours is a 500 whose message says nothing of it. */
export function problemOf(e: unknown): Problem {
  if (e instanceof HttpError) return { status: e.status, code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) };
  if (e instanceof URIError) return { status: 400, code: 'E_INPUT', message: 'the request path has malformed percent-encoding', field: 'path' };
  if (isMurmurError(e)) {
    const status = isStatus(e.details.status) ? e.details.status : (STATUS_OF_CODE[e.code] ?? 500);
    const field = typeof e.details.path === 'string' ? e.details.path : typeof e.details.field === 'string' ? e.details.field : undefined;
    const reason = typeof e.details.reason === 'string' ? e.details.reason : undefined;
    const message = status >= 500 ? INTERNAL : errorMessage(e).slice(0, 500);
    return { status, code: e.code, message, ...(field ? { field } : {}), ...(reason ? { reason } : {}) };
  }
  return { status: 500, code: 'E_INTERNAL', message: INTERNAL };
}

/** The JSON body of a refusal: `{error: {code, message, field?, reason?}}`. */
export function problemJson(p: Problem): { error: Omit<Problem, 'status'> } {
  const { status: _status, ...error } = p;
  return { error };
}

/** The FHIR issue type (http://hl7.org/fhir/issue-type) a status stands for. */
export function issueTypeOf(p: Problem): string {
  if (p.status === 401) return 'login';
  if (p.status === 403) return 'forbidden';
  if (p.status === 404) return 'not-found';
  if (p.status === 405 || p.status === 415) return 'not-supported';
  if (p.status === 409) return 'conflict';
  if (p.status === 413) return 'too-long';
  if (p.status === 429) return 'throttled';
  if (p.status === 504) return 'timeout';
  if (p.status >= 500) return 'exception';
  return 'invalid';
}

/** A FHIR OperationOutcome for a refusal (structurally; core knows no FHIR types). */
export function problemOutcome(p: Problem): {
  resourceType: 'OperationOutcome';
  issue: { severity: 'error'; code: string; details: { text: string }; expression?: string[] }[];
} {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: issueTypeOf(p), details: { text: p.message }, ...(p.field ? { expression: [p.field] } : {}) }],
  };
}
