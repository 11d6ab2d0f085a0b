import type { OperationOutcome } from '@medplum/fhirtypes';
import { errorOutcome } from '../server/outcome.js';
import type { RequiredAccess } from './scopes.js';
import { permits } from './scopes.js';
import type { TokenStore } from './token-store.js';

export type AuthorizeFailure = {
  ok: false;
  status: 401 | 403;
  /** `expired` is its own reason so a caller knows a refresh will help and a new token is due. */
  reason: 'missing' | 'invalid' | 'expired' | 'insufficient_scope';
  /** WWW-Authenticate per RFC 6750 §3. */
  headers: Record<string, string>;
  /** Issue code `login`, `expired` or `forbidden`; never carries the token. */
  outcome: OperationOutcome;
};

export type AuthorizeResult = { ok: true; clientId: string } | AuthorizeFailure;

/** RFC 6750 b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Checks a request's bearer token against the tokens the token endpoint issued and the access
 * the interaction needs (see requiredAccess). 401 when there is no usable token, 403 when the
 * token is good but its scopes do not cover the interaction.
 */
export class SmartAuthorizer {
  constructor(private readonly store: TokenStore) {}

  authorize(authorization: string | string[] | undefined, need: RequiredAccess | readonly RequiredAccess[]): AuthorizeResult {
    if (authorization === undefined || authorization === '') {
      // RFC 6750 §3.1: no error code when the request carried no credentials at all.
      return fail(401, 'missing', 'Bearer', 'login', 'This endpoint requires a SMART backend services access token.');
    }
    const m = typeof authorization === 'string' ? BEARER.exec(authorization.trim()) : null;
    if (!m) return fail(401, 'invalid', invalidToken('malformed'), 'login', 'The Authorization header is not a single Bearer token.');
    const found = this.store.lookup(m[1]!);
    if (found.state === 'expired') return fail(401, 'expired', invalidToken('expired'), 'expired', 'The access token has expired; request a new one.');
    if (found.state === 'unknown') return fail(401, 'invalid', invalidToken('unknown'), 'login', 'The access token is not valid.');

    const needs = Array.isArray(need) ? (need as readonly RequiredAccess[]) : [need as RequiredAccess];
    const missing = needs.filter((n) => !permits(found.token.scopes, n));
    if (missing.length > 0) {
      const scope = [...new Set(missing.map((n) => `system/${n.resourceType}.${n.permission}`))].join(' ');
      return fail(
        403,
        'insufficient_scope',
        `Bearer error="insufficient_scope", scope="${scope}"`,
        'forbidden',
        `The access token's scopes do not cover ${scope}.`,
      );
    }
    return { ok: true, clientId: found.token.clientId };
  }
}

function invalidToken(why: 'malformed' | 'expired' | 'unknown'): string {
  const text = { malformed: 'malformed Authorization header', expired: 'the access token expired', unknown: 'the access token is not valid' }[why];
  return `Bearer error="invalid_token", error_description="${text}"`;
}

function fail(status: 401 | 403, reason: AuthorizeFailure['reason'], challenge: string, code: string, text: string): AuthorizeFailure {
  return { ok: false, status, reason, headers: { 'WWW-Authenticate': challenge }, outcome: errorOutcome(code, text) };
}
