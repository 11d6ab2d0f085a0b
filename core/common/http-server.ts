import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { z } from 'zod';
import { guard, hardenServer } from './http-guard.js';
import { HttpError, problemJson, problemOf, problemOutcome, type Problem } from './http-problem.js';
import { silentLogger, type Logger } from './log.js';

/**
 * The one HTTP layer every server of ours runs on (docs/http.md): routes matched by method
 * and path pattern, path and query parameters and bodies checked by zod schemas after a size
 * limit, one error → status mapping (http-problem.ts) rendered as JSON or a FHIR
 * OperationOutcome, one PHI-free log line per request, and nothing a request line, header or
 * body makes a handler throw ever leaving it (http-guard.ts).
 */
export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** How refusals are written: `{error: {code, message}}`, an OperationOutcome, or RFC 6749 §5.2. */
export type ProblemFormat = 'json' | 'fhir' | 'oauth';

export interface BodySpec<S extends z.ZodType = z.ZodType> {
  /** Refused (413) past this many bytes, before any parsing. */
  maxBytes: number;
  /** `json` (the default) parses JSON; `form` parses application/x-www-form-urlencoded; `bytes` hands over a Buffer. */
  parse?: 'json' | 'form' | 'bytes';
  /** Media types accepted (415 otherwise); any when absent. */
  types?: readonly string[];
  schema?: S;
}

export interface Ctx<A = unknown, P = Record<string, string>, Q = Record<string, string>, B = unknown> {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** The route's pattern, e.g. `/v1/cases/:id`: what the request log names. */
  route: string;
  params: P;
  query: Q;
  body: B;
  /** What the router's `authenticate` returned (undefined on public routes). */
  auth: A;
}

/** An answer: a body (JSON unless `text`/`bytes`), its status and headers. */
export interface Reply {
  status?: number;
  body?: unknown;
  /** Sent as is instead of JSON. */
  raw?: string | Buffer;
  type?: string;
  headers?: Record<string, string>;
}

/** A handler returns its Reply, or undefined once it has answered on `ctx.res` itself (streams). */
export type RouteHandler<A, P, Q, B> = (ctx: Ctx<A, P, Q, B>) => Reply | undefined | Promise<Reply | undefined>;

export interface RouteSpec<A, PS extends z.ZodType | undefined, QS extends z.ZodType | undefined, BS extends z.ZodType | undefined> {
  params?: PS;
  query?: QS;
  body?: BodySpec & { schema?: BS };
  /** No authentication (health, discovery, sign-in). */
  public?: boolean;
  /** This route's own authentication instead of the router's. */
  authenticate?: (req: IncomingMessage, url: URL) => A | Promise<A>;
  /** Refusals of this route in another shape than the server's (the OAuth token endpoint). */
  format?: ProblemFormat;
}

type Infer<S, D> = S extends z.ZodType ? z.infer<S> : D;

interface Route {
  method: Method;
  pattern: string;
  segments: string[];
  spec: RouteSpec<unknown, z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined>;
  handler: RouteHandler<unknown, unknown, unknown, unknown>;
}

export interface RouterOptions<A> {
  /** Runs before any body is read on every non-public route; throws (401, 403) to refuse. */
  authenticate?: (req: IncomingMessage, url: URL) => A | Promise<A>;
}

/** Replies with JSON (the default status 200). */
export const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Reply => ({ status, body, headers });

export class Router<A = undefined> {
  private readonly routes: Route[] = [];

  constructor(private readonly o: RouterOptions<A> = {}) {}

  /**
   * Adds a route. `pattern` segments are literal, `:name` (one segment, percent-decoded) or a
   * final `*` (the rest of the path, as `params['*']`).
   */
  on<PS extends z.ZodType | undefined = undefined, QS extends z.ZodType | undefined = undefined, BS extends z.ZodType | undefined = undefined>(
    method: Method,
    pattern: string,
    spec: RouteSpec<A, PS, QS, BS>,
    handler: RouteHandler<A, Infer<PS, Record<string, string>>, Infer<QS, Record<string, string>>, Infer<BS, unknown>>,
  ): this {
    this.routes.push({ method, pattern, segments: split(pattern), spec: spec as Route['spec'], handler: handler as Route['handler'] });
    return this;
  }

  /** The route for a method and path, its raw parameters, or the methods the path takes (405). */
  match(method: string, pathname: string): { route: Route; params: Record<string, string> } | { allow: Method[] } {
    const path = split(pathname);
    const allow: Method[] = [];
    for (const route of this.routes) {
      const params = matchSegments(route.segments, path);
      if (!params) continue;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { route, params };
      allow.push(route.method);
    }
    return { allow };
  }

  /** Runs a matched route: authentication, then parameters, query, body, handler. */
  async run(
    route: Route,
    raw: Record<string, string>,
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    omitQuery: readonly string[],
  ): Promise<Reply | undefined> {
    const { spec } = route;
    const authenticate = spec.authenticate ?? (spec.public ? undefined : this.o.authenticate);
    const auth = authenticate ? await authenticate(req, url) : undefined;
    const params = spec.params ? check(spec.params, raw, 'path') : raw;
    const rawQuery = Object.fromEntries([...url.searchParams].filter(([k]) => !omitQuery.includes(k)));
    const query = spec.query ? check(spec.query, rawQuery, 'query') : rawQuery;
    let body: unknown;
    if (spec.body) {
      body = await readBody(req, spec.body);
      if (spec.body.schema) body = check(spec.body.schema, body, 'body');
    }
    return route.handler({ req, res, url, route: route.pattern, params, query, body, auth });
  }
}

function split(path: string): string[] {
  // Empty segments (a trailing or doubled slash) are not part of a route.
  return path.split('/').filter((s) => s !== '');
}

function matchSegments(pattern: string[], path: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p === '*' && i === pattern.length - 1) {
      params['*'] = path.slice(i).join('/');
      return params;
    }
    const s = path[i];
    if (s === undefined) return undefined;
    if (p.startsWith(':')) params[p.slice(1)] = decodeURIComponent(s);
    else if (p !== s) return undefined;
  }
  return path.length === pattern.length ? params : undefined;
}

/** A value checked by its schema, or a 400 naming where and what is wrong. */
export function check<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = issue.path.map(String).join('.');
  throw new HttpError(400, 'E_INPUT', `${where}${path ? `.${path}` : ''}: ${issue.message}`, path || where);
}

/** The media type of a request, lower-cased, without parameters. */
export const mediaType = (req: IncomingMessage): string => (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();

/**
 * A request body of at most `maxBytes`. A declared length over the limit is refused before
 * reading; an undeclared one is discarded past the limit (the server's request timeout bounds
 * how long), so the client gets the 413 rather than a reset connection.
 */
export function readBytes(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = () =>
    new HttpError(413, 'E_INPUT', `body: larger than ${maxBytes >= 1024 ? `${Math.round(maxBytes / 1024)} KiB` : `${maxBytes} bytes`}`, 'body');
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      req.off('data', onData);
      req.off('end', onEnd);
      chunks.length = 0;
      req.resume();
      reject(tooLarge());
    };
    const onEnd = (): void => resolve(Buffer.concat(chunks));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', () => reject(new HttpError(400, 'E_INPUT', 'body: cut off', 'body')));
  });
}

/** A body read and parsed as its spec says. */
export async function readBody(req: IncomingMessage, spec: BodySpec): Promise<unknown> {
  if (spec.types && !spec.types.includes(mediaType(req))) {
    throw new HttpError(415, 'E_INPUT', `Content-Type: send ${spec.types.join(' or ')}`, 'Content-Type');
  }
  const bytes = await readBytes(req, spec.maxBytes);
  const parse = spec.parse ?? 'json';
  if (parse === 'bytes') return bytes;
  const text = bytes.toString('utf8');
  if (parse === 'form') return new URLSearchParams(text);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'E_INPUT', 'body: not valid JSON', 'body');
  }
}

const TYPES: Record<ProblemFormat, string> = { json: 'application/json', fhir: 'application/fhir+json', oauth: 'application/json; charset=utf-8' };

/** A refusal's body in a format. */
export function renderProblem(p: Problem, format: ProblemFormat): unknown {
  if (format === 'fhir') return problemOutcome(p);
  if (format === 'oauth')
    return { error: p.status >= 500 ? 'server_error' : p.code.startsWith('E_') ? 'invalid_request' : p.code, error_description: p.message };
  return problemJson(p);
}

/** Writes a Reply (JSON unless raw); a response already started is only ended. */
export function send(res: ServerResponse, reply: Reply, defaultType = 'application/json'): void {
  if (res.headersSent) return void res.end();
  const text = reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
  res.writeHead(reply.status ?? 200, {
    'content-type': reply.type ?? defaultType,
    'cache-control': 'no-store',
    'content-length': String(Buffer.byteLength(text)),
    ...reply.headers,
  });
  res.end(reply.status === 204 || reply.status === 304 ? undefined : text);
}

export interface ServeOptions {
  /** Names the server in the request log (`board-service`, `pas`, …). */
  name: string;
  format: ProblemFormat;
  host?: string;
  port?: number;
  logger?: Logger;
  /** Runs first on every request (a Host check); throws to refuse. */
  onRequest?: (req: IncomingMessage, res: ServerResponse, url: URL) => void;
  /** Answers what no route matches (static files); a 404 when absent. */
  fallback?: (req: IncomingMessage, res: ServerResponse, url: URL) => Reply | undefined | Promise<Reply | undefined>;
  /** Query parameters no route sees (a token carried in the URL). */
  omitQuery?: readonly string[];
  /** Lets a server reword a problem (say, its own 5xx text); the status comes from problemOf. */
  reword?: (p: Problem, e: unknown) => Problem;
  /** Content type of a JSON Reply that names none. */
  replyType?: string;
}

export interface Served {
  server: Server;
  port: number;
  /** `http://host:port` */
  origin: string;
  close(): Promise<void>;
}

/** The request listener for a router: what `serve` listens with (and tests can call directly). */
export function listener<A>(router: Router<A>, o: ServeOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const logger = o.logger ?? silentLogger;
  const omit = o.omitQuery ?? [];
  return async (req, res) => {
    const t0 = performance.now();
    let route = '(none)';
    let format = o.format;
    res.once('finish', () => {
      try {
        logger.log('debug', 'http.request', {
          server: o.name,
          method: (req.method ?? '').slice(0, 10),
          route,
          status: res.statusCode,
          ms: Math.round(performance.now() - t0),
        });
      } catch {
        // A failing logger must not fail a request that was answered.
      }
    });
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      o.onRequest?.(req, res, url);
      const method = (req.method ?? 'GET').toUpperCase();
      const found = router.match(method, url.pathname);
      let reply: Reply | undefined;
      if ('route' in found) {
        route = found.route.pattern;
        format = found.route.spec.format ?? o.format;
        reply = await router.run(found.route, found.params, req, res, url, omit);
      } else if (found.allow.length > 0) {
        throw new HttpError(405, 'E_METHOD', `${method} is not allowed here; use ${[...new Set(found.allow)].join(', ')}`, 'method', {
          allow: [...new Set(found.allow)].join(', '),
        });
      } else if (o.fallback) {
        route = '(fallback)';
        reply = await o.fallback(req, res, url);
      } else {
        throw new HttpError(404, 'E_NOT_FOUND', `no route ${method} ${url.pathname.slice(0, 200)}`, 'path');
      }
      if (reply) send(res, reply, o.replyType);
    } catch (e) {
      let p = problemOf(e);
      if (o.reword) p = o.reword(p, e);
      if (p.status >= 500) logger.log('error', 'http.failed', { server: o.name, route, code: p.code, error: e instanceof Error ? e.name : typeof e });
      if (res.headersSent) return void res.destroy();
      const written = e instanceof HttpError && e.answer !== undefined ? e.answer : renderProblem(p, format);
      send(res, { status: p.status, body: written, headers: e instanceof HttpError ? { ...e.headers } : {} }, TYPES[format]);
    }
  };
}

/** Listens with a router behind the guard and the server limits (http-guard.ts). */
export async function serve<A>(router: Router<A>, o: ServeOptions): Promise<Served> {
  const logger = o.logger ?? silentLogger;
  const server = hardenServer(createServer(guard(listener(router, o), { onError: (event, fields) => logger.log('error', event, fields) })));
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    origin: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}
