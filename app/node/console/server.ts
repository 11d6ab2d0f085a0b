import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { z } from 'zod';
import { errorMessage } from '../../../core/common/errors.js';
import { HttpError } from '../../../core/common/http-problem.js';
import { check, json, Router, serve, type Reply } from '../../../core/common/http-server.js';
import type { Logger } from '../../../core/common/log.js';
import { contained } from '../../../core/common/http-guard.js';
import type { StatusRegistry } from '../../../core/identity/status-list.js';
import type { OperatorIdentity } from '../../../core/identity/wallet.js';
import { toBase64url } from '../../../core/common/encoding.js';
import { adjudicationCommitment, adjudicationStatement, type AdjudicationDecision } from '../../../core/coordination/messages.js';
import type { OrgNode } from '../org-node.js';
import { decisionCard, servedClaimResponse } from './decision.js';
import { disclosureMatrix, SectionReader } from './disclosure.js';
import type { LogHub } from './logs.js';
import { Projection } from './projection.js';
import type { EntryDetail, LogLine, OrgRef, ProgressView, Session } from './protocol.js';
import { auditReport, auditView } from './audit-report.js';
import { ChallengeBody, SignIn, SignInBody, SignInRefused, type SignInOperator } from './sign-in.js';
import { walletView } from './wallet.js';

export interface ConsoleServerOptions {
  node: OrgNode;
  /** The coalition's organizations (ids, names, DIDs), for naming authors. */
  directory: OrgRef[];
  /** The built console UI (app/ui/dist). */
  uiDir: string;
  logs: LogHub;
  /** Credential status lists (the charter's), for the wallet view. */
  status?: StatusRegistry;
  /** Runs a synthetic request variant through the coalition (the payer's console only). */
  submit?: (variant: string, priority: 'normal' | 'stat') => Promise<unknown>;
  variants?: string[];
  /** Port on 127.0.0.1 (0: any free port). */
  port?: number;
  /** The per-launch token; random when absent. */
  token?: string;
  /** Where the node's wallet key lives, as shown in the wallet view. */
  keyStore?: string;
  /**
   * The organization's operators (their keys in its wallet), each signing in by key: the
   * wallet signs a challenge with the operator's key when given the operator's unlock secret
   * (./sign-in.ts). Only a signed-in operator decides a case; the decision carries the
   * operator's signature. The launch token alone opens the console read-only for decisions.
   */
  operators?: SignInOperator[];
  /** The payer's decision timeframes in hours (default 168 standard, 72 expedited: CMS-0057-F). */
  timeframes?: { standardHours: number; expeditedHours: number };
  now?: () => number;
}

export interface ConsoleServer {
  url: string;
  /** The URL with the token, to open in a browser or an Electron window. */
  launchUrl: string;
  token: string;
  port: number;
  /** Each operator's sign-in URL (the launch token, the operator's id and unlock secret). */
  operators: { id: string; name: string; launchUrl: string }[];
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const CaseId = z.string().regex(/^[A-Za-z0-9._:-]{1,80}$/, 'expected a case id');
const EntryId = z.string().regex(/^[0-9a-f]{64}$/, 'expected an entry id (64 hex digits)');
const SectionName = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'expected a section name');
const BoardQuery = z.object({ from: z.coerce.number().int().min(1).default(1), limit: z.coerce.number().int().min(1).max(5000).default(1000) }).strict();
export const AdjudicationBody = z
  .object({
    outcome: z.enum(['approved', 'denied', 'info-requested']),
    reasonCode: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'is a code of lower-case words joined by hyphens'),
    note: z.string().max(2000).optional(),
  })
  .strict();
const SubmitBody = z
  .object({ variant: z.string().regex(/^[a-z0-9-]{1,60}$/, 'is a variant name'), priority: z.enum(['normal', 'stat']).default('normal') })
  .strict();

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.ttf': 'font/ttf',
  '.woff2': 'font/woff2',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
};

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** A value checked by its schema, or a 400 naming the field (the HTTP layer's `check`). */
const parse = check;

/** A path segment decoded, or a 400 naming it: `%E0%A4%A` is a request's mistake, not ours. */
function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new HttpError(400, 'E_INPUT', 'path: malformed percent-encoding', 'path');
  }
}

/** The operator's signature over the decision, as the fold verifies it (core/coordination/messages.ts). */
function operatorSignature(
  caseId: string,
  input: { closure: string; commitment: string; reasonCode: string },
  op: OperatorIdentity,
  key: string,
): { id: string; key: string; sig: string } {
  const statement = adjudicationStatement(caseId, { ...input, operator: { id: op.id, key } });
  return { id: op.id, key, sig: toBase64url(op.signer.sign(statement)) };
}

/** Bodies the console takes: small JSON. */
const JSON_BODY = { maxBytes: 64 * 1024, types: ['application/json'] } as const;
const CaseParam = z.object({ id: CaseId });
const EntryParam = z.object({ id: EntryId });
const SectionParam = z.object({ id: EntryId, name: SectionName });
const DownloadQuery = z.object({ download: z.string().max(8).optional() });
/** A report for one case, or for a period (ISO dates). */
const ReportQuery = z.object({ case: CaseId.optional(), from: z.coerce.date().optional(), to: z.coerce.date().optional() });

/**
 * One organization's console server: the built UI and a JSON API over its org node, on
 * 127.0.0.1 only, behind a per-launch token (Authorization: Bearer, or ?token= for the event
 * stream and downloads), with live updates as server-sent events.
 */
export async function startConsoleServer(o: ConsoleServerOptions): Promise<ConsoleServer> {
  const token = o.token ?? randomBytes(24).toString('base64url');
  const tokenBytes = Buffer.from(token);
  const now = o.now ?? Date.now;
  const p = new Projection(o.node, o.directory);
  p.now = now;
  if (o.timeframes) p.timeframes = { ...o.timeframes };
  const reader = new SectionReader(p);
  const orgId = o.node.spec.id;
  const clients = new Set<ServerResponse>();
  const progress = new Map<string, ProgressView>();
  let port = 0;

  const send = (type: string, data: unknown): void => {
    const frame = `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const c of clients) if (!c.writableEnded && !c.destroyed) c.write(frame);
  };
  const setProgress = (v: ProgressView): void => {
    progress.set(v.id, v);
    send('progress', v);
  };
  const log = (level: 'info' | 'warn' | 'error', event: string, fields: Record<string, string | number | boolean>): void =>
    o.logs.push(level, event, { org: orgId, ...fields });

  // The node's replica and log hub call these: a failure in the console's view of a record
  // stays in the console and never reaches the node's fold.
  const failed = (where: string) => (e: unknown) =>
    o.logs.push('error', 'console.listener-failed', { org: orgId, where, error: e instanceof Error ? e.name : 'unknown' });
  const stopRecords = o.node.replica.onRecord(contained((record, entry) => send('record', p.entryView(record, entry)), failed('record')));
  const stopLogs = o.logs.onLine(
    contained((org: string, line: LogLine) => {
      if (org === orgId || org === '*') send('log', line);
    }, failed('log')),
  );

  const operators = (o.operators ?? []).map((x) => ({ ...x, key: toBase64url(x.identity.publicKey) }));
  for (const x of operators) p.operators.set(x.identity.id, { name: x.identity.name, key: x.key });
  const signIn = new SignIn(operators, p.self.did, () => `http://${HOST}:${port}`, now);
  type Principal = { operator?: (typeof operators)[number]; session?: { token: string; signedInAt: number; expiresAt: number } };
  const same = (b: Buffer, t: Buffer): boolean => b.length === t.length && timingSafeEqual(b, t);
  /** Who is asking: the launch token (the organization's desk) or an operator's signed-in session. */
  const authorized = (req: IncomingMessage, url: URL): Principal | undefined => {
    const auth = req.headers.authorization;
    const given = auth?.startsWith('Bearer ') ? auth.slice(7) : url.searchParams.get('token');
    if (!given) return undefined;
    if (same(Buffer.from(given), tokenBytes)) return {};
    const s = signIn.session(given);
    return s ? { operator: s.operator, session: { token: s.token, signedInAt: s.signedInAt, expiresAt: s.expiresAt } } : undefined;
  };
  const signInRoute = (body: () => Promise<unknown>, what: 'challenge' | 'sign-in') =>
    body().then((b) => {
      try {
        if (what === 'challenge') return signIn.challenge(parse(ChallengeBody, b, 'body').operator);
        const s = signIn.signIn(parse(SignInBody, b, 'body'));
        log('info', 'console.sign-in', { operator: s.operator.identity.id });
        return { session: s.token, operator: { id: s.operator.identity.id, name: s.operator.identity.name }, signedInAt: s.signedInAt, expiresAt: s.expiresAt };
      } catch (e) {
        if (!(e instanceof SignInRefused)) throw e;
        if (what === 'sign-in') log('warn', 'console.sign-in-refused', { ...(e.field ? { field: e.field } : {}) });
        throw new HttpError(e.status, e.status === 429 ? 'E_BUSY' : e.status === 404 ? 'E_NOT_FOUND' : 'E_SIGN_IN', e.message, e.field);
      }
    });

  const caseOf = (id: string) => {
    const c = p.state.cases.get(parse(CaseId, id, 'case'));
    if (!c) throw new HttpError(404, 'E_NOT_FOUND', `no case ${id} on this organization's replica`);
    return c;
  };
  const entryOf = (id: string) => {
    const e = o.node.replica.entry(parse(EntryId, id, 'entry'));
    if (!e) throw new HttpError(404, 'E_NOT_FOUND', `no entry ${id.slice(0, 12)}… on this organization's replica`);
    return e;
  };

  async function adjudicate(caseId: string, body: unknown, who: Principal): Promise<unknown> {
    const c = caseOf(caseId);
    const input = parse(AdjudicationBody, body, 'body');
    if (o.node.spec.kind !== 'payer' || p.actor(c.requester).org !== orgId) {
      throw new HttpError(403, 'E_FORBIDDEN', `${o.node.spec.name} did not request case ${c.id}; only the requesting payer adjudicates it`);
    }
    const op = who.operator;
    if (!op)
      throw new HttpError(
        403,
        'E_FORBIDDEN',
        "sign in as an operator to decide a case: a decision is signed with the operator's own key (open the operator's console URL)",
      );
    if (c.outcome?.closure !== 'open')
      throw new HttpError(409, 'E_CONFLICT', `case ${c.id} is ${c.outcome ? 'decided' : 'not decided yet'}; only a pended case is adjudicated`);
    const agent = o.node.agents.find((a) => a.did === c.requester) ?? o.node.agents[0]!;
    const roles = p.roles();
    // What the operator decided goes in a sealed section; the header holds its closure and a
    // salted commitment to it, which the operator signs.
    const decided: AdjudicationDecision = { outcome: input.outcome, salt: randomBytes(16).toString('base64url') };
    const signed = {
      closure: input.outcome === 'info-requested' ? ('open' as const) : ('final' as const),
      commitment: adjudicationCommitment(decided),
      reasonCode: input.reasonCode,
    };
    const posted = await agent.postSealed(c.id, undefined, {
      case: c.id,
      kind: 'Adjudication',
      header: { ...signed, operator: operatorSignature(c.id, signed, op.identity, op.key) },
      sections: [
        { name: 'decision', readers: roles, plaintext: decided },
        ...(input.note ? [{ name: 'note', readers: roles, plaintext: { note: input.note } }] : []),
      ],
    });
    await o.node.replica.catchUp();
    const record = o.node.replica.fold.record(posted.envelope.id);
    log('info', 'console.adjudication', { case: c.id, closure: signed.closure, operator: op.identity.id, status: record?.status ?? 'pending' });
    if (record?.status === 'rejected') throw new HttpError(409, 'E_CONFLICT', `the board rejected the decision: ${record.reason}`);
    // The views that cannot wait read the decision from the node's cache: fill it (an audited
    // read, on disk before it is used) before answering, so the operator's next view shows it.
    const now = o.node.replica.state.cases.get(c.id);
    if (now) await o.node.adjudicationOf(now);
    return { entry: posted.envelope.id, index: posted.index, status: record?.status ?? 'pending' };
  }

  function submit(body: unknown): ProgressView {
    if (!o.submit) throw new HttpError(403, 'E_FORBIDDEN', `${o.node.spec.name} does not take requests`);
    const { variant, priority } = parse(SubmitBody, body, 'body');
    if (!(o.variants ?? []).includes(variant)) throw new HttpError(400, 'E_INPUT', `body.variant: no synthetic request "${variant}"`, 'variant');
    const id = `run-${randomBytes(4).toString('hex')}`;
    const since = o.node.replica.fold.lastIndex;
    const title = `Running case (${variant}${priority === 'stat' ? ', expedited' : ''})`;
    setProgress({ id, title, state: 'running', done: 0, message: 'opening the case' });
    const stop = o.node.replica.onRecord(
      contained(() => {
        // A case opened since the run began is live (in memory): frozen ones are not decoded on every record.
        const c = [...p.state.cases.live()].find((x) => x.opened.index > since && p.actor(x.requester).org === orgId);
        if (!c) return;
        const v = p.caseView(c);
        setProgress({ id, title, state: 'running', done: v.progress.done, total: v.progress.total, message: `${c.id}: ${c.status}` });
      }, failed('progress')),
    );
    log('info', 'console.case-submitted', { variant });
    o.submit(variant, priority).then(
      () => {
        stop();
        const last = progress.get(id)!;
        setProgress({ ...last, state: 'done', done: last.total ?? last.done, message: `${last.message?.split(':')[0] ?? 'case'}: done` });
      },
      (e: unknown) => {
        stop();
        setProgress({ ...progress.get(id)!, state: 'failed', message: errorMessage(e) });
        log('error', 'console.case-failed', { variant, error: errorMessage(e) });
      },
    );
    return progress.get(id)!;
  }

  const session = (who: Principal): Session => ({
    org: p.self,
    orgs: p.orgs(),
    roles: p.roles(),
    canAdjudicate: o.node.spec.kind === 'payer',
    canSubmit: !!o.submit,
    variants: o.submit ? (o.variants ?? []) : [],
    ...(who.operator
      ? {
          operator: {
            id: who.operator.identity.id,
            name: who.operator.identity.name,
            ...(who.session ? { signedInAt: who.session.signedInAt, expiresAt: who.session.expiresAt } : {}),
          },
        }
      : {}),
    operators: operators.map((x) => ({ id: x.identity.id, name: x.identity.name })),
  });

  const entryDetail = (id: string): EntryDetail => {
    const e = entryOf(id);
    const record = o.node.replica.fold.record(e.envelope.id)!;
    return {
      entry: p.entryView(record, e),
      seq: e.envelope.seq,
      prev: e.envelope.prev,
      signatureValue: e.envelope.sig,
      header: e.envelope.header,
      sections: e.envelope.sections.map((s) => reader.view(e, s)),
    };
  };

  async function claimResponse(id: string, download: boolean, who: Principal): Promise<Reply> {
    const c = caseOf(id);
    if (p.actor(c.requester).org !== orgId)
      throw new HttpError(403, 'E_FORBIDDEN', `${o.node.spec.name} did not request case ${c.id}; its ClaimResponse goes to the requesting payer's provider`);
    const served = await servedClaimResponse(p, reader, c, undefined, who.operator?.identity.id);
    if (!served) throw new HttpError(404, 'E_NOT_FOUND', `case ${c.id} has no ClaimResponse yet`);
    log('info', 'console.claim-response', { case: c.id, version: served.version, download });
    if (!download) return json(served);
    return {
      raw: JSON.stringify(served.claimResponse, null, 2),
      type: 'application/fhir+json',
      headers: { 'content-disposition': `attachment; filename="ClaimResponse-${c.id}.json"` },
    };
  }

  async function exportReport(q: z.infer<typeof ReportQuery>, who: Principal): Promise<Reply> {
    const only = q.case !== undefined ? caseOf(q.case) : undefined;
    const id = `report-${randomBytes(4).toString('hex')}`;
    const title = `Exporting audit report${only ? ` (${only.id})` : ''}`;
    setProgress({ id, title, state: 'running', done: 0, total: 1, message: 'verifying the chain and writing the PDF' });
    const pdf = await auditReport(
      p,
      { ...(only ? { case: only } : {}), ...(q.from !== undefined ? { from: q.from.getTime() } : {}), ...(q.to !== undefined ? { to: q.to.getTime() } : {}) },
      { generatedAt: now(), operators: operators.map((x) => ({ id: x.identity.id, name: x.identity.name })) },
    );
    setProgress({ id, title, state: 'done', done: 1, total: 1, message: `${pdf.length} bytes` });
    log('info', 'console.report-exported', {
      bytes: pdf.length,
      ...(only ? { case: only.id } : {}),
      ...(who.operator ? { operator: who.operator.identity.id } : {}),
    });
    return {
      raw: pdf,
      type: 'application/pdf',
      headers: { 'content-disposition': `attachment; filename="murmur-audit-${orgId}${only ? `-${only.id}` : ''}.pdf"` },
    };
  }

  /** Who is asking, or a 401: every /api/ route needs the launch token or an operator's. */
  const authenticate = (req: IncomingMessage, url: URL): Principal => {
    const who = authorized(req, url);
    if (!who) throw new HttpError(401, 'E_TOKEN', 'missing or wrong console token; open the console with the URL its node printed');
    return who;
  };

  // The console's API (docs/http.md says how to add a route).
  const router = new Router<Principal>({ authenticate })
    // Sign-in by key (./sign-in.ts): POST sign-in/challenge, then POST sign-in with the signature.
    .on('POST', '/api/sign-in/challenge', { body: JSON_BODY }, async ({ body }) => json(await signInRoute(async () => body, 'challenge'), 200))
    .on('POST', '/api/sign-in', { body: JSON_BODY }, async ({ body }) => json(await signInRoute(async () => body, 'sign-in'), 201))
    .on('POST', '/api/sign-out', {}, ({ auth }) => {
      if (!auth.session) throw new HttpError(400, 'E_INPUT', 'sign-out: no operator is signed in with this token');
      signIn.signOut(auth.session.token);
      log('info', 'console.sign-out', { operator: auth.operator!.identity.id });
      return json({ signedOut: true });
    })
    .on('GET', '/api/session', {}, ({ auth }) => json(session(auth)))
    .on('GET', '/api/cases', {}, () => json(p.cases()))
    .on('POST', '/api/cases', { body: JSON_BODY }, ({ body }) => json(submit(body), 202))
    .on('GET', '/api/cases/:id', { params: CaseParam }, ({ params }) => json(p.caseView(caseOf(params.id))))
    .on('GET', '/api/cases/:id/decision', { params: CaseParam }, async ({ params, auth }) =>
      json(await decisionCard(p, reader, caseOf(params.id), auth.operator?.identity.id)),
    )
    .on('GET', '/api/cases/:id/claim-response', { params: CaseParam, query: DownloadQuery }, ({ params, query, auth }) =>
      claimResponse(params.id, query.download === '1', auth),
    )
    .on('GET', '/api/cases/:id/disclosure', { params: CaseParam }, ({ params }) => json(disclosureMatrix(p, caseOf(params.id))))
    .on('POST', '/api/cases/:id/adjudication', { params: CaseParam, body: JSON_BODY }, async ({ params, body, auth }) =>
      json(await adjudicate(params.id, body, auth), 201),
    )
    .on('GET', '/api/board', { query: BoardQuery }, ({ query }) => json(p.board(query.from, query.limit)))
    .on('GET', '/api/entries/:id', { params: EntryParam }, ({ params }) => json(entryDetail(params.id)))
    .on('GET', '/api/entries/:id/sections/:name', { params: SectionParam }, async ({ params, auth }) => {
      const e = entryOf(params.id);
      const content = await reader.read(e, params.name, auth.operator?.identity.id);
      log('info', 'console.section-read', {
        entry: e.envelope.id.slice(0, 12),
        section: params.name,
        ...(auth.operator ? { operator: auth.operator.identity.id } : {}),
      });
      return json(content ?? null);
    })
    .on('GET', '/api/agents', {}, () => json(p.agents()))
    .on('GET', '/api/wallet', {}, () =>
      json(
        walletView(p, { ...(o.status ? { status: o.status } : {}), now: now(), keyStore: o.keyStore ?? 'in memory (demo): each launch creates fresh keys' }),
      ),
    )
    .on('GET', '/api/audit', {}, () => json(auditView(p)))
    .on('GET', '/api/audit/report.pdf', { query: ReportQuery }, ({ query, auth }) => exportReport(query, auth))
    .on('GET', '/api/problems', {}, () => json(p.problems(o.node.replica.fold.records.at(-1)?.at ?? now())))
    .on('GET', '/api/logs', {}, () => json(o.logs.lines(orgId)))
    .on('GET', '/api/progress', {}, () => json([...progress.values()]))
    .on('GET', '/api/events', {}, ({ res }) => {
      events(res);
      return undefined;
    });

  function events(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write('retry: 2000\n\n');
    clients.add(res);
    const ping = setInterval(
      contained(() => void res.write(': ping\n\n'), failed('ping')),
      15_000,
    );
    res.on('close', () => {
      clearInterval(ping);
      clients.delete(res);
    });
  }

  function serveStatic(url: URL, res: ServerResponse): void {
    const rel = url.pathname === '/' ? 'index.html' : decodeSegment(url.pathname.slice(1));
    const file = normalize(join(o.uiDir, rel));
    if (!file.startsWith(normalize(o.uiDir) + sep) || !existsSync(file) || !statSync(file).isFile()) {
      if (rel === 'index.html') {
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('The console UI is not built. Run `npm run build:ui`.\n');
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('not found\n');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': rel === 'index.html' ? 'no-store' : 'max-age=3600',
    });
    createReadStream(file).pipe(res);
  }

  // The layer's request lines go to the node's log hub, the per-request debug lines apart (the
  // console's own polling would fill its Output view).
  const logger: Logger = {
    log: (level, event, fields) => level !== 'debug' && log(level, event, (fields ?? {}) as Record<string, string | number | boolean>),
    child: () => logger,
  };
  const served = await serve(router, {
    name: 'console',
    format: 'json',
    host: HOST,
    port: o.port ?? 0,
    logger,
    omitQuery: ['token'],
    onRequest: (req, res, url) => {
      // DNS rebinding: only answer requests addressed to the loopback origin we listen on.
      const host = req.headers.host ?? '';
      if (host !== `${HOST}:${port}` && host !== `localhost:${port}`) throw new HttpError(421, 'E_HOST', 'the console answers on 127.0.0.1 only');
      if (url.pathname.startsWith('/api/')) res.setHeader('x-content-type-options', 'nosniff');
    },
    fallback: (req, res, url) => {
      if (url.pathname.startsWith('/api/')) {
        authenticate(req, url);
        throw new HttpError(404, 'E_NOT_FOUND', `no API route ${req.method} ${url.pathname.slice(0, 200)}`, 'path');
      }
      if (req.method !== 'GET' && req.method !== 'HEAD')
        throw new HttpError(405, 'E_METHOD', 'the console UI is read with GET', 'method', { allow: 'GET, HEAD' });
      serveStatic(url, res);
      return undefined;
    },
  });
  port = served.port;
  const url = `http://${HOST}:${port}/`;
  return {
    url,
    launchUrl: `${url}?token=${token}`,
    token,
    port,
    operators: operators.map((x) => ({
      id: x.identity.id,
      name: x.identity.name,
      launchUrl: `${url}?token=${token}&operator=${x.identity.id}&unlock=${x.unlock}`,
    })),
    async close() {
      stopRecords();
      stopLogs();
      for (const c of clients) c.end();
      clients.clear();
      await served.close();
    },
  };
}
