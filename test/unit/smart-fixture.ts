import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, importJWK } from 'jose';
import type { JWK, JWTPayload } from 'jose';
import { ManualClock } from '../../core/common/clock.js';
import { createSmartAuthServer } from '../../fhir/smart/auth-server.js';
import type { SmartAuthServer } from '../../fhir/smart/auth-server.js';
import { parseSmartClients } from '../../fhir/smart/client-registry.js';
import { generateClientKeyPair } from '../../fhir/smart/keys.js';
import type { ClientKeyPair } from '../../fhir/smart/keys.js';

export const CLIENT_ID = 'payer-agent-1';
export const ALLOWED = ['system/Claim.cr', 'system/ClaimResponse.r', 'system/Patient.read'];

export interface TokenServer {
  url: string;
  clock: ManualClock;
  keys: ClientKeyPair;
  auth: SmartAuthServer;
  /** Token requests received, to count round trips. */
  hits: { count: number };
  close(): Promise<void>;
}

/** A loopback node:http server with only the token endpoint, for one registered client. */
export async function startTokenServer(opts: { tokenLifetimeS?: number } = {}): Promise<TokenServer> {
  const keys = await generateClientKeyPair();
  const clock = new ManualClock();
  const hits = { count: 0 };
  const server = createServer((req, res) => {
    hits.count++;
    void auth.tokenEndpoint.handler()(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth/token`;
  // Made after listen, once the URL (the assertions' aud) is known; requests come later still.
  const auth = createSmartAuthServer({
    clients: parseSmartClients([{ clientId: CLIENT_ID, jwks: keys.jwks, scopes: ALLOWED }]),
    tokenUrl: url,
    clock,
    ...(opts.tokenLifetimeS ? { tokenLifetimeS: opts.tokenLifetimeS } : {}),
  });
  return {
    url,
    clock,
    keys,
    auth,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A client assertion with the right claims unless `over` changes them (undefined deletes). */
export async function assertion(key: JWK, claims: { aud: string; nowMs: number }, over: Partial<Record<keyof JWTPayload, unknown>> = {}): Promise<string> {
  const now = Math.floor(claims.nowMs / 1000);
  const payload: Record<string, unknown> = { iss: CLIENT_ID, sub: CLIENT_ID, aud: claims.aud, iat: now, exp: now + 60, jti: randomUUID(), ...over };
  for (const k of Object.keys(payload)) if (payload[k] === undefined) delete payload[k];
  return new SignJWT(payload).setProtectedHeader({ alg: 'ES384', kid: key.kid! }).sign(await importJWK(key, 'ES384'));
}

export function tokenForm(clientAssertion: string, scope = 'system/Claim.c', extra: Record<string, string> = {}): URLSearchParams {
  return new URLSearchParams({
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: clientAssertion,
    scope,
    ...extra,
  });
}
