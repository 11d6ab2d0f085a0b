import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OperationOutcome, Parameters, Resource, Subscription } from '@medplum/fhirtypes';
import { MurmurError, errorMessage, isMurmurError } from '../../../core/common/errors.js';
import type { Logger } from '../../../core/common/log.js';
import { silentLogger } from '../../../core/common/log.js';
import { pasCapabilityStatement } from '../../../fhir/pas/capability.js';
import { checkJsonLimits } from '../../../fhir/pas/limits.js';
import { MAX_REQUEST_BYTES } from '../../../fhir/pas/request.js';
import { errorOutcome } from '../../../fhir/server/outcome.js';
import { describeIssue, validationIssues } from '../../../fhir/server/validation.js';
import { guard, hardenServer } from '../../../core/common/http-guard.js';
import { readJsonBody } from '../http-json.js';
import { subscriptionProblem, type Notifier } from './notifier.js';
import type { PasRecords } from './records.js';
import type { PasService } from './service.js';
import type { ProviderRoutes } from './provider-routes.js';

/** Who is calling, or why not (the answer's status, OperationOutcome and challenge headers). */
export type AuthResult =
  | { ok: true; clientId: string }
  | { ok: false; status: 401 | 403; outcome: OperationOutcome; headers: Record<string, string> };

/** What one interaction needs, as a SMART system scope would grant it. */
export interface Access {
  resourceType: string;
  permission: 'c' | 'r' | 'u' | 'd' | 's';
}

/** SMART backend services as the PAS endpoint needs it (fhir/smart implements it). */
export interface PasAuth {
  /** Checks a bearer token for the access an interaction needs. */
  authorize(authorization: string | undefined, need: Access): AuthResult;
  /** The token endpoint (client credentials with a JWT assertion), served at /auth/token. */
  token(req: IncomingMessage, res: ServerResponse): Promise<void>;
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
  const server: Server = hardenServer(
    createServer(
      guard(
        (req, res) =>
          route(req, res).catch((e: unknown) => {
            const [status, outcome] = failure(e);
            if (status >= 500) logger.log('error', 'pas.request-failed', { error: errorMessage(e).slice(0, 200) });
            sendFhir(res, status, outcome);
          }),
        { onError: (event, fields) => logger.log('error', event, fields) },
      ),
    ),
  );

  // Made once listening: the token URL every client assertion must name is known only then.
  const made: { auth?: PasAuth } = {};
  function authorized(req: IncomingMessage, res: ServerResponse, need: Access): string | undefined {
    const result = made.auth!.authorize(req.headers.authorization, need);
    if (result.ok) return result.clientId;
    sendFhir(res, result.status, result.outcome, result.headers);
    return undefined;
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://pas').pathname.replace(/\/+$/, '');
    const method = req.method ?? 'GET';
    if (method === 'GET' && path === '/fhir/metadata') return sendFhir(res, 200, pasCapabilityStatement(baseUrl, tokenUrl, new Date().toISOString()));
    if (method === 'GET' && path === '/fhir/.well-known/smart-configuration') return sendJsonBody(res, 200, made.auth!.configuration());
    if (method === 'POST' && path === '/auth/token') return made.auth!.token(req, res);
    if (method === 'POST' && (path === '/fhir/Claim/$submit' || path === '/fhir/Claim/$inquire')) {
      const submit = path.endsWith('$submit');
      const client = authorized(req, res, submit ? NEEDS.submit : NEEDS.inquire);
      if (!client) return;
      const body = await fhirBody(req);
      return sendFhir(res, 200, submit ? await o.service.submit(client, body) : await o.service.inquire(client, body));
    }
    if (method === 'POST' && path === '/fhir/Subscription') {
      const client = authorized(req, res, NEEDS.subscribe);
      if (!client) return;
      const created = await createSubscription(client, await fhirBody(req));
      res.setHeader('location', `${baseUrl}/Subscription/${created.id}`);
      return sendFhir(res, 201, created);
    }
    const sub = /^\/fhir\/Subscription\/([A-Za-z0-9-]{1,64})(\/\$status)?$/.exec(path);
    if ((method === 'GET' || (method === 'DELETE' && !sub?.[2])) && sub) {
      const client = authorized(req, res, method === 'GET' ? NEEDS.readSubscription : NEEDS.deleteSubscription);
      if (!client) return;
      const record = o.records.subscription(sub[1]!);
      // Another client's subscription, or a deleted one, does not exist as far as this caller can tell.
      if (!record || record.clientId !== client || record.status === 'off') throw new MurmurError('E_NOT_FOUND', 'No such Subscription.', { path: 'Subscription.id' });
      if (method === 'DELETE') {
        o.records.setSubscriptionStatus(record.id, 'off');
        o.notifier.unwatch(record.id);
        res.writeHead(204, { 'cache-control': 'no-store' });
        return void res.end();
      }
      return sendFhir(res, 200, sub[2] ? statusOf(record.id) : { ...record.resource, status: record.status });
    }
    if (o.provider && (await providerRoute(req, res, method, path, o.provider))) return;
    throw new MurmurError('E_NOT_FOUND', `No ${method} ${path} on this PAS endpoint.`, { status: 404 });
  }

  /** CRD (CDS Hooks: plain JSON) and DTR (FHIR JSON); true when the path was one of theirs. */
  async function providerRoute(req: IncomingMessage, res: ServerResponse, method: string, path: string, p: ProviderRoutes): Promise<boolean> {
    if (method === 'GET' && path === '/cds-services') return sendJsonBody(res, 200, p.discovery()), true;
    const hook = /^\/cds-services\/([A-Za-z0-9-]{1,64})$/.exec(path);
    if (method === 'POST' && hook) {
      if (!authorized(req, res, NEEDS.provider)) return true;
      const answer = p.hook(hook[1]!, await fhirBody(req));
      if (!answer) throw new MurmurError('E_NOT_FOUND', `No CDS service ${hook[1]!} here.`, { status: 404 });
      return sendJsonBody(res, 200, answer), true;
    }
    if (method === 'POST' && path === '/fhir/Questionnaire/$questionnaire-package') {
      const client = authorized(req, res, NEEDS.provider);
      if (!client) return true;
      return sendFhir(res, 200, p.questionnairePackage(await fhirBody(req), client)), true;
    }
    return false;
  }

  async function createSubscription(clientId: string, body: unknown): Promise<Subscription> {
    const s = body as Subscription;
    if (s?.resourceType !== 'Subscription') throw new MurmurError('E_INPUT', 'The body must be a Subscription.', { path: 'Subscription.resourceType' });
    const [issue] = validationIssues(s);
    if (issue) throw new MurmurError('E_INPUT', `The Subscription is not valid FHIR R4: ${describeIssue(issue)}.`, { path: issue.expression?.[0] ?? 'Subscription' });
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

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => resolve());
  });
  const origin = `http://${host}:${(server.address() as AddressInfo).port}`;
  baseUrl = `${origin}/fhir`;
  tokenUrl = `${origin}/auth/token`;
  made.auth = o.auth(tokenUrl);
  return {
    baseUrl,
    tokenUrl,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

async function fhirBody(req: IncomingMessage): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/fhir+json' && type !== 'application/json') {
    throw new MurmurError('E_INPUT', 'Send FHIR JSON (Content-Type: application/fhir+json).', { status: 415, path: 'Content-Type' });
  }
  const body = await readJsonBody(req, MAX_REQUEST_BYTES);
  // Depth and size first: nothing recursive (schemas, the validator) sees an unbounded document.
  checkJsonLimits(body);
  return body;
}

/** The status and OperationOutcome for a failure; never the request's content. */
function failure(e: unknown): [number, OperationOutcome] {
  if (isMurmurError(e)) {
    const path = typeof e.details.path === 'string' ? e.details.path : undefined;
    const status = typeof e.details.status === 'number' ? e.details.status : undefined;
    switch (e.code) {
      case 'E_INPUT':
        return [status ?? 400, errorOutcome(status === 415 ? 'not-supported' : status === 413 ? 'too-long' : status === 403 ? 'forbidden' : 'invalid', e.message, path)];
      case 'E_NOT_FOUND':
        return [404, errorOutcome('not-found', e.message, path)];
      case 'E_CONFLICT':
        return [409, errorOutcome('conflict', e.message, path)];
      case 'E_FHIR':
        return [502, errorOutcome('exception', 'The payer could not store or read the request on its FHIR server.')];
      default:
        break;
    }
  }
  return [500, errorOutcome('exception', 'The payer could not process the request; it was not accepted.')];
}

function sendFhir(res: ServerResponse, status: number, body: Resource, headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/fhir+json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

function sendJsonBody(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
