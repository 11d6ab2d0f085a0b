import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { json, listener, mediaType, readBody, Router, type Reply } from '../../core/common/http-server.js';
import type { Clock } from '../../core/common/clock.js';
import type { Logger } from '../../core/common/log.js';
import { CLIENT_ASSERTION_TYPE, JtiReplayCache, verifyClientAssertion } from './client-assertion.js';
import type { SmartClientRegistry } from './client-registry.js';
import { OAuthError } from './oauth-error.js';
import { intersectScopes, parseScope, splitScopes } from './scopes.js';
import type { TokenStore } from './token-store.js';

export const DEFAULT_TOKEN_LIFETIME_S = 300;
/** A token request is a few hundred bytes plus one JWT; anything near this is not one. */
const MAX_FORM_BYTES = 16 * 1024;

export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  scope: string;
}

const TokenForm = z.object({
  grant_type: z.string().optional(),
  client_assertion_type: z.string().optional(),
  client_assertion: z.string().optional(),
  scope: z.string().optional(),
  client_id: z.string().optional(),
});

export interface SmartTokenEndpointOptions {
  registry: SmartClientRegistry;
  /** The exact URL clients post to: assertions must name it as aud. */
  tokenUrl: string;
  store: TokenStore;
  clock: Clock;
  /** Access token lifetime; 300 s unless set. */
  tokenLifetimeS?: number;
  logger: Logger;
}

/** The OAuth 2.0 token endpoint for SMART backend services: client_credentials + private_key_jwt. */
export class SmartTokenEndpoint {
  private readonly replay: JtiReplayCache;
  private readonly lifetimeS: number;

  constructor(private readonly opts: SmartTokenEndpointOptions) {
    this.replay = new JtiReplayCache(opts.clock);
    this.lifetimeS = opts.tokenLifetimeS ?? DEFAULT_TOKEN_LIFETIME_S;
    if (!Number.isInteger(this.lifetimeS) || this.lifetimeS < 1) throw new RangeError('tokenLifetimeS must be a positive whole number of seconds.');
  }

  /** Grants a token for a parsed form body, or throws OAuthError. */
  async exchange(form: URLSearchParams): Promise<TokenResponse> {
    for (const key of new Set(form.keys())) {
      if (form.getAll(key).length > 1) throw new OAuthError('invalid_request', `Parameter ${key} is repeated.`);
    }
    const f = TokenForm.parse(Object.fromEntries(form));
    if (f.grant_type === undefined) throw new OAuthError('invalid_request', 'grant_type is required.');
    if (f.grant_type !== 'client_credentials') throw new OAuthError('unsupported_grant_type', 'Only grant_type=client_credentials is supported.');
    if (f.client_assertion_type !== CLIENT_ASSERTION_TYPE) {
      throw new OAuthError('invalid_request', `client_assertion_type must be ${CLIENT_ASSERTION_TYPE}.`);
    }
    if (!f.client_assertion) throw new OAuthError('invalid_request', 'client_assertion is required.');
    if (!f.scope?.trim()) throw new OAuthError('invalid_request', 'scope is required.');

    const { registry, tokenUrl, clock } = this.opts;
    const client = await verifyClientAssertion(f.client_assertion, { registry, tokenUrl, clock, replay: this.replay, clientIdParam: f.client_id });
    const granted = intersectScopes(splitScopes(f.scope), client.scopes);
    if (granted.length === 0) throw new OAuthError('invalid_scope', 'None of the requested scopes is allowed for this client.');

    const access_token = this.opts.store.issue({
      clientId: client.clientId,
      scopes: granted.map((s) => parseScope(s)!),
      expiresAt: clock.now() + this.lifetimeS * 1000,
    });
    this.opts.logger.log('info', 'smart.token.issued', { clientId: client.clientId, scopes: granted.length, expiresIn: this.lifetimeS });
    return { access_token, token_type: 'bearer', expires_in: this.lifetimeS, scope: granted.join(' ') };
  }

  /**
   * The answer to a token request (POST, application/x-www-form-urlencoded), for a route of the
   * HTTP layer whose refusal format is `oauth` (`tokenRoute`). Refusals are thrown OAuthErrors.
   */
  async answer(req: IncomingMessage): Promise<Reply> {
    try {
      if (mediaType(req) !== 'application/x-www-form-urlencoded') {
        throw new OAuthError('invalid_request', 'Send the token request as application/x-www-form-urlencoded.');
      }
      const form = (await readBody(req, { maxBytes: MAX_FORM_BYTES, parse: 'form' })) as URLSearchParams;
      // Token responses and errors must not be cached (RFC 6749 §5.1).
      return json(await this.exchange(form), 200, { pragma: 'no-cache' });
    } catch (e) {
      if (e instanceof OAuthError) this.opts.logger.log('warn', 'smart.token.refused', { error: e.error });
      else this.opts.logger.log('error', 'smart.token.failed', { error: e instanceof Error ? e.name : 'unknown' });
      throw e;
    }
  }

  /** A server of its own with only this endpoint at `path` (tests, a stand-alone token service). */
  handler(path = '/auth/token'): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
    return listener(tokenRoute(new Router(), path, this), { name: 'smart-token', format: 'oauth' });
  }
}

/** Mounts the token endpoint on a router: POST only (405 otherwise), refusals per RFC 6749 §5.2. */
export function tokenRoute<A>(router: Router<A>, path: string, endpoint: SmartTokenEndpoint | (() => SmartTokenEndpoint)): Router<A> {
  const of = typeof endpoint === 'function' ? endpoint : () => endpoint;
  return router.on('POST', path, { public: true, format: 'oauth' }, ({ req }) => of().answer(req));
}
