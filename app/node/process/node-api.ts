import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { MurmurError, errorMessage } from '../../../core/common/errors.js';
import { sha256Hex } from '../../../core/common/hash.js';
import { readJsonBody, sendJson } from '../http-json.js';
import type { OrgNode } from '../org-node.js';

/**
 * A node's small HTTP API (loopback by default): health and fold state for operators and
 * tests, and at the payer, case intake. The seam where a FHIR PAS `Claim/$submit` endpoint
 * goes later: it would store the Bundle on the FHIR server and call the same `submitCase`.
 *
 *   GET  /v1/health          {org, did, kind, lastIndex}
 *   GET  /v1/state           {lastIndex, digest, cases: [{id, status, outcome}], rejected}
 *   GET  /v1/records?from=N  [{index, id, kind, author, case, status, reason?}]   (≤ 1,000 from N)
 *   POST /v1/cases           {fhirBase, patient, claim} → 202 {caseId}   (payer only)
 *   GET  /v1/cases/:id       {caseId, status, done, outcome?, decision?, claimResponse?}
 */
const CaseRef = z
  .object({
    fhirBase: z.url({ error: 'must be the FHIR base URL holding the request' }),
    patient: z.string().regex(/^Patient\/[A-Za-z0-9.-]{1,64}$/, 'must be Patient/<id>'),
    claim: z.string().regex(/^Claim\/[A-Za-z0-9.-]{1,64}$/, 'must be Claim/<id>'),
  })
  .strict();

export interface NodeApi {
  url: string;
  close(): Promise<void>;
}

export async function startNodeApi(node: OrgNode, host: string, port: number): Promise<NodeApi> {
  const server: Server = createServer((req, res) => {
    handle(node, req, res).catch((e: unknown) => {
      const status = e instanceof MurmurError ? (e.code === 'E_INPUT' ? 400 : e.code === 'E_NOT_FOUND' ? 404 : 500) : 500;
      send(res, status, { error: e instanceof MurmurError ? e.code : 'E_INTERNAL', message: errorMessage(e).slice(0, 300) });
    });
  });
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

async function handle(node: OrgNode, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://node');
  const state = node.replica.state;
  if (req.method === 'GET' && url.pathname === '/v1/health') {
    return send(res, 200, { org: node.spec.id, did: node.did, kind: node.spec.kind, lastIndex: node.replica.fold.lastIndex });
  }
  if (req.method === 'GET' && url.pathname === '/v1/state') {
    return send(res, 200, {
      lastIndex: node.replica.fold.lastIndex,
      digest: foldDigest(node),
      cases: [...state.cases.values()].map((c) => ({ id: c.id, status: c.status, outcome: c.outcome?.value ?? null })),
      rejected: node.replica.fold.rejected().length,
    });
  }
  if (req.method === 'GET' && url.pathname === '/v1/records') {
    // The fold's verdicts (ids, kinds, DIDs, rule reasons; never section content), to find
    // what was rejected and why, or to check that an entry is still accepted after a failure.
    const from = Math.max(1, Number.parseInt(url.searchParams.get('from') ?? '1', 10) || 1);
    const records = node.replica.fold.records.filter((r) => r.index >= from).slice(0, 1_000);
    return send(res, 200, records.map((r) => ({ index: r.index, id: r.id, kind: r.kind, author: r.author, case: r.case, status: r.status, ...(r.reason ? { reason: r.reason } : {}) })));
  }
  if (req.method === 'POST' && url.pathname === '/v1/cases') {
    if (node.spec.kind !== 'payer') throw new MurmurError('E_INPUT', 'cases are submitted to the payer organization\'s node');
    const parsed = CaseRef.safeParse(await readJson(req));
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new MurmurError('E_INPUT', `${issue.path.join('.') || '(body)'}: ${issue.message}`);
    }
    const { policy, service } = await node.policyForRequest(parsed.data);
    const caseId = await node.submitCase(parsed.data, policy, undefined, service);
    return send(res, 202, { caseId });
  }
  const m = /^\/v1\/cases\/([A-Za-z0-9._:-]{1,80})$/.exec(url.pathname);
  if (req.method === 'GET' && m) {
    const c = state.cases.get(m[1]!);
    if (!c) throw new MurmurError('E_NOT_FOUND', 'no such case on this node\'s board yet');
    const done = c.reputation !== undefined;
    const body: Record<string, unknown> = { caseId: c.id, status: c.status, done, outcome: c.outcome?.value ?? null };
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
