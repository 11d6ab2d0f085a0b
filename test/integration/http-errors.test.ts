// One error, one status: the same thrown error code answers the same HTTP status at the board
// service, the node API, the console and the PAS API (docs/http.md). Before the shared layer
// each server had its own map (E_CRYPTO 400 at the board service and 403 at the console;
// E_AUTH, E_STORE, E_TIMEOUT and E_CONFLICT 500 at some servers and not others).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { BoardStore } from '../../core/board/store.js';
import { boardAuthMessage } from '../../core/board/board-auth.js';
import { toBase64url } from '../../core/common/encoding.js';
import { MurmurError, type ErrorCode } from '../../core/common/errors.js';
import { didKeyResolver } from '../../core/crypto/did-key.js';
import { startBoardService } from '../../app/node/board-service/server.js';
import { startConsoleServer } from '../../app/node/console/server.js';
import { LogHub } from '../../app/node/console/logs.js';
import type { OrgNode } from '../../app/node/org-node.js';
import { startPasServer, type PasAuth } from '../../app/node/pas/server.js';
import type { PasService } from '../../app/node/pas/service.js';
import type { PasRecords } from '../../app/node/pas/records.js';
import type { Notifier } from '../../app/node/pas/notifier.js';
import { startNodeApi } from '../../app/node/process/node-api.js';
import { testSigner } from '../support/keys.js';

/** What each code must answer, written out (not imported) so the test checks the servers, not the table. */
const EXPECTED: [ErrorCode, number][] = [
  ['E_INPUT', 400],
  ['E_SCHEMA', 400],
  ['E_SIGNATURE', 401],
  ['E_AUTH', 401],
  ['E_CRYPTO', 403],
  ['E_NOT_FOUND', 404],
  ['E_CONFLICT', 409],
  ['E_FHIR', 502],
  ['E_STORE', 503],
  ['E_TIMEOUT', 504],
  ['E_INTERNAL', 500],
];

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers) await c();
});

/** The error a request makes the server meet: set before each request. */
let failWith: ErrorCode = 'E_INPUT';
const fail = (): never => {
  throw new MurmurError(failWith, `a ${failWith} failure with patient detail Jane Doe`);
};

/** An org node whose replica fails on every read of its state: what the node API and the console meet. */
const failingNode = {
  spec: { id: 'northwind', name: 'Northwind Health', kind: 'payer' },
  did: 'did:example:northwind',
  agents: [],
  replica: {
    onRecord: () => () => undefined,
    get state() {
      return fail();
    },
    get fold() {
      return fail();
    },
  },
} as unknown as OrgNode;

async function boardService(): Promise<(code: ErrorCode) => Promise<Response>> {
  const member = testSigner('errors-member');
  const store = { head: async () => fail(), subscribe: () => () => undefined } as unknown as BoardStore;
  const service = await startBoardService({ store, members: new Map([[member.did, 'helix']]), keys: didKeyResolver });
  closers.push(() => service.close());
  const { challenge } = (await (await fetch(`${service.url}/v1/session/challenge`, { method: 'POST' })).json()) as { challenge: string };
  const signature = toBase64url(member.sign(boardAuthMessage(challenge, member.keyId)));
  const session = await fetch(`${service.url}/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ keyId: member.keyId, challenge, signature }),
  });
  const { token } = (await session.json()) as { token: string };
  return (code) => ((failWith = code), fetch(`${service.url}/v1/head`, { headers: { authorization: `Bearer ${token}` } }));
}

async function nodeApi(): Promise<(code: ErrorCode) => Promise<Response>> {
  const api = await startNodeApi(failingNode, '127.0.0.1', 0, { token: 't'.repeat(40), fhirBase: 'http://127.0.0.1:1/fhir/R4' });
  closers.push(() => api.close());
  return (code) => ((failWith = code), fetch(`${api.url}/v1/state`, { headers: { authorization: `Bearer ${'t'.repeat(40)}` } }));
}

async function consoleServer(): Promise<(code: ErrorCode) => Promise<Response>> {
  const c = await startConsoleServer({ node: failingNode, directory: [], uiDir: '/nonexistent', logs: new LogHub(), token: 'console-token' });
  closers.push(() => c.close());
  return (code) => ((failWith = code), fetch(`${c.url}api/cases`, { headers: { authorization: 'Bearer console-token' } }));
}

async function pasApi(): Promise<(code: ErrorCode) => Promise<Response>> {
  const auth: PasAuth = {
    authorize: () => ({ ok: true, clientId: 'ehr' }),
    token: async () => fail(),
    configuration: () => ({}),
    notificationEndpoints: () => [],
  };
  const service = { submit: async () => fail(), inquire: async () => fail() } as unknown as PasService;
  const pas = await startPasServer({ service, records: {} as PasRecords, notifier: {} as Notifier, auth: () => auth });
  closers.push(() => pas.close());
  return (code) => (
    (failWith = code),
    fetch(`${pas.baseUrl}/Claim/$submit`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', authorization: 'Bearer x' },
      body: JSON.stringify({ resourceType: 'Bundle' }),
    })
  );
}

test('the same error code answers the same status at the board service, the node API, the console and the PAS API', async () => {
  const servers = { 'board service': await boardService(), 'node API': await nodeApi(), console: await consoleServer(), PAS: await pasApi() };
  const wrong: string[] = [];
  for (const [code, status] of EXPECTED) {
    for (const [name, call] of Object.entries(servers)) {
      const res = await call(code);
      const text = await res.text();
      if (res.status !== status) wrong.push(`${name}: ${code} → ${res.status}, expected ${status}`);
      if (status >= 500 && text.includes('Jane')) wrong.push(`${name}: the ${res.status} answer echoes the error's message`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('a refusal names its code in the same JSON shape at the board service, the node API and the console; an OperationOutcome at PAS', async () => {
  const board = await boardService();
  const api = await nodeApi();
  const con = await consoleServer();
  const pas = await pasApi();
  for (const call of [board, api, con]) {
    const body = (await (await call('E_CONFLICT')).json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'E_CONFLICT');
    assert.match(body.error.message, /E_CONFLICT failure/);
  }
  const outcome = (await (await pas('E_CONFLICT')).json()) as { resourceType: string; issue: { code: string }[] };
  assert.deepEqual([outcome.resourceType, outcome.issue[0]!.code], ['OperationOutcome', 'conflict']);
});
