import type { JSONWebKeySet } from 'jose';
import { z } from 'zod';
import { MurmurError } from '../../core/common/errors.js';
import { parseScope } from './scopes.js';
import type { SystemScope } from './scopes.js';

/** The assertion algorithms SMART backend services requires servers to accept. */
export const ASSERTION_ALGS = ['RS384', 'ES384'] as const;

/** Members that make a JWK private (RSA, EC, and symmetric `k`): a registry holds public keys only. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

const PublicJwk = z
  .looseObject({
    kty: z.enum(['RSA', 'EC']),
    kid: z.string().min(1).optional(),
    alg: z.enum(ASSERTION_ALGS).optional(),
    use: z.literal('sig').optional(),
    crv: z.literal('P-384').optional(),
    n: z.string().min(1).optional(),
    e: z.string().min(1).optional(),
    x: z.string().min(1).optional(),
    y: z.string().min(1).optional(),
  })
  .superRefine((jwk, ctx) => {
    for (const m of PRIVATE_MEMBERS) {
      if (m in jwk) ctx.addIssue({ code: 'custom', path: [m], message: 'is private key material; register the public key only' });
    }
    const need = jwk.kty === 'RSA' ? (['n', 'e'] as const) : (['crv', 'x', 'y'] as const);
    for (const m of need) if (jwk[m] === undefined) ctx.addIssue({ code: 'custom', path: [m], message: `is required for a ${jwk.kty} key` });
  });

/** Loopback hosts: the only ones a notification may reach over plain http (a test or a demo). */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** Where a client lets the server push notifications: https (http on loopback only), no credentials or fragment. */
const NotificationEndpoint = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return void ctx.addIssue({ code: 'custom', message: 'must be an absolute URL' });
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    ctx.addIssue({ code: 'custom', message: 'must be https (notifications carry PHI); plain http is allowed on loopback only' });
  }
  if (url.username || url.password || url.hash || url.search) ctx.addIssue({ code: 'custom', message: 'must have no credentials, query or fragment' });
});

const Client = z.strictObject({
  clientId: z.string().regex(/^[A-Za-z0-9._~:/-]{1,200}$/, 'must be 1–200 URL-safe characters'),
  /**
   * URL prefixes the client's Subscriptions may name as their endpoint (scheme, host and port
   * exactly; the path as whole leading segments). None registered: the client cannot subscribe.
   */
  notificationEndpoints: z.array(NotificationEndpoint).max(16).default([]),
  jwks: z.strictObject({ keys: z.array(PublicJwk).min(1, 'must hold at least one key') }),
  scopes: z
    .array(z.string().refine((s) => parseScope(s) !== undefined, 'must be a SMART system scope (e.g. system/Claim.c or system/*.read)'))
    .min(1, 'must allow at least one scope'),
});

const Clients = z.array(Client).superRefine((clients, ctx) => {
  const seen = new Set<string>();
  clients.forEach((c, i) => {
    if (seen.has(c.clientId)) ctx.addIssue({ code: 'custom', path: [i, 'clientId'], message: 'is registered twice' });
    seen.add(c.clientId);
  });
});

export type SmartClientConfig = z.input<typeof Client>;

/**
 * Whether `endpoint` lies under one of the registered prefixes: the same origin (scheme, host
 * and port exactly, so `https://ehr.example` does not admit `https://ehr.example.attacker.net`)
 * and the prefix's path as whole segments: `/hooks` admits `/hooks` and `/hooks/pas`, never the
 * sibling `/hooks-admin` (a prefix that ends in `/` admits what lies below it).
 */
export function endpointRegistered(endpoint: string, registered: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  return registered.some((r) => {
    const prefix = new URL(r);
    const base = prefix.pathname;
    const under = base.endsWith('/') ? url.pathname.startsWith(base) : url.pathname === base || url.pathname.startsWith(`${base}/`);
    return url.origin === prefix.origin && under && !url.username && !url.password && !url.search && !url.hash;
  });
}

export interface RegisteredClient {
  clientId: string;
  jwks: JSONWebKeySet;
  scopes: readonly SystemScope[];
  notificationEndpoints: readonly string[];
}

export interface SmartClientRegistry {
  get(clientId: string): RegisteredClient | undefined;
  /** Every scope some client may be granted, for the discovery document. */
  scopesSupported(): string[];
}

/**
 * The registered backend-service clients, from configuration: client id, public JWKS given
 * inline (no JWKS URL is fetched) and the scopes each may be granted. Errors name the field
 * (`clients[0].jwks.keys[0].d`) and never echo its value.
 */
export function parseSmartClients(value: unknown): SmartClientRegistry {
  const parsed = Clients.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = ['clients', ...issue.path].map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
    throw new MurmurError('E_INPUT', `SMART client registry: ${path} ${issue.message}.`, { path });
  }
  const byId = new Map<string, RegisteredClient>(
    parsed.data.map((c) => [
      c.clientId,
      { clientId: c.clientId, jwks: c.jwks as JSONWebKeySet, scopes: c.scopes.map((s) => parseScope(s)!), notificationEndpoints: c.notificationEndpoints },
    ]),
  );
  const all = [...new Set(parsed.data.flatMap((c) => c.scopes))].sort();
  return { get: (clientId) => byId.get(clientId), scopesSupported: () => [...all] };
}
