import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import type { Clock } from '../../core/common/clock.js';
import { ASSERTION_ALGS } from './client-registry.js';
import type { RegisteredClient, SmartClientRegistry } from './client-registry.js';
import { OAuthError } from './oauth-error.js';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** SMART: exp no more than five minutes in the future. */
export const MAX_ASSERTION_LIFETIME_S = 300;
/** Allowed disagreement between the client's clock and ours, both ways. */
export const CLOCK_SKEW_S = 30;

/**
 * Remembers each accepted (client, jti) until its assertion expires, so a captured assertion
 * cannot be replayed; entries past their exp cannot verify anyway and are dropped.
 */
export class JtiReplayCache {
  private readonly seen = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  /** False when the pair was already used; records it otherwise. */
  claim(clientId: string, jti: string, expSeconds: number): boolean {
    const now = this.clock.now();
    for (const [k, until] of this.seen) if (until < now) this.seen.delete(k);
    const key = `${clientId}\u0000${jti}`;
    if (this.seen.has(key)) return false;
    this.seen.set(key, (expSeconds + CLOCK_SKEW_S) * 1000);
    return true;
  }
}

/**
 * Authenticates a client by its `client_assertion` (SMART backend services, RFC 7523): a JWT
 * signed by a key in the client's registered JWKS, with iss = sub = client_id, aud = our token
 * URL, an exp at most five minutes ahead and a jti not seen before. Every failure is
 * invalid_client, as SMART requires; the description names the check, not the JWT's content.
 */
export async function verifyClientAssertion(
  assertion: string,
  ctx: { registry: SmartClientRegistry; tokenUrl: string; clock: Clock; replay: JtiReplayCache; clientIdParam?: string },
): Promise<RegisteredClient> {
  let iss: unknown;
  try {
    iss = decodeJwt(assertion).iss;
  } catch {
    throw new OAuthError('invalid_client', 'client_assertion is not a JWT.');
  }
  if (typeof iss !== 'string') throw new OAuthError('invalid_client', 'client_assertion has no iss.');
  if (ctx.clientIdParam !== undefined && ctx.clientIdParam !== iss) {
    throw new OAuthError('invalid_client', 'client_id does not match the client_assertion iss.');
  }
  const client = ctx.registry.get(iss);
  if (!client) throw new OAuthError('invalid_client', 'The client_assertion iss is not a registered client.');

  const now = ctx.clock.now();
  let payload;
  try {
    ({ payload } = await jwtVerify(assertion, createLocalJWKSet(client.jwks), {
      algorithms: [...ASSERTION_ALGS],
      issuer: client.clientId,
      subject: client.clientId,
      audience: ctx.tokenUrl,
      requiredClaims: ['exp', 'jti'],
      currentDate: new Date(now),
      clockTolerance: CLOCK_SKEW_S,
    }));
  } catch (e) {
    throw new OAuthError('invalid_client', `client_assertion rejected: ${reasonOf(e)}.`);
  }
  if (payload.exp! > now / 1000 + MAX_ASSERTION_LIFETIME_S + CLOCK_SKEW_S) {
    throw new OAuthError('invalid_client', `client_assertion exp is more than ${MAX_ASSERTION_LIFETIME_S} s ahead.`);
  }
  if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256) {
    throw new OAuthError('invalid_client', 'client_assertion jti must be a string of 1–256 characters.');
  }
  if (!ctx.replay.claim(client.clientId, payload.jti, payload.exp!)) {
    throw new OAuthError('invalid_client', 'client_assertion jti was already used.');
  }
  return client;
}

/** jose's failure as a fixed phrase: its messages are fine, but a fixed set cannot leak. */
function reasonOf(e: unknown): string {
  const { code, claim } = e as { code?: string; claim?: string };
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'it has expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return claim === 'aud' ? 'aud is not this token endpoint' : `claim ${claim ?? 'unknown'} is missing or wrong`;
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return `alg must be one of ${ASSERTION_ALGS.join(', ')}`;
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'no registered key of the client matches its header (kid, alg)';
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'several registered keys match and none verifies; send a kid';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'the signature does not verify with the client’s registered keys';
    default:
      return 'it is not a valid signed JWT';
  }
}
