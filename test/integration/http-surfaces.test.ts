import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { boardAuthMessage } from '../../core/board/board-auth.js';
import { toBase64url } from '../../core/common/encoding.js';
import { didKeyResolver } from '../../core/crypto/did-key.js';
import { startBoardService, type BoardService } from '../../app/node/board-service/server.js';
import { LogHub } from '../../app/node/console/logs.js';
import { startConsoles, type Consoles } from '../../app/node/console/launch.js';
import { startEmbedded, type Embedded } from '../../app/node/embedded.js';
import { nodeApiToken, startNodeApi, type NodeApi } from '../../app/node/process/node-api.js';
import type { Decision } from '../../core/agents/clinical/types.js';
import { PasClaimResponseBuilder } from '../../fhir/pas/claim-response.js';
import { parsePasRequest } from '../../fhir/pas/request.js';
import { syntheticRequest } from '../../fhir/synthetic/index.js';
import { attackRequests, rawRequest } from '../support/http-attacks.js';
import { testSigner } from '../support/keys.js';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/**
 * Every HTTP surface of a node, sent what a careless server throws on. `murmur demo` runs all
 * of them in one process: one uncaught exception would end every organization's node at once,
 * and node:test would report it as this file failing.
 */
describe('HTTP surfaces hold against malformed requests', () => {
  let dir: string;
  let env: Embedded;
  let consoles: Consoles;
  let board: BoardService;
  let api: NodeApi;
  let boardToken: string;
  let apiToken: string;
  const member = testSigner('surfaces-member');
  const portOf = (url: string): number => Number(new URL(url).port);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'murmur-surfaces-'));
    env = await startEmbedded({ dataDir: dir, pas: { clients: [] } });
    consoles = await startConsoles(env, { root, uiDir: join(root, 'app', 'ui', 'dist'), logs: new LogHub() });
    board = await startBoardService({ store: env.store, members: new Map([[member.did, 'northwind']]), keys: didKeyResolver });
    apiToken = nodeApiToken(join(dir, 'api-token'));
    api = await startNodeApi(env.coalition.payer, '127.0.0.1', 0, { token: apiToken, fhirBase: env.fhirBase });
    const { challenge } = (await (await fetch(`${board.url}/v1/session/challenge`, { method: 'POST' })).json()) as { challenge: string };
    const signature = toBase64url(member.sign(boardAuthMessage(challenge, member.keyId)));
    const session = await fetch(`${board.url}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ keyId: member.keyId, challenge, signature }),
    });
    boardToken = ((await session.json()) as { token: string }).token;
  });

  after(async () => {
    await api?.close();
    await board?.close();
    await consoles?.close();
    await env?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function attack(name: string, port: number, paths: string[], alive: () => Promise<number>, authorization?: string): Promise<void> {
    const failures: string[] = [];
    for (const a of attackRequests({ port, paths, ...(authorization ? { authorization } : {}) })) {
      const answer = await rawRequest(port, a.bytes, 2_000, a.halfClose);
      // 0: the server closed the connection without an answer (an aborted body); never a 5xx.
      if (answer.status >= 500) failures.push(`${a.name} → ${answer.status}`);
    }
    assert.deepEqual(failures, [], `${name}: requests that got a server error`);
    assert.equal(await alive(), 200, `${name} still answers`);
  }

  it('the console server: a malformed path before and after the token check is a 4xx', async () => {
    const c = consoles.consoles.find((x) => x.org.id === 'northwind')!.server;
    const before = await rawRequest(c.port, `GET /%E0%A4%A HTTP/1.1\r\nhost: 127.0.0.1:${c.port}\r\nconnection: close\r\n\r\n`);
    assert.equal(before.status, 400);
    await attack(
      'console',
      c.port,
      ['/api/cases', '/api/entries', '/api/board', '/api/cases/x/adjudication', '/api/entries/x/sections'],
      async () => (await fetch(`${c.url}api/session`, { headers: { authorization: `Bearer ${c.token}` } })).status,
      `Bearer ${c.token}`,
    );
  });

  it('the board service, signed in or not', async () => {
    const alive = async () => (await fetch(`${board.url}/v1/head`, { headers: { authorization: `Bearer ${boardToken}` } })).status;
    await attack('board service', portOf(board.url), ['/v1/session', '/v1/session/challenge', '/v1/entries', '/v1/claims'], alive);
    await attack('board service (signed in)', portOf(board.url), ['/v1/entries', '/v1/claims', '/v1/head'], alive, `Bearer ${boardToken}`);
  });

  it('the node API', async () => {
    await attack('node API', portOf(api.url), ['/v1/cases', '/v1/records', '/v1/state'], async () => (await fetch(`${api.url}/v1/health`)).status);
    await attack(
      'node API (with its token)',
      portOf(api.url),
      ['/v1/cases', '/v1/records', '/v1/state'],
      async () => (await fetch(`${api.url}/v1/health`)).status,
      `Bearer ${apiToken}`,
    );
  });

  it('the node API answers only its bearer token, kept 0600 in the data folder (health apart)', async () => {
    assert.equal(statSync(join(dir, 'api-token')).mode & 0o777, 0o600);
    assert.equal(nodeApiToken(join(dir, 'api-token')), apiToken, 'the same token on the next start');
    const head = env.coalition.payer.replica.fold.lastIndex;
    const ref = { patient: 'Patient/x', claim: 'Claim/x' };
    for (const authorization of [undefined, 'Bearer wrong', `Bearer ${apiToken}x`, apiToken]) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) };
      for (const [method, path] of [
        ['GET', '/v1/state'],
        ['GET', '/v1/records'],
        ['GET', '/v1/cases/c-1'],
        ['POST', '/v1/cases'],
      ] as const) {
        const res = await fetch(`${api.url}${path}`, { method, headers, ...(method === 'POST' ? { body: JSON.stringify(ref) } : {}) });
        assert.equal(res.status, 401, `${method} ${path} with ${authorization ?? 'no token'}`);
        assert.equal(res.headers.get('www-authenticate'), 'Bearer');
      }
    }
    assert.equal(env.coalition.payer.replica.fold.lastIndex, head, 'no case was opened');
    assert.equal((await fetch(`${api.url}/v1/health`)).status, 200);
    assert.equal((await fetch(`${api.url}/v1/state`, { headers: { authorization: `Bearer ${apiToken}` } })).status, 200);
    // A token file others can read is refused rather than used.
    const loose = join(dir, 'loose-token');
    writeFileSync(loose, 'a'.repeat(43));
    chmodSync(loose, 0o644);
    assert.throws(() => nodeApiToken(loose), /readable by its owner only/);
  });

  it("a case opens against the node's own FHIR server only: a caller cannot point the payer (and its token) elsewhere", async () => {
    const seen: string[] = [];
    const rogue: Server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => rogue.listen(0, '127.0.0.1', () => r()));
    try {
      const rogueBase = `http://127.0.0.1:${(rogue.address() as AddressInfo).port}/fhir/R4`;
      const head = env.coalition.payer.replica.fold.lastIndex;
      const res = await fetch(`${api.url}/v1/cases`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiToken}` },
        body: JSON.stringify({ fhirBase: rogueBase, patient: 'Patient/x', claim: 'Claim/x' }),
      });
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as { error: { message: string } }).error.message, /^fhirBase: /);
      assert.equal(env.coalition.payer.replica.fold.lastIndex, head, 'nothing reached the board');
      // A ref that came over the board naming another server: the payer's form builder refuses it unread.
      const forms = new PasClaimResponseBuilder({ baseUrl: env.fhirBase, auth: { token: async () => 'payer-secret-token' } });
      const decision: Decision = { outcome: 'approved', policy: { id: 'p', version: '1' }, criteria: [], reasons: [], missing: [], caveats: [] };
      await assert.rejects(
        forms.claimResponse({ ref: { fhirBase: rogueBase, patient: 'Patient/x', claim: 'Claim/x' }, decision, authorizationNumber: 'PA-1', decidedAt: 0 }),
        /not the FHIR server this builder is configured for/,
      );
      assert.deepEqual(seen, [], 'the rogue server heard nothing, least of all a token');
    } finally {
      rogue.close();
    }
  });

  it('the PAS API and its SMART token endpoint', async () => {
    const pas = env.pas!;
    await attack(
      'PAS',
      portOf(pas.baseUrl),
      ['/fhir/Claim/$submit', '/fhir/Subscription', '/auth/token', '/fhir/metadata'],
      async () => (await fetch(`${pas.baseUrl}/metadata`)).status,
    );
  });

  it('the embedded FHIR server', async () => {
    await attack(
      'FHIR',
      portOf(env.fhirBase),
      ['/fhir/R4/Patient', '/fhir/R4/Claim', '/fhir/R4'],
      async () => (await fetch(`${env.fhirBase}/metadata`)).status,
    );
  });

  it("a listener that throws (a console's view of a record, say) does not stop its node folding", async () => {
    const payer = env.coalition.payer;
    let calls = 0;
    const stop = payer.replica.onRecord(() => {
      calls++;
      throw new Error('a console bug');
    });
    try {
      // A case through the whole coalition: hundreds of records, each one a throw in the listener.
      const result = await env.run(parsePasRequest(syntheticRequest('reference')));
      assert.equal(result.outcome, 'approved');
      assert.ok(calls > 10, `the listener was called for each record (${calls})`);
    } finally {
      stop();
    }
    const health = await fetch(`${api.url}/v1/health`);
    assert.equal(((await health.json()) as { org: string }).org, 'northwind');
  });
});
