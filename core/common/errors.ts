/**
 * Typed errors with a stable code. Messages name what is wrong and, where it helps, what to do;
 * they never carry PHI (callers pass field paths and codes, not values).
 */
export type ErrorCode =
  | 'E_INPUT' // bad input at a boundary (CLI, HTTP, file, config)
  | 'E_SCHEMA' // a value did not match its schema
  | 'E_NOT_FOUND'
  | 'E_CONFLICT'
  | 'E_SIGNATURE'
  | 'E_CRYPTO'
  | 'E_AUTH' // an authorization server refused us, or a request lacked valid credentials
  | 'E_FHIR'
  | 'E_STORE'
  | 'E_TIMEOUT'
  | 'E_INTERNAL';

export class MurmurError extends Error {
  readonly code: ErrorCode;
  /** Machine-readable detail: field paths, ids, codes. Never PHI. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'MurmurError';
    this.code = code;
    this.details = details;
  }
}

export function isMurmurError(e: unknown, code?: ErrorCode): e is MurmurError {
  return e instanceof MurmurError && (code === undefined || e.code === code);
}

/** The message of anything thrown, for logs that must not echo arbitrary objects. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
