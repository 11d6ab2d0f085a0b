import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
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
import { startNodeApi, type NodeApi } from '../../app/node/process/node-api.js';
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
  const member = testSigner('surfaces-member');
  const portOf = (url: string): number => Number(new URL(url).port);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'murmur-surfaces-'));
    env = await startEmbedded({ dataDir: dir, pas: { clients: [] } });
    consoles = await startConsoles(env, { root, uiDir: join(root, 'app', 'ui', 'dist'), logs: new LogHub() });
    board = await startBoardService({ store: env.store, members: new Map([[member.did, 'northwind']]), keys: didKeyResolver });
    api = await startNodeApi(env.coalition.payer, '127.0.0.1', 0);
    const { challenge } = (await (await fetch(`${board.url}/v1/session/challenge`, { method: 'POST' })).json()) as { challenge: string };
    const signature = toBase64url(member.sign(boardAuthMessage(challenge, member.keyId)));
    const session = await fetch(`${board.url}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keyId: member.keyId, challenge, signature }) });
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
  });

  it('the PAS API and its SMART token endpoint', async () => {
    const pas = env.pas!;
    await attack('PAS', portOf(pas.baseUrl), ['/fhir/Claim/$submit', '/fhir/Subscription', '/auth/token', '/fhir/metadata'], async () => (await fetch(`${pas.baseUrl}/metadata`)).status);
  });

  it('the embedded FHIR server', async () => {
    await attack('FHIR', portOf(env.fhirBase), ['/fhir/R4/Patient', '/fhir/R4/Claim', '/fhir/R4'], async () => (await fetch(`${env.fhirBase}/metadata`)).status);
  });

  it('and the nodes still run a case after all of it', async () => {
    assert.ok(env.coalition.payer.replica.fold.lastIndex > 0, 'the payer replica folded the bootstrap');
    const health = await fetch(`${api.url}/v1/health`);
    assert.equal(((await health.json()) as { org: string }).org, 'northwind');
  });
});
