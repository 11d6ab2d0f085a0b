import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import type { Bundle, ClaimResponse, OperationOutcome, Parameters } from '@medplum/fhirtypes';

/*
 * An EHR as the payer's PAS endpoint meets it, for the integration tests: a SMART backend
 * client (JWT assertion signed with jose), plain fetch, FHIR JSON in and out, and a rest-hook
 * receiver. Nothing here goes through the project's own FHIR client.
 */

export interface Call {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface EhrClient {
  clientId: string;
  /** The client's registry entry, for the payer's `pas.clients`. */
  registration: unknown;
  token(tokenUrl: string, scope?: string): Promise<string>;
  call(baseUrl: string, path: string, body: unknown, bearer?: string, method?: string): Promise<Call>;
}

/**
 * A SMART backend-services token: a client assertion (ES384, 4 minutes) signed with `key`,
 * exchanged at the token endpoint. `now` is the EHR's clock in ms (a test may set it to the
 * payer's manual clock).
 */
export async function clientCredentialsToken(tokenUrl: string, o: { clientId: string; key: CryptoKey; scope: string; now?: number }): Promise<string> {
  const now = Math.floor((o.now ?? Date.now()) / 1000);
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: 'ES384', typ: 'JWT' })
    .setIssuer(o.clientId)
    .setSubject(o.clientId)
    .setAudience(tokenUrl)
    .setIssuedAt(now)
    .setExpirationTime(now + 240)
    .setJti(randomUUID())
    .sign(o.key);
  const res = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      scope: o.scope,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    }),
  });
  const body = (await res.json()) as { access_token?: string; error?: string };
  assert.equal(res.status, 200, `token refused: ${body.error}`);
  return body.access_token!;
}

/** One FHIR JSON request with plain fetch; the body, when any, parsed. */
export async function fhirCall(baseUrl: string, path: string, body: unknown, bearer?: string, method = 'POST'): Promise<Call> {
  const res = await fetch(`${baseUrl}/${path}`, {
    method,
    headers: {
      accept: 'application/fhir+json',
      ...(body !== undefined ? { 'content-type': 'application/fhir+json' } : {}),
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
}

export async function ehrClient(
  clientId: string,
  notificationEndpoints: string[] = [],
  scopes = ['system/Claim.cr', 'system/Subscription.crd'],
): Promise<EhrClient> {
  const pair = await generateKeyPair('ES384', { extractable: true });
  const key: CryptoKey = pair.privateKey;
  return {
    clientId,
    registration: { clientId, jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), alg: 'ES384', kid: `${clientId}-1` }] }, scopes, notificationEndpoints },
    token: (tokenUrl, scope = scopes.join(' ')) => clientCredentialsToken(tokenUrl, { clientId, key, scope }),
    call: fhirCall,
  };
}

/** The ClaimResponse of a 200 answer Bundle (asserting it is one). */
export function claimResponseOf(c: Call): ClaimResponse {
  assert.equal(c.status, 200, JSON.stringify(c.body).slice(0, 400));
  const bundle = c.body as Bundle;
  assert.equal(bundle.resourceType, 'Bundle');
  const cr = bundle.entry?.find((e) => e.resource?.resourceType === 'ClaimResponse')?.resource as ClaimResponse | undefined;
  assert.ok(cr, 'the answer Bundle holds a ClaimResponse');
  return cr;
}

/** The X12 306 review action codes of a ClaimResponse, by item sequence. */
export function reviewActions(cr: ClaimResponse): Record<number, string | undefined> {
  return Object.fromEntries(
    (cr.item ?? []).map((item) => [
      item.itemSequence,
      item.adjudication
        ?.flatMap((a) => a.extension ?? [])
        .flatMap((e) => e.extension ?? [])
        .find((e) => e.url === 'code')?.valueCodeableConcept?.coding?.[0]?.code,
    ]),
  );
}

export function issueOf(c: Call): { code: string; severity: string; expression?: string[]; details?: { text?: string } } {
  const oo = c.body as OperationOutcome;
  assert.equal(oo?.resourceType, 'OperationOutcome', `expected an OperationOutcome, got ${JSON.stringify(c.body).slice(0, 200)}`);
  return oo.issue![0] as { code: string; severity: string; expression?: string[]; details?: { text?: string } };
}

export interface Hook {
  url: string;
  /** Event notifications, in arrival order. */
  received: Bundle[];
  /** Handshakes and heartbeats. */
  control: Bundle[];
  /** Resolves with the n-th notification (1-based). */
  nth(n: number, timeoutMs?: number): Promise<Bundle>;
  close(): void;
}

/** A rest-hook receiver on loopback that answers 200 and keeps what it got. */
export async function restHook(path = '/notify'): Promise<Hook> {
  const received: Bundle[] = [];
  const control: Bundle[] = [];
  const waiters: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const got = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Bundle;
      const type = (got.entry?.[0]?.resource as Parameters | undefined)?.parameter?.find((p) => p.name === 'type')?.valueCode;
      // Handshakes and heartbeats (no event) are kept apart from event notifications.
      (type === 'event-notification' ? received : control).push(got);
      res.writeHead(200).end();
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    received,
    control,
    nth: (n, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no notification ${n} within ${timeoutMs} ms`)), timeoutMs);
        const check = (): void => {
          if (received.length >= n) {
            clearTimeout(timer);
            resolve(received[n - 1]!);
          } else waiters.push(check);
        };
        check();
      }),
    close: () => {
      server.close();
    },
  };
}

/** The response Bundles of a `$inquire` answer (a Parameters of `return` Bundles, PAS 2.2.1). */
export function inquiryBundles(c: Call): Bundle[] {
  assert.equal(c.status, 200, JSON.stringify(c.body).slice(0, 400));
  const p = c.body as Parameters;
  assert.equal(p.resourceType, 'Parameters', '$inquire answers with a Parameters');
  return (p.parameter ?? []).map((x) => {
    assert.equal(x.name, 'return');
    return x.resource as Bundle;
  });
}

/** The one response Bundle of a `$inquire` answer, as a Call (for claimResponseOf). */
export function inquiryAnswer(c: Call): Call {
  const bundles = inquiryBundles(c);
  assert.equal(bundles.length, 1, 'exactly one request matches');
  return { ...c, body: bundles[0] };
}
