import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { MurmurError, errorMessage } from '../../../core/common/errors.js';
import { sha256Hex } from '../../../core/common/hash.js';
import { guard, hardenServer } from '../../../core/common/http-guard.js';
import { readJsonBody, sendJson } from '../http-json.js';
import type { OrgNode } from '../org-node.js';

/**
 * A node's small HTTP API (loopback by default): health and fold state for operators and
 * tests, and at the payer, case intake. Everything but /v1/health needs the node's bearer
 * token: a random secret the node writes once, mode 0600, to `<dataDir>/api-token`, so only
 * the node's operator account (and the CLI it runs) can read a decision or open a case. The
 * FHIR base of a new case is the node's own (`fhir` in its config): a caller may name it,
 * never choose another.
 *
 *   GET  /v1/health          {org, did, kind, lastIndex}
 *   GET  /v1/state           {lastIndex, digest, cases: [{id, status, outcome}], rejected}
 *   GET  /v1/records?from=N  [{index, id, kind, author, case, status, code?, reason?}]   (≤ 1,000 from N)
 *   POST /v1/cases           {fhirBase, patient, claim} → 202 {caseId}   (payer only)
 *   GET  /v1/cases/:id       {caseId, status, done, outcome?, decision?, claimResponse?}
 */
const CaseRef = z
  .object({
    fhirBase: z.url({ error: 'must be the FHIR base URL holding the request' }).optional(),
    patient: z.string().regex(/^Patient\/[A-Za-z0-9.-]{1,64}$/, 'must be Patient/<id>'),
    claim: z.string().regex(/^Claim\/[A-Za-z0-9.-]{1,64}$/, 'must be Claim/<id>'),
  })
  .strict();

export interface NodeApi {
  url: string;
  close(): Promise<void>;
}

export interface NodeApiOptions {
  /** The bearer token callers must present (see `nodeApiToken`). */
  token: string;
  /** The FHIR server this node is configured for: every case it opens reads from there. */
  fhirBase: string;
}

/** The file beside a node's data that holds its API token. */
export const API_TOKEN_FILE = 'api-token';

/**
 * The node's API token: read from `path`, or made (32 random bytes) and written there with
 * mode 0600 on first start. A token file others can read is refused: anyone who can read it
 * can open cases at this node.
 */
export function nodeApiToken(path: string): string {
  if (!existsSync(path)) writeFileSync(path, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
    throw new MurmurError('E_INPUT', `${path}: the node API token file must be readable by its owner only (chmod 600)`, { field: 'api-token' });
  }
  const token = readFileSync(path, 'utf8').trim();
  if (!/^[A-Za-z0-9_-]{32,200}$/.test(token)) throw new MurmurError('E_INPUT', `${path}: not a node API token`, { field: 'api-token' });
  return token;
}

export async function startNodeApi(node: OrgNode, host: string, port: number, o: NodeApiOptions): Promise<NodeApi> {
  const expected = Buffer.from(o.token);
  const authorized = (req: IncomingMessage): boolean => {
    const h = req.headers.authorization ?? '';
    const given = Buffer.from(h.startsWith('Bearer ') ? h.slice(7) : '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  const server: Server = hardenServer(
    createServer(
      guard((req, res) =>
        handle(node, o.fhirBase, authorized, req, res).catch((e: unknown) => {
          const status =
            e instanceof MurmurError ? (typeof e.details.status === 'number' ? e.details.status : e.code === 'E_INPUT' ? 400 : e.code === 'E_AUTH' ? 401 : e.code === 'E_NOT_FOUND' ? 404 : 500) : 500;
          send(res, status, { error: e instanceof MurmurError ? e.code : 'E_INTERNAL', message: errorMessage(e).slice(0, 300) });
        }),
      ),
    ),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${host}:${addr.port}`,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

/** A digest of the fold: every record's id and verdict, in log order. Equal digests, equal state. */
export function foldDigest(node: OrgNode): string {
  return sha256Hex(node.replica.fold.records.map((r) => `${r.index} ${r.id} ${r.status}`).join('\n'));
}

async function handle(node: OrgNode, fhirBase: string, authorized: (req: IncomingMessage) => boolean, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://node');
  const state = node.replica.state;
  if (req.method === 'GET' && url.pathname === '/v1/health') {
    return send(res, 200, { org: node.spec.id, did: node.did, kind: node.spec.kind, lastIndex: node.replica.fold.lastIndex });
  }
  if (!authorized(req)) {
    res.setHeader('www-authenticate', 'Bearer');
    throw new MurmurError('E_AUTH', `missing or wrong node API token (Authorization: Bearer, from the node's ${API_TOKEN_FILE} file)`);
  }
  if (req.method === 'GET' && url.pathname === '/v1/state') {
    return send(res, 200, {
      lastIndex: node.replica.fold.lastIndex,
      digest: foldDigest(node),
      // The outcome is sealed: this node names it where it may read the determination (the payer).
      cases: await Promise.all([...state.cases.values()].map(async (c) => ({ id: c.id, status: c.status, closure: c.outcome?.closure ?? null, outcome: (await node.outcomeOf(c)) ?? null }))),
      rejected: node.replica.fold.rejected().length,
    });
  }
  if (req.method === 'GET' && url.pathname === '/v1/records') {
    // The fold's verdicts (ids, kinds, DIDs, rule reasons; never section content), to find
    // what was rejected and why, or to check that an entry is still accepted after a failure.
    const from = Math.max(1, Number.parseInt(url.searchParams.get('from') ?? '1', 10) || 1);
    const records = node.replica.fold.records.filter((r) => r.index >= from).slice(0, 1_000);
    return send(res, 200, records.map((r) => ({ index: r.index, id: r.id, kind: r.kind, author: r.author, case: r.case, status: r.status, ...(r.code ? { code: r.code } : {}), ...(r.reason ? { reason: r.reason } : {}) })));
  }
  if (req.method === 'POST' && url.pathname === '/v1/cases') {
    if (node.spec.kind !== 'payer') throw new MurmurError('E_INPUT', 'cases are submitted to the payer organization\'s node');
    const parsed = CaseRef.safeParse(await readJson(req));
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new MurmurError('E_INPUT', `${issue.path.join('.') || '(body)'}: ${issue.message}`);
    }
    if (parsed.data.fhirBase !== undefined && parsed.data.fhirBase.replace(/\/+$/, '') !== fhirBase.replace(/\/+$/, '')) {
      throw new MurmurError('E_INPUT', 'fhirBase: this node reads cases from its configured FHIR server only; leave fhirBase out or name that server');
    }
    const ref = { fhirBase, patient: parsed.data.patient, claim: parsed.data.claim };
    const { policy, service } = await node.policyForRequest(ref);
    const caseId = await node.submitCase(ref, policy, undefined, service);
    return send(res, 202, { caseId });
  }
  const m = /^\/v1\/cases\/([A-Za-z0-9._:-]{1,80})$/.exec(url.pathname);
  if (req.method === 'GET' && m) {
    const c = state.cases.get(m[1]!);
    if (!c) throw new MurmurError('E_NOT_FOUND', 'no such case on this node\'s board yet');
    const done = c.reputation !== undefined;
    const body: Record<string, unknown> = { caseId: c.id, status: c.status, done, closure: c.outcome?.closure ?? null, outcome: (await node.outcomeOf(c)) ?? null };
    if (done && node.spec.kind === 'payer') {
      body.decision = await node.readArtifact(c, 'coverage-determination', 'decision');
      body.claimResponse = await node.readArtifact(c, 'pas-response', 'claim-response');
    }
    return send(res, 200, body);
  }
  throw new MurmurError('E_NOT_FOUND', `no route ${req.method} ${url.pathname}`);
}

const readJson = (req: IncomingMessage): Promise<unknown> => readJsonBody(req, 64 * 1024);
const send = sendJson;
