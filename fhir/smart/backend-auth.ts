import { randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { SignJWT, importJWK } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { z } from 'zod';
import type { Clock } from '../../core/common/clock.js';
import { systemClock } from '../../core/common/clock.js';
import { MurmurError } from '../../core/common/errors.js';
import type { BearerTokenSource } from '../adapters/fhir-client.js';
import { CLIENT_ASSERTION_TYPE } from './client-assertion.js';
import { checkTokenUrl } from './token-url.js';

export interface SmartBackendAuthOptions {
  tokenUrl: string;
  clientId: string;
  /** The client's private key: a JWK (as generateClientKeyPair gives) or a CryptoKey/KeyObject. */
  privateKey: JWK | CryptoKey | KeyObject;
  /** Defaults to the JWK's alg, else ES384. */
  alg?: 'ES384' | 'RS384';
  /** Defaults to the JWK's kid; lets the server pick the key from the client's JWKS. */
  kid?: string;
  /** Space-separated, e.g. `system/Claim.c system/ClaimResponse.r`. */
  scope: string;
  clock?: Clock;
  /** Renew this long before expiry (capped at half the lifetime); 30 s unless set. */
  refreshMarginS?: number;
  /** Assertion lifetime; SMART allows at most 300 s, and a short one limits replay. 60 unless set. */
  assertionLifetimeS?: number;
  fetch?: typeof fetch;
}

const TokenAnswer = z.object({
  access_token: z.string().min(1),
  token_type: z.string().regex(/^bearer$/i),
  expires_in: z.number().int().positive(),
  scope: z.string().optional(),
});
const ErrorAnswer = z.object({ error: z.string().regex(/^[\x20-\x7e]{1,64}$/), error_description: z.string().optional() });

interface Cached {
  token: string;
  refreshAt: number;
  scope: string;
}

/**
 * The client side of SMART backend services: signs a client assertion, trades it for an
 * access token (client_credentials), and keeps the token until shortly before it expires.
 * Concurrent callers share one token request. Refusals become E_AUTH errors carrying the
 * OAuth `error` code; the assertion, the token and the key never appear in an error.
 */
export class SmartBackendAuth implements BearerTokenSource {
  private readonly clock: Clock;
  private readonly doFetch: typeof fetch;
  private key: Promise<CryptoKey | KeyObject | Uint8Array> | undefined;
  private cached: Cached | undefined;
  private pending: Promise<Cached> | undefined;

  constructor(private readonly opts: SmartBackendAuthOptions) {
    checkTokenUrl(opts.tokenUrl, 'tokenUrl');
    const life = opts.assertionLifetimeS ?? 60;
    if (!(life > 0 && life <= 300)) throw new MurmurError('E_INPUT', 'assertionLifetimeS must be in (0, 300].', { path: 'assertionLifetimeS' });
    if (!opts.scope.trim()) throw new MurmurError('E_INPUT', 'scope is empty.', { path: 'scope' });
    this.clock = opts.clock ?? systemClock;
    this.doFetch = opts.fetch ?? fetch;
  }

  /** A current access token; `forceRefresh` gets a new one (e.g. after a 401). */
  async token(opts: { forceRefresh?: boolean } = {}): Promise<string> {
    if (!opts.forceRefresh && this.cached && this.clock.now() < this.cached.refreshAt) return this.cached.token;
    if (opts.forceRefresh) this.cached = undefined;
    this.pending ??= this.request().finally(() => (this.pending = undefined));
    this.cached = await this.pending;
    return this.cached.token;
  }

  /** The scope the server granted with the current token, if any. */
  get grantedScope(): string | undefined {
    return this.cached?.scope;
  }

  private async request(): Promise<Cached> {
    const started = this.clock.now();
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: this.opts.scope,
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: await this.assertion(started),
    });
    let res: Response;
    try {
      res = await this.doFetch(this.opts.tokenUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: form.toString(),
      });
    } catch {
      throw new MurmurError('E_AUTH', 'The SMART token endpoint could not be reached.', { status: null });
    }
    const body: unknown = await res.json().catch(() => undefined);
    if (!res.ok) {
      const err = ErrorAnswer.safeParse(body);
      const oauthError = err.success ? err.data.error : null;
      const why = err.success ? `${err.data.error}${describe(err.data.error_description)}` : 'no OAuth error body';
      throw new MurmurError('E_AUTH', `The SMART token endpoint refused the token request (HTTP ${res.status}): ${why}.`, { status: res.status, oauthError });
    }
    const ok = TokenAnswer.safeParse(body);
    if (!ok.success) {
      const path = ok.error.issues[0]!.path.join('.');
      throw new MurmurError('E_AUTH', `The SMART token endpoint answered without a usable token (${path}).`, { status: res.status, path });
    }
    const lifeMs = ok.data.expires_in * 1000;
    const margin = Math.min((this.opts.refreshMarginS ?? 30) * 1000, lifeMs / 2);
    // Counted from before the request: the server's clock started no earlier than ours did.
    return { token: ok.data.access_token, refreshAt: started + lifeMs - margin, scope: ok.data.scope ?? this.opts.scope };
  }

  private async assertion(nowMs: number): Promise<string> {
    const { privateKey, clientId } = this.opts;
    const jwk = isJwk(privateKey) ? privateKey : undefined;
    const alg = this.opts.alg ?? (jwk?.alg as 'ES384' | 'RS384' | undefined) ?? 'ES384';
    const kid = this.opts.kid ?? jwk?.kid;
    this.key ??= jwk ? importJWK(jwk, alg) : Promise.resolve(privateKey as CryptoKey | KeyObject);
    const now = Math.floor(nowMs / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg, typ: 'JWT', ...(kid ? { kid } : {}) })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(this.opts.tokenUrl)
      .setIssuedAt(now)
      .setExpirationTime(now + (this.opts.assertionLifetimeS ?? 60))
      .setJti(randomUUID())
      .sign(await this.key);
  }
}

function isJwk(key: unknown): key is JWK {
  return typeof key === 'object' && key !== null && typeof (key as { kty?: unknown }).kty === 'string';
}

/** A server's description, short and with anything shaped like a JWT or long token cut out. */
function describe(text: string | undefined): string {
  if (!text) return '';
  const clean = text.replace(/[A-Za-z0-9_-]{20,}(\.[A-Za-z0-9_-]*){0,2}/g, '…').slice(0, 200);
  return ` (${clean})`;
}
