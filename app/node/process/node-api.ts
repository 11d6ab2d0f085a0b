import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { MurmurError } from '../../../core/common/errors.js';
import { sha256Hex } from '../../../core/common/hash.js';
import { HttpError } from '../../../core/common/http-problem.js';
import { json, Router, serve } from '../../../core/common/http-server.js';
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
 *   GET  /v1/state           {lastIndex, digest, cases: [{id, status, closure, outcome}], rejected}
 *   GET  /v1/records?from=N  [{index, id, kind, author, case, status, code?, reason?}]   (≤ 1,000 from N)
 *   POST /v1/cases           {fhirBase, patient, claim} → 202 {caseId}   (payer only)
 *   GET  /v1/cases/:id       {caseId, status, done, closure, outcome?, decision?, claimResponse?}
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
  const authenticate = (req: IncomingMessage): void => {
    const h = req.headers.authorization ?? '';
    const given = Buffer.from(h.startsWith('Bearer ') ? h.slice(7) : '');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return;
    throw new HttpError(401, 'E_AUTH', `missing or wrong node API token (Authorization: Bearer, from the node's ${API_TOKEN_FILE} file)`, 'authorization', {
      'www-authenticate': 'Bearer',
    });
  };
  const served = await serve(routes(node, o.fhirBase, authenticate), { name: 'node-api', format: 'json', host, port });
  return { url: served.origin, close: () => served.close() };
}

/** A digest of the fold: every record's id and verdict, in log order. Equal digests, equal state. */
export function foldDigest(node: OrgNode): string {
  return sha256Hex(node.replica.fold.records.map((r) => `${r.index} ${r.id} ${r.status}`).join('\n'));
}

const RecordsQuery = z.object({ from: z.string().max(20).optional() });
const CaseParams = z.object({ id: z.string().regex(/^[A-Za-z0-9._:-]{1,80}$/, 'expected a case id') });

function routes(node: OrgNode, fhirBase: string, authenticate: (req: IncomingMessage) => void): Router<void> {
  const state = () => node.replica.state;
  return new Router<void>({ authenticate })
    .on('GET', '/v1/health', { public: true }, () => json({ org: node.spec.id, did: node.did, kind: node.spec.kind, lastIndex: node.replica.fold.lastIndex }))
    .on('GET', '/v1/state', {}, async () =>
      json({
        lastIndex: node.replica.fold.lastIndex,
        digest: foldDigest(node),
        // The outcome is sealed: this node names it where it may read the determination (the payer).
        cases: await Promise.all(
          [...state().cases.values()].map(async (c) => ({
            id: c.id,
            status: c.status,
            closure: c.outcome?.closure ?? null,
            outcome: (await node.outcomeOf(c)) ?? null,
          })),
        ),
        rejected: node.replica.fold.rejected().length,
      }),
    )
    .on('GET', '/v1/records', { query: RecordsQuery }, ({ query }) => {
      // The fold's verdicts (ids, kinds, DIDs, rule reasons; never section content), to find
      // what was rejected and why, or to check that an entry is still accepted after a failure.
      const from = Math.max(1, Number.parseInt(query.from ?? '1', 10) || 1);
      const records = node.replica.fold.records.from(from, 1_000);
      return json(
        records.map((r) => ({
          index: r.index,
          id: r.id,
          kind: r.kind,
          author: r.author,
          case: r.case,
          status: r.status,
          ...(r.code ? { code: r.code } : {}),
          ...(r.reason ? { reason: r.reason } : {}),
        })),
      );
    })
    .on('POST', '/v1/cases', { body: { maxBytes: 64 * 1024, schema: CaseRef } }, async ({ body }) => {
      if (node.spec.kind !== 'payer') throw new MurmurError('E_INPUT', "cases are submitted to the payer organization's node");
      if (body.fhirBase !== undefined && body.fhirBase.replace(/\/+$/, '') !== fhirBase.replace(/\/+$/, '')) {
        throw new MurmurError('E_INPUT', 'fhirBase: this node reads cases from its configured FHIR server only; leave fhirBase out or name that server', {
          field: 'fhirBase',
        });
      }
      const ref = { fhirBase, patient: body.patient, claim: body.claim };
      const { policy, service, priority } = await node.policyForRequest(ref);
      const caseId = await node.submitCase(ref, policy, undefined, service, priority);
      return json({ caseId }, 202);
    })
    .on('GET', '/v1/cases/:id', { params: CaseParams }, async ({ params }) => {
      const c = state().cases.get(params.id);
      if (!c) throw new MurmurError('E_NOT_FOUND', "no such case on this node's board yet");
      const done = c.reputation !== undefined;
      const body: Record<string, unknown> = {
        caseId: c.id,
        status: c.status,
        done,
        closure: c.outcome?.closure ?? null,
        outcome: (await node.outcomeOf(c)) ?? null,
      };
      if (done && node.spec.kind === 'payer') {
        body.decision = await node.readArtifact(c, 'coverage-determination', 'decision');
        body.claimResponse = await node.readArtifact(c, 'pas-response', 'claim-response');
      }
      return json(body);
    });
}
