import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { getStatus } from '@medplum/core';
import { FhirRouter } from '@medplum/fhir-router';
import type { FhirRequest, FhirResponse, HttpMethod } from '@medplum/fhir-router';
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { Clock } from '../../core/common/clock.js';
import { systemClock } from '../../core/common/clock.js';
import type { Logger } from '../../core/common/log.js';
import { silentLogger } from '../../core/common/log.js';
import { HttpError } from '../../core/common/http-problem.js';
import { Router, serve, type Ctx, type Method, type Reply } from '../../core/common/http-server.js';
import { tokenRoute } from '../smart/token-endpoint.js';
import type { Random } from '../../core/common/random.js';
import { createSmartAuthServer } from '../smart/auth-server.js';
import type { SmartAuthServer } from '../smart/auth-server.js';
import type { SmartClientRegistry } from '../smart/client-registry.js';
import { requiredAccess } from '../smart/required-access.js';
import { capabilityStatement } from './capability-statement.js';
import { loadFhirDefinitions } from './definitions.js';
import { noJournal, openJournal, readJournal } from './journal.js';
import type { Journal, JournalOp } from './journal.js';
import { JournaledRepository } from './journaled-repository.js';
import { errorOutcome } from './outcome.js';
import { readBody } from './request-body.js';
import { normalizeReferenceParams } from './reference-params.js';
import { SerialQueue } from '../../core/common/concurrency.js';

export interface EmbeddedFhirServerOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1: the embedded server is for this machine only. */
  host?: string;
  /** Append-only JSON-lines journal; replayed at start. Without it the store is memory only. */
  journalPath?: string;
  logger?: Logger;
  /** Used for the CapabilityStatement's date, and for token expiry when `smart` is set. */
  clock?: Clock;
  /**
   * Require SMART backend services access tokens on every FHIR interaction (off unless set).
   * The server then also serves `[base]/.well-known/smart-configuration` and its token endpoint
   * at `[base]/auth/token`; `/metadata` stays public, as SMART requires.
   */
  smart?: { clients: SmartClientRegistry; tokenLifetimeS?: number; random?: Random };
}

export interface EmbeddedFhirServer {
  /** e.g. `http://127.0.0.1:41234/fhir/R4` */
  baseUrl: string;
  /** Resources replayed from the journal and how long startup took. */
  stats: { replayedWrites: number; startupMs: number };
  /** Present when the server requires SMART tokens (option `smart`). */
  smart?: SmartAuthServer;
  close(): Promise<void>;
}

const BASE_PATH = '/fhir/R4';
const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const METHODS: readonly Method[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * An in-process FHIR R4 server: @medplum/fhir-router over a validating, journaled in-memory
 * repository, behind node:http. Every request runs through one serial queue; a write is
 * answered only after its journal line is fsynced, and a failing write (a whole transaction
 * included) leaves neither memory nor journal changed.
 */
export async function startFhirServer(opts: EmbeddedFhirServerOptions = {}): Promise<EmbeddedFhirServer> {
  const started = performance.now();
  const logger = (opts.logger ?? silentLogger).child({ component: 'fhir-server' });
  const clock = opts.clock ?? systemClock;
  loadFhirDefinitions();

  const repo = new JournaledRepository();
  let journal: Journal = noJournal;
  let replayedWrites = 0;
  // What a failed write is undone to: the journal on disk, or (memory only) the groups kept here.
  const kept: JournalOp[][] = [];
  const journalPath = opts.journalPath;
  const committed = (): Promise<readonly (readonly JournalOp[])[]> => (journalPath ? readJournal(journalPath, logger) : Promise.resolve(kept));
  if (journalPath) {
    replayedWrites = await repo.rebuild(await readJournal(journalPath, logger));
    journal = await openJournal(journalPath);
  }

  const router = new FhirRouter();
  const queue = new SerialQueue();
  const startedAt = new Date(clock.now()).toISOString();
  let baseUrl = '';
  let smart: SmartAuthServer | undefined;

  const execute = (request: FhirRequest, isWrite: boolean): Promise<FhirResponse> =>
    queue.run(async () => {
      if (!isWrite) return router.handleRequest(request, repo);
      repo.takePending();
      const result = await router.handleRequest(request, repo);
      const { ops, failedTransaction } = repo.takePending();
      if (getStatus(result[0]) >= 400 || failedTransaction) {
        // Also undoes earlier entries of a failed transaction (and of anything else that failed).
        if (ops.length > 0 || failedTransaction) await repo.rebuild(await committed());
        return result;
      }
      try {
        await journal.append(ops);
      } catch (e) {
        await repo.rebuild(await committed());
        logger.log('error', 'fhir.journal.append-failed', { error: e instanceof Error ? e.name : 'unknown' });
        return [errorOutcome('exception', 'The write could not be made durable; nothing was stored.')];
      }
      if (!journalPath && ops.length > 0) kept.push(ops);
      return result;
    });

  /** The token is checked before the body is read, so that no one without one can make us read 32 MB. */
  const authenticate = (req: IncomingMessage): void => {
    const check = smart?.authorizer.authorize(req.headers.authorization, []);
    if (check && !check.ok) throw refusal(check);
  };

  const fhirInteraction = async ({ req, url, params }: Ctx<void>): Promise<Reply> => {
    const t0 = performance.now();
    const method = (req.method ?? 'GET').toUpperCase() as HttpMethod;
    const path = (params['*'] ?? '').replace(/^\/+|\/+$/g, '');
    const body = await readBody(req, method);
    if (!body.ok) return fhir(body.outcome, body.status);
    const scopeCheck = smart?.authorizer.authorize(req.headers.authorization, requiredAccess(method, path, body.value));
    if (scopeCheck && !scopeCheck.ok) throw refusal(scopeCheck);

    const query = normalizeReferenceParams(method, path, url.searchParams);
    const search = query.toString();
    const isSearchPost = method === 'POST' && path.endsWith('/_search');
    const request: FhirRequest = {
      method,
      url: search ? `${path}?${search}` : path,
      pathname: '',
      body: body.value,
      params: {},
      query: {},
      headers: req.headers,
      config: { transactions: true },
    };
    const result = await execute(request, method !== 'GET' && !isSearchPost);
    const status = getStatus(result[0]);
    const resource = result[1];
    const headers: Record<string, string> = {};
    if (resource?.id && resource.meta?.versionId) {
      headers.ETag = `W/"${resource.meta.versionId}"`;
      if (status === 201) headers.Location = `${baseUrl}/${resource.resourceType}/${resource.id}/_history/${resource.meta.versionId}`;
    }
    logger.log('debug', 'fhir.request', { method, resourceType: path.split('/')[0] || 'system', status, ms: Math.round(performance.now() - t0) });
    return fhir(resource ?? result[0], status, headers);
  };

  const routes = new Router<void>({ authenticate }).on('GET', `${BASE_PATH}/metadata`, { public: true }, () =>
    fhir(capabilityStatement(baseUrl, startedAt, smart && { tokenUrl: smart.configuration.token_endpoint })),
  );
  if (opts.smart) {
    routes.on('GET', `${BASE_PATH}/.well-known/smart-configuration`, { public: true }, () => ({
      body: smart!.configuration,
      type: 'application/json; charset=utf-8',
    }));
    tokenRoute(routes, `${BASE_PATH}/auth/token`, () => smart!.tokenEndpoint);
  }
  for (const method of METHODS) routes.on(method, BASE_PATH, {}, fhirInteraction).on(method, `${BASE_PATH}/*`, {}, fhirInteraction);

  const served = await serve(routes, {
    name: 'fhir',
    format: 'fhir',
    ...(opts.host ? { host: opts.host } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    logger,
    replyType: FHIR_JSON,
    fallback: () => fhir(errorOutcome('not-found', `No FHIR endpoint here; the base is ${BASE_PATH}.`), 404),
    reword: (p) => (p.status >= 500 ? { ...p, message: 'Internal server error.' } : p),
  });
  const server = served.server;
  const host = opts.host ?? '127.0.0.1';
  const { port } = served;
  baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}${BASE_PATH}`;
  if (opts.smart) {
    // Made once the port is known: client assertions must name the token URL as their aud.
    smart = createSmartAuthServer({ ...opts.smart, tokenUrl: `${baseUrl}/auth/token`, clock, logger });
  }
  const startupMs = Math.round(performance.now() - started);
  logger.log('info', 'fhir.server.started', { port, replayedWrites, startupMs, journaled: opts.journalPath !== undefined });

  let closing: Promise<void> | undefined;
  return {
    baseUrl,
    stats: { replayedWrites, startupMs },
    ...(smart ? { smart } : {}),
    close: () =>
      (closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await queue.idle();
        server.closeAllConnections();
        await closed;
        await journal.close();
        logger.log('info', 'fhir.server.closed', { port });
      })()),
  };
}

function fhir(body: Resource | OperationOutcome, status = 200, headers: Record<string, string> = {}): Reply {
  return { status, body, headers, type: FHIR_JSON };
}

/** A SMART refusal, answered with the authorizer's own OperationOutcome and challenge. */
function refusal(r: { status: number; outcome: OperationOutcome; headers: Record<string, string> }): HttpError {
  return new HttpError(
    r.status,
    r.status === 401 ? 'E_AUTH' : 'E_FORBIDDEN',
    r.outcome.issue?.[0]?.details?.text ?? 'not authorized',
    undefined,
    r.headers,
    r.outcome,
  );
}
