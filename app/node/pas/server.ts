import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { OperationOutcome, Parameters, Resource, Subscription } from '@medplum/fhirtypes';
import { z } from 'zod';
import { MurmurError } from '../../../core/common/errors.js';
import { HttpError, type Problem } from '../../../core/common/http-problem.js';
import { json, Router, serve, type Reply } from '../../../core/common/http-server.js';
import type { Logger } from '../../../core/common/log.js';
import { silentLogger } from '../../../core/common/log.js';
import { pasCapabilityStatement } from '../../../fhir/pas/capability.js';
import { checkJsonLimits } from '../../../fhir/pas/limits.js';
import { MAX_REQUEST_BYTES } from '../../../fhir/pas/request.js';
import { describeIssue, validationIssues } from '../../../fhir/server/validation.js';
import { subscriptionProblem, type Notifier } from './notifier.js';
import type { PasRecords } from './records.js';
import type { PasService } from './service.js';
import type { ProviderRoutes } from './provider-routes.js';

/** Who is calling, or why not (the answer's status, OperationOutcome and challenge headers). */
export type AuthResult = { ok: true; clientId: string } | { ok: false; status: 401 | 403; outcome: OperationOutcome; headers: Record<string, string> };

/** What one interaction needs, as a SMART system scope would grant it. */
export interface Access {
  resourceType: string;
  permission: 'c' | 'r' | 'u' | 'd' | 's';
}

/** SMART backend services as the PAS endpoint needs it (fhir/smart implements it). */
export interface PasAuth {
  /** Checks a bearer token for the access an interaction needs. */
  authorize(authorization: string | undefined, need: Access): AuthResult;
  /** The token endpoint (client credentials with a JWT assertion), served at /auth/token; refusals are thrown OAuthErrors. */
  token(req: IncomingMessage): Promise<Reply>;
  /** The `.well-known/smart-configuration` document. */
  configuration(): unknown;
  /** Where a client registered that its notifications may go (URL prefixes). */
  notificationEndpoints(clientId: string): readonly string[];
}

export interface PasServerOptions {
  service: PasService;
  records: PasRecords;
  /** Handshakes and heartbeats of the subscriptions this server creates. */
  notifier: Notifier;
  /** Made once the listening address (and so the token URL every assertion names) is known. */
  auth: (tokenUrl: string) => PasAuth;
  host?: string;
  port?: number;
  logger?: Logger;
  newId?: () => string;
  /** CRD hooks and DTR's $questionnaire-package, behind the same SMART tokens as PAS. */
  provider?: ProviderRoutes;
}

export interface PasServer {
  /** The FHIR base of the PAS endpoint (…/fhir). */
  baseUrl: string;
  tokenUrl: string;
  close(): Promise<void>;
}

/** What each interaction needs (v1 `write`/`read` and v2 `c`/`r` scopes both grant it). */
const NEEDS = {
  submit: { resourceType: 'Claim', permission: 'c' },
  inquire: { resourceType: 'Claim', permission: 'r' },
  subscribe: { resourceType: 'Subscription', permission: 'c' },
  readSubscription: { resourceType: 'Subscription', permission: 'r' },
  deleteSubscription: { resourceType: 'Subscription', permission: 'd' },
  // CRD and DTR ask about a request before it is made: the access a PAS client has to inquire.
  provider: { resourceType: 'Claim', permission: 'r' },
} as const satisfies Record<string, Access>;

/**
 * The payer's PAS endpoint over HTTP: FHIR JSON in and out, an OperationOutcome naming the
 * element for every refusal, SMART bearer tokens on everything but discovery. Nothing of a
 * refused request reaches the board or the FHIR server.
 */
export async function startPasServer(o: PasServerOptions): Promise<PasServer> {
  const host = o.host ?? '127.0.0.1';
  const logger = o.logger ?? silentLogger;
  let baseUrl = '';
  let tokenUrl = '';

  // Made once listening: the token URL every client assertion must name is known only then.
  const made: { auth?: PasAuth } = {};
  /** A route's authentication: the SMART token must grant what the interaction needs. */
  const needs =
    (need: Access) =>
    (req: IncomingMessage): string => {
      const result = made.auth!.authorize(req.headers.authorization, need);
      if (result.ok) return result.clientId;
      const [issue] = result.outcome.issue ?? [];
      throw new HttpError(
        result.status,
        result.status === 401 ? 'E_AUTH' : 'E_FORBIDDEN',
        issue?.details?.text ?? 'not authorized',
        undefined,
        result.headers,
        result.outcome,
      );
    };
  const fhir = (body: Resource, status = 200, headers: Record<string, string> = {}): Reply => ({ status, body, headers, type: FHIR_JSON });
  const body = { maxBytes: MAX_REQUEST_BYTES, types: ['application/fhir+json', 'application/json'] };
  const SubscriptionId = z.object({ id: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'is a Subscription id') });
  /** A live subscription of this client; another client's, or a deleted one, does not exist as far as the caller can tell. */
  const ownSubscription = (id: string, client: string) => {
    const record = o.records.subscription(id);
    if (!record || record.clientId !== client || record.status === 'off')
      throw new MurmurError('E_NOT_FOUND', 'No such Subscription.', { path: 'Subscription.id' });
    return record;
  };

  const router = new Router<string>()
    .on('GET', '/fhir/metadata', { public: true }, () => fhir(pasCapabilityStatement(baseUrl, tokenUrl, new Date().toISOString())))
    .on('GET', '/fhir/.well-known/smart-configuration', { public: true }, () => json(made.auth!.configuration()))
    .on('POST', '/auth/token', { public: true, format: 'oauth' }, ({ req }) => made.auth!.token(req))
    .on('POST', '/fhir/Claim/$submit', { authenticate: needs(NEEDS.submit), body }, async ({ auth, body: b }) => fhir(await o.service.submit(auth, bounded(b))))
    .on('POST', '/fhir/Claim/$inquire', { authenticate: needs(NEEDS.inquire), body }, async ({ auth, body: b }) =>
      fhir(await o.service.inquire(auth, bounded(b))),
    )
    .on('POST', '/fhir/Subscription', { authenticate: needs(NEEDS.subscribe), body }, async ({ auth, body: b }) => {
      const created = await createSubscription(auth, bounded(b));
      return fhir(created, 201, { location: `${baseUrl}/Subscription/${created.id}` });
    })
    .on('GET', '/fhir/Subscription/:id', { authenticate: needs(NEEDS.readSubscription), params: SubscriptionId }, ({ auth, params }) => {
      const record = ownSubscription(params.id, auth);
      return fhir({ ...record.resource, status: record.status });
    })
    .on('GET', '/fhir/Subscription/:id/$status', { authenticate: needs(NEEDS.readSubscription), params: SubscriptionId }, ({ auth, params }) =>
      fhir(statusOf(ownSubscription(params.id, auth).id)),
    )
    .on('DELETE', '/fhir/Subscription/:id', { authenticate: needs(NEEDS.deleteSubscription), params: SubscriptionId }, ({ auth, params }) => {
      const record = ownSubscription(params.id, auth);
      o.records.setSubscriptionStatus(record.id, 'off');
      o.notifier.unwatch(record.id);
      return { status: 204 };
    });
  if (o.provider) mountProviderRoutes(o.provider);

  /** CRD (CDS Hooks: plain JSON, so refusals are JSON too) and DTR (FHIR JSON), behind the same SMART auth. */
  function mountProviderRoutes(p: ProviderRoutes): void {
    const HookId = z.object({ id: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'is a CDS service id') });
    router
      .on('GET', '/cds-services', { public: true, format: 'json' }, () => json(p.discovery()))
      .on('POST', '/cds-services/:id', { authenticate: needs(NEEDS.provider), params: HookId, body, format: 'json' }, ({ params, body: b }) => {
        const answer = p.hook(params.id, bounded(b));
        if (!answer) throw new MurmurError('E_NOT_FOUND', `No CDS service ${params.id} here.`, { status: 404 });
        return json(answer);
      })
      .on('POST', '/fhir/Questionnaire/$questionnaire-package', { authenticate: needs(NEEDS.provider), body }, ({ auth, body: b }) =>
        fhir(p.questionnairePackage(bounded(b), auth)),
      );
  }

  async function createSubscription(clientId: string, body: unknown): Promise<Subscription> {
    const s = body as Subscription;
    if (s?.resourceType !== 'Subscription') throw new MurmurError('E_INPUT', 'The body must be a Subscription.', { path: 'Subscription.resourceType' });
    const [issue] = validationIssues(s);
    if (issue)
      throw new MurmurError('E_INPUT', `The Subscription is not valid FHIR R4: ${describeIssue(issue)}.`, { path: issue.expression?.[0] ?? 'Subscription' });
    const problem = subscriptionProblem(s, made.auth!.notificationEndpoints(clientId));
    if (problem) throw new MurmurError('E_INPUT', `${problem.path}: ${problem.text}.`, { path: problem.path, ...(problem.forbidden ? { status: 403 } : {}) });
    const id = (o.newId ?? randomUUID)();
    const resource: Subscription = { ...s, id, status: 'requested', channel: { ...s.channel, payload: 'application/fhir+json' } };
    const record = { id, clientId, resource, events: 0, status: 'requested' as const };
    o.records.addSubscription(record);
    // The backport's handshake: the endpoint must take a handshake before any event goes there.
    const status = (await o.notifier.handshake(record)) ? 'active' : 'error';
    o.records.setSubscriptionStatus(id, status);
    if (status === 'active') o.notifier.watch({ ...record, status });
    return { ...resource, status };
  }

  function statusOf(id: string): Parameters {
    const record = o.records.subscription(id)!;
    const deliveries = o.records.deliveries(id);
    return {
      resourceType: 'Parameters',
      parameter: [
        { name: 'subscription', valueReference: { reference: `Subscription/${id}` } },
        { name: 'status', valueCode: record.status },
        { name: 'type', valueCode: 'query-status' },
        { name: 'events-since-subscription-start', valueString: String(record.events) },
        ...deliveries.map((d) => ({
          name: 'delivery',
          part: [
            { name: 'event-number', valueString: String(d.event) },
            { name: 'attempt', valueInteger: d.attempt },
            { name: 'timestamp', valueInstant: new Date(d.at).toISOString() },
            { name: 'http-status', valueInteger: d.status },
            { name: 'outcome', valueCode: d.outcome },
          ],
        })),
      ],
    };
  }

  const served = await serve(router, {
    name: 'pas',
    format: 'fhir',
    host,
    ...(o.port !== undefined ? { port: o.port } : {}),
    logger,
    reword,
    replyType: FHIR_JSON,
  });
  baseUrl = `${served.origin}/fhir`;
  tokenUrl = `${served.origin}/auth/token`;
  made.auth = o.auth(tokenUrl);
  return {
    baseUrl,
    tokenUrl,
    close: () => served.close(),
  };
}

const FHIR_JSON = 'application/fhir+json';

/** Depth and size first: nothing recursive (schemas, the validator) sees an unbounded document. */
function bounded(body: unknown): unknown {
  checkJsonLimits(body);
  return body;
}

/** The payer's own words for its failures; never the cause, never the request's content. */
function reword(p: Problem): Problem {
  if (p.status === 502) return { ...p, message: 'The payer could not store or read the request on its FHIR server.' };
  if (p.status >= 500) return { ...p, message: 'The payer could not process the request; it was not accepted.' };
  return p;
}
