import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { z } from 'zod';
import { errorMessage, isMurmurError, type ErrorCode } from '../../../core/common/errors.js';
import { verifyAuditTrail } from '../../../core/access/audit.js';
import { contained, guard, hardenServer } from '../../../core/common/http-guard.js';
import { authorDid } from '../../../core/board/envelope.js';
import type { StatusRegistry } from '../../../core/identity/status-list.js';
import type { OperatorIdentity } from '../../../core/identity/wallet.js';
import { toBase64url } from '../../../core/common/encoding.js';
import { adjudicationCommitment, adjudicationStatement, type AdjudicationDecision } from '../../../core/coordination/messages.js';
import type { OrgNode } from '../org-node.js';
import { decisionCard, servedClaimResponse } from './decision.js';
import { disclosureMatrix, SectionReader } from './disclosure.js';
import type { LogHub } from './logs.js';
import { Projection } from './projection.js';
import type { AuditView, EntryDetail, LogLine, OrgRef, ProgressView, Session } from './protocol.js';
import { auditReportPdf } from './report.js';
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
  submit?: (variant: string) => Promise<unknown>;
  variants?: string[];
  /** Port on 127.0.0.1 (0: any free port). */
  port?: number;
  /** The per-launch token; random when absent. */
  token?: string;
  /** Where the node's wallet key lives, as shown in the wallet view. */
  keyStore?: string;
  /**
   * The organization's operators (their keys in its wallet), each signing in with their own
   * token. Only a signed-in operator decides a case; the decision carries the operator's
   * signature. The launch token alone opens the console read-only for decisions.
   */
  operators?: { identity: OperatorIdentity; token: string }[];
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
  /** Each operator's sign-in URL (with their token). */
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
const SubmitBody = z.object({ variant: z.string().regex(/^[a-z0-9-]{1,60}$/, 'is a variant name') }).strict();

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

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

const STATUS_OF: Partial<Record<ErrorCode, number>> = { E_INPUT: 400, E_SCHEMA: 400, E_NOT_FOUND: 404, E_CONFLICT: 409, E_CRYPTO: 403, E_TIMEOUT: 504 };

function parse<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.join('.') || where;
  throw new HttpError(400, 'E_INPUT', `${where}${issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue.message}`, field);
}

/** A path segment decoded, or a 400 naming it: `%E0%A4%A` is a request's mistake, not ours. */
function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new HttpError(400, 'E_INPUT', 'path: malformed percent-encoding', 'path');
  }
}

/** The operator's signature over the decision, as the fold verifies it (core/coordination/messages.ts). */
function operatorSignature(caseId: string, input: { closure: string; commitment: string; reasonCode: string }, op: OperatorIdentity, key: string): { id: string; key: string; sig: string } {
  const statement = adjudicationStatement(caseId, { ...input, operator: { id: op.id, key } });
  return { id: op.id, key, sig: toBase64url(op.signer.sign(statement)) };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) throw new HttpError(415, 'E_INPUT', 'body: send application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 64 * 1024) throw new HttpError(413, 'E_INPUT', 'body: larger than 64 KiB');
    chunks.push(c as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'E_INPUT', 'body: not valid JSON');
  }
}

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
  const log = (level: 'info' | 'warn' | 'error', event: string, fields: Record<string, string | number | boolean>): void => o.logs.push(level, event, { org: orgId, ...fields });

  // The node's replica and log hub call these: a failure in the console's view of a record
  // stays in the console and never reaches the node's fold.
  const failed = (where: string) => (e: unknown) => o.logs.push('error', 'console.listener-failed', { org: orgId, where, error: e instanceof Error ? e.name : 'unknown' });
  const stopRecords = o.node.replica.onRecord(contained((record, entry) => send('record', p.entryView(record, entry)), failed('record')));
  const stopLogs = o.logs.onLine(
    contained((org: string, line: LogLine) => {
      if (org === orgId || org === '*') send('log', line);
    }, failed('log')),
  );

  const operators = (o.operators ?? []).map((x) => ({ ...x, tokenBytes: Buffer.from(x.token), key: toBase64url(x.identity.publicKey) }));
  for (const x of operators) p.operators.set(x.identity.id, { name: x.identity.name, key: x.key });
  type Principal = { operator?: (typeof operators)[number] };
  const same = (b: Buffer, t: Buffer): boolean => b.length === t.length && timingSafeEqual(b, t);
  /** Who is asking: the launch token (the organization) or an operator's own token. */
  const authorized = (req: IncomingMessage, url: URL): Principal | undefined => {
    const auth = req.headers.authorization;
    const given = auth?.startsWith('Bearer ') ? auth.slice(7) : url.searchParams.get('token');
    if (!given) return undefined;
    const b = Buffer.from(given);
    if (same(b, tokenBytes)) return {};
    const op = operators.find((x) => same(b, x.tokenBytes));
    return op ? { operator: op } : undefined;
  };

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

  const auditView = (): AuditView => {
    const entries = o.node.audit.entries();
    const check = verifyAuditTrail(entries, o.node.audit.org);
    return {
      board: p.verifyBoard(),
      trail: check.ok ? { ok: true, count: check.count, head: check.head } : { ok: false, count: entries.length, index: check.index, reason: check.reason },
      entries: entries.map((e) => ({
        index: e.index,
        at: e.at,
        kind: e.event.kind,
        actor: p.actor(e.event.actor).name,
        ...(e.event.operator ? { operator: p.operators.get(e.event.operator)?.name ?? `operator ${e.event.operator}` } : {}),
        outcome: e.event.outcome,
        ...(e.event.case ? { case: e.event.case } : {}),
        ...(e.event.subtask ? { subtask: e.event.subtask } : {}),
        ...(e.event.section ? { section: e.event.section } : {}),
        ...(e.event.counterparty ? { counterparty: p.actor(e.event.counterparty).name } : {}),
        ...(e.event.reasons ? { reasons: e.event.reasons } : {}),
        ...(e.event.elements ? { elements: e.event.elements } : {}),
        hash: e.hash,
        ...accessBasis(e.event),
      })),
    };
  };

  /** For a read or a grant: the entry, the AccessRequest and KeyGrant behind it, and the credential it rested on. */
  const accessBasis = (ev: { kind: string; actor: string; counterparty?: string; envelope?: string; case?: string; section?: string; credentials?: string[] }): Partial<AuditView['entries'][number]> => {
    if (ev.kind === 'credential-check' || ev.kind === 'denial') return ev.credentials?.length ? { basis: `credentials checked: ${ev.credentials.join(', ')}` } : {};
    if ((ev.kind !== 'decrypt' && ev.kind !== 'grant') || !ev.envelope || !ev.case) return {};
    const c = p.state.cases.get(ev.case);
    const target = o.node.replica.fold.records.find((r) => r.id === ev.envelope);
    const envelope = target ? { envelope: { id: target.id, index: target.index } } : {};
    const reader = ev.kind === 'decrypt' ? ev.actor : ev.counterparty;
    const req = c ? [...c.access.requests.values()].find((r) => r.requester === reader && r.target === ev.envelope && r.section === ev.section) : undefined;
    const creds = ev.credentials?.length ? `; credentials checked: ${ev.credentials.join(', ')}` : '';
    if (!req) {
      const own = target && authorDid(target.author) === reader;
      return { ...envelope, basis: own ? 'its own section (the author holds the key)' : `no access request on the board${creds}` };
    }
    const g = c!.access.grants.get(req.ref.id);
    return {
      ...envelope,
      request: { id: req.ref.id, index: req.ref.index },
      ...(g ? { grant: { id: g.ref.id, index: g.ref.index } } : {}),
      basis: `role credential "${req.role}" of ${p.actor(req.requester).orgName}, presented in the access request${g ? `, key granted by ${p.actor(g.grantor).name}` : ', no key granted'}${creds}`,
    };
  };

  async function adjudicate(caseId: string, body: unknown, who: Principal): Promise<unknown> {
    const c = caseOf(caseId);
    const input = parse(AdjudicationBody, body, 'body');
    if (o.node.spec.kind !== 'payer' || p.actor(c.requester).org !== orgId) {
      throw new HttpError(403, 'E_FORBIDDEN', `${o.node.spec.name} did not request case ${c.id}; only the requesting payer adjudicates it`);
    }
    const op = who.operator;
    if (!op) throw new HttpError(403, 'E_FORBIDDEN', "sign in as an operator to decide a case: a decision is signed with the operator's own key (open the operator's console URL)");
    if (c.outcome?.closure !== 'open') throw new HttpError(409, 'E_CONFLICT', `case ${c.id} is ${c.outcome ? 'decided' : 'not decided yet'}; only a pended case is adjudicated`);
    const agent = o.node.agents.find((a) => a.did === c.requester) ?? o.node.agents[0]!;
    const roles = p.roles();
    // What the operator decided goes in a sealed section; the header holds its closure and a
    // salted commitment to it, which the operator signs.
    const decided: AdjudicationDecision = { outcome: input.outcome, salt: randomBytes(16).toString('base64url') };
    const signed = { closure: input.outcome === 'info-requested' ? ('open' as const) : ('final' as const), commitment: adjudicationCommitment(decided), reasonCode: input.reasonCode };
    const posted = await agent.postSealed(c.id, undefined, {
      case: c.id,
      kind: 'Adjudication',
      header: { ...signed, operator: operatorSignature(c.id, signed, op.identity, op.key) },
      sections: [{ name: 'decision', readers: roles, plaintext: decided }, ...(input.note ? [{ name: 'note', readers: roles, plaintext: { note: input.note } }] : [])],
    });
    await o.node.replica.catchUp();
    const record = o.node.replica.fold.records.find((r) => r.id === posted.envelope.id);
    log('info', 'console.adjudication', { case: c.id, closure: signed.closure, operator: op.identity.id, status: record?.status ?? 'pending' });
    if (record?.status === 'rejected') throw new HttpError(409, 'E_CONFLICT', `the board rejected the decision: ${record.reason}`);
    return { entry: posted.envelope.id, index: posted.index, status: record?.status ?? 'pending' };
  }

  function submit(body: unknown): ProgressView {
    if (!o.submit) throw new HttpError(403, 'E_FORBIDDEN', `${o.node.spec.name} does not take requests`);
    const { variant } = parse(SubmitBody, body, 'body');
    if (!(o.variants ?? []).includes(variant)) throw new HttpError(400, 'E_INPUT', `body.variant: no synthetic request "${variant}"`, 'variant');
    const id = `run-${randomBytes(4).toString('hex')}`;
    const since = o.node.replica.fold.lastIndex;
    const title = `Running case (${variant})`;
    setProgress({ id, title, state: 'running', done: 0, message: 'opening the case' });
    const stop = o.node.replica.onRecord(contained(() => {
      const c = [...p.state.cases.values()].find((x) => x.opened.index > since && p.actor(x.requester).org === orgId);
      if (!c) return;
      const v = p.caseView(c);
      setProgress({ id, title, state: 'running', done: v.progress.done, total: v.progress.total, message: `${c.id}: ${c.status}` });
    }, failed('progress')));
    log('info', 'console.case-submitted', { variant });
    o.submit(variant).then(
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

  async function api(req: IncomingMessage, url: URL, res: ServerResponse, who: Principal): Promise<unknown> {
    const parts = url.pathname.split('/').slice(2).map(decodeSegment);
    const method = req.method ?? 'GET';
    const query = Object.fromEntries([...url.searchParams.entries()].filter(([k]) => k !== 'token'));
    const route = `${method} ${parts.map((x, i) => (i % 2 === 1 && parts[i - 1] !== 'audit' ? ':' : x)).join('/')}`;
    switch (route) {
      case 'GET session': {
        const session: Session = {
          org: p.self,
          orgs: p.orgs(),
          roles: p.roles(),
          canAdjudicate: o.node.spec.kind === 'payer',
          canSubmit: !!o.submit,
          variants: o.submit ? (o.variants ?? []) : [],
          ...(who.operator ? { operator: { id: who.operator.identity.id, name: who.operator.identity.name } } : {}),
        };
        return session;
      }
      case 'GET cases':
        return p.cases();
      case 'POST cases':
        res.statusCode = 202;
        return submit(await readJson(req));
      case 'GET cases/:':
        return p.caseView(caseOf(parts[1]!));
      case 'GET cases/:/decision':
        return decisionCard(p, reader, caseOf(parts[1]!), who.operator?.identity.id);
      case 'GET cases/:/claim-response': {
        const c = caseOf(parts[1]!);
        if (p.actor(c.requester).org !== orgId) throw new HttpError(403, 'E_FORBIDDEN', `${o.node.spec.name} did not request case ${c.id}; its ClaimResponse goes to the requesting payer's provider`);
        const served = await servedClaimResponse(p, reader, c, undefined, who.operator?.identity.id);
        if (!served) throw new HttpError(404, 'E_NOT_FOUND', `case ${c.id} has no ClaimResponse yet`);
        log('info', 'console.claim-response', { case: c.id, version: served.version, download: query.download === '1' });
        if (query.download === '1') {
          res.writeHead(200, {
            'content-type': 'application/fhir+json',
            'content-disposition': `attachment; filename="ClaimResponse-${c.id}.json"`,
            'cache-control': 'no-store',
          });
          res.end(JSON.stringify(served.claimResponse, null, 2));
          return undefined;
        }
        return served;
      }
      case 'GET cases/:/disclosure':
        return disclosureMatrix(p, caseOf(parts[1]!));
      case 'POST cases/:/adjudication':
        res.statusCode = 201;
        return adjudicate(parts[1]!, await readJson(req), who);
      case 'GET board': {
        const q = parse(BoardQuery, query, 'query');
        return p.board(q.from, q.limit);
      }
      case 'GET entries/:': {
        const e = entryOf(parts[1]!);
        const record = o.node.replica.fold.records.find((r) => r.id === e.envelope.id)!;
        const detail: EntryDetail = {
          entry: p.entryView(record, e),
          seq: e.envelope.seq,
          prev: e.envelope.prev,
          signatureValue: e.envelope.sig,
          header: e.envelope.header,
          sections: e.envelope.sections.map((s) => reader.view(e, s)),
        };
        return detail;
      }
      case 'GET entries/:/sections/:': {
        const e = entryOf(parts[1]!);
        const name = parse(SectionName, parts[3], 'section');
        const content = await reader.read(e, name, who.operator?.identity.id);
        log('info', 'console.section-read', { entry: e.envelope.id.slice(0, 12), section: name, ...(who.operator ? { operator: who.operator.identity.id } : {}) });
        return content;
      }
      case 'GET agents':
        return p.agents();
      case 'GET wallet':
        return walletView(p, { ...(o.status ? { status: o.status } : {}), now: now(), keyStore: o.keyStore ?? 'in memory (demo): each launch creates fresh keys' });
      case 'GET audit':
        return auditView();
      case 'GET audit/report.pdf': {
        const only = query.case !== undefined ? caseOf(String(query.case)) : undefined;
        const id = `report-${randomBytes(4).toString('hex')}`;
        const title = `Exporting audit report${only ? ` (${only.id})` : ''}`;
        setProgress({ id, title, state: 'running', done: 0, total: 2, message: 'verifying the chain' });
        const audit = auditView();
        const cases = only ? [only] : [...p.state.cases.values()];
        // A case's report keeps the trail entries about that case (and the credential checks they rested on).
        const entries = only ? audit.entries.filter((e) => e.case === only.id) : audit.entries;
        setProgress({ id, title, state: 'running', done: 1, total: 2, message: 'writing the PDF' });
        const pdf = await auditReportPdf({
          org: p.self,
          generatedAt: now(),
          audit: { ...audit, entries },
          matrices: cases.map((c) => disclosureMatrix(p, c)),
          cases: cases.map((c) => p.caseView(c)),
          agents: p.agents(),
          operators: operators.map((x) => ({ id: x.identity.id, name: x.identity.name })),
          scope: only ? `case ${only.id}` : `all ${cases.length} cases on the board`,
        });
        setProgress({ id, title, state: 'done', done: 2, total: 2, message: `${pdf.length} bytes` });
        log('info', 'console.report-exported', { bytes: pdf.length, ...(only ? { case: only.id } : {}), ...(who.operator ? { operator: who.operator.identity.id } : {}) });
        res.writeHead(200, {
          'content-type': 'application/pdf',
          'content-disposition': `attachment; filename="murmur-audit-${orgId}${only ? `-${only.id}` : ''}.pdf"`,
          'cache-control': 'no-store',
        });
        res.end(pdf);
        return undefined;
      }
      case 'GET problems':
        return p.problems(o.node.replica.fold.records.at(-1)?.at ?? now());
      case 'GET logs':
        return o.logs.lines(orgId);
      case 'GET progress':
        return [...progress.values()];
      default:
        throw new HttpError(404, 'E_NOT_FOUND', `no API route ${method} /api/${parts.join('/')}`);
    }
  }

  function events(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write('retry: 2000\n\n');
    clients.add(res);
    const ping = setInterval(contained(() => void res.write(': ping\n\n'), failed('ping')), 15_000);
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

  const answerHttpError = (res: ServerResponse, e: HttpError): void => {
    if (res.headersSent) return void res.destroy();
    res.writeHead(e.status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) } }));
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    try {
      handleRequest(req, res);
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      answerHttpError(res, e);
    }
  };
  const server: Server = hardenServer(createServer(guard(onRequest, { onError: (event, fields) => log('error', event, fields) })));
  function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    // DNS rebinding: only answer requests addressed to the loopback origin we listen on.
    const host = req.headers.host ?? '';
    if (host !== `${HOST}:${port}` && host !== `localhost:${port}`) {
      res.writeHead(421, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'E_HOST', message: 'the console answers on 127.0.0.1 only' } }));
      return;
    }
    if (!url.pathname.startsWith('/api/')) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405).end();
        return;
      }
      serveStatic(url, res);
      return;
    }
    res.setHeader('cache-control', 'no-store');
    res.setHeader('x-content-type-options', 'nosniff');
    const who = authorized(req, url);
    if (!who) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'E_TOKEN', message: 'missing or wrong console token; open the console with the URL its node printed' } }));
      return;
    }
    if (url.pathname === '/api/events' && req.method === 'GET') {
      events(res);
      return;
    }
    api(req, url, res, who).then(
      (body) => {
        if (res.writableEnded) return;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(body ?? null));
      },
      (e: unknown) => {
        const status = e instanceof HttpError ? e.status : isMurmurError(e) ? (STATUS_OF[e.code] ?? 500) : 500;
        const code = e instanceof HttpError ? e.code : isMurmurError(e) ? e.code : 'E_INTERNAL';
        const field = e instanceof HttpError ? e.field : undefined;
        const reason = isMurmurError(e) && typeof e.details.reason === 'string' ? e.details.reason : undefined;
        if (status >= 500) log('error', 'console.api-error', { route: url.pathname.split('/').slice(0, 3).join('/'), error: errorMessage(e) });
        if (res.headersSent) return void res.end();
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code, message: errorMessage(e), ...(field ? { field } : {}), ...(reason ? { reason } : {}) } }));
      },
    );
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, HOST, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://${HOST}:${port}/`;
  return {
    url,
    launchUrl: `${url}?token=${token}`,
    token,
    port,
    operators: operators.map((x) => ({ id: x.identity.id, name: x.identity.name, launchUrl: `${url}?token=${x.token}` })),
    async close() {
      stopRecords();
      stopLogs();
      for (const c of clients) c.end();
      clients.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

