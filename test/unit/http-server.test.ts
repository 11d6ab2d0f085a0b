import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { z } from 'zod';
import { MurmurError, type ErrorCode } from '../../core/common/errors.js';
import { HttpError, problemOf, STATUS_OF_CODE } from '../../core/common/http-problem.js';
import { json, Router, serve, type Served } from '../../core/common/http-server.js';
import { memoryLogger, type LogRecord } from '../../core/common/log.js';
import { rawRequest } from '../support/http-attacks.js';

const served: Served[] = [];
after(async () => {
  for (const s of served) await s.close();
});

test('problemOf: one status per error code, a details.status override, and no 5xx message that names the cause', () => {
  const codes = Object.keys(STATUS_OF_CODE) as ErrorCode[];
  for (const code of codes) assert.equal(problemOf(new MurmurError(code, 'x')).status, STATUS_OF_CODE[code], code);
  assert.equal(problemOf(new MurmurError('E_CONFLICT', 'taken')).status, 409);
  assert.equal(problemOf(new MurmurError('E_INPUT', 'too big', { status: 413 })).status, 413);
  assert.equal(problemOf(new MurmurError('E_STORE', 'sqlite said: patient Jane Doe')).message.includes('Jane'), false);
  const bug = problemOf(new Error('TypeError in Jane Doe record'));
  assert.deepEqual([bug.status, bug.code, bug.message.includes('Jane')], [500, 'E_INTERNAL', false]);
  assert.equal(problemOf(new URIError('x')).status, 400);
  assert.equal(problemOf(new HttpError(421, 'E_HOST', 'wrong host')).status, 421);
});

async function start(format: 'json' | 'fhir', sink: LogRecord[] = []): Promise<Served> {
  const router = new Router<string>({
    authenticate: (req) => {
      if (req.headers.authorization !== 'Bearer ok') throw new MurmurError('E_AUTH', 'sign in');
      return 'alice';
    },
  });
  router
    .on('GET', '/v1/health', { public: true }, () => json({ ok: true }))
    .on('GET', '/v1/items/:id', { params: z.object({ id: z.string().regex(/^[a-z]{1,8}$/, 'is an item id') }) }, ({ params, auth }) =>
      json({ id: params.id, who: auth }),
    )
    .on('GET', '/v1/items', { query: z.object({ from: z.coerce.number().int().min(1) }).strict() }, ({ query }) => json({ from: query.from }))
    .on('POST', '/v1/items', { body: { maxBytes: 64, types: ['application/json'], schema: z.object({ name: z.string().max(8) }).strict() } }, ({ body }) =>
      json(body, 201),
    )
    .on('POST', '/v1/conflict', { public: true }, () => {
      throw new MurmurError('E_CONFLICT', 'taken');
    })
    .on('GET', '/v1/bug', { public: true }, () => {
      throw new Error('a secret of the patient');
    });
  const s = await serve(router, { name: 'test', format, logger: memoryLogger(sink) });
  served.push(s);
  return s;
}

test('Router: routes, parameters, query and body checked by schema, each refusal naming its field', async () => {
  const sink: LogRecord[] = [];
  const s = await start('json', sink);
  const call = async (
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = { authorization: 'Bearer ok', 'content-type': 'application/json' },
  ) => {
    const res = await fetch(`${s.origin}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    return {
      status: res.status,
      body: (await res.json()) as { error?: { code: string; field?: string; message: string } } & Record<string, unknown>,
      allow: res.headers.get('allow'),
    };
  };
  assert.deepEqual((await call('GET', '/v1/health', undefined, {})).body, { ok: true });
  assert.equal((await call('GET', '/v1/items/abc', undefined, {})).status, 401, 'a non-public route asks for authentication first');
  assert.deepEqual((await call('GET', '/v1/items/abc/')).body, { id: 'abc', who: 'alice' });
  const badParam = await call('GET', '/v1/items/ABC');
  assert.deepEqual([badParam.status, badParam.body.error?.field], [400, 'id']);
  assert.equal((await call('GET', '/v1/items/%E0%A4%A')).status, 400, "malformed percent-encoding is the request's mistake");
  assert.equal((await call('GET', '/v1/items?from=0')).body.error?.field, 'from');
  assert.equal((await call('GET', '/v1/items?from=2&extra=1')).status, 400);
  assert.deepEqual((await call('POST', '/v1/items', '{"name":"pen"}')).body, { name: 'pen' });
  assert.equal((await call('POST', '/v1/items', '{"name":"a very long name"}')).body.error?.field, 'name');
  assert.equal((await call('POST', '/v1/items', '{not json')).status, 400);
  assert.equal((await call('POST', '/v1/items', JSON.stringify({ name: 'x'.repeat(100) }))).status, 413);
  assert.equal((await call('POST', '/v1/items', '{}', { authorization: 'Bearer ok', 'content-type': 'text/plain' })).status, 415);
  const wrongMethod = await call('DELETE', '/v1/items');
  assert.deepEqual([wrongMethod.status, wrongMethod.allow], [405, 'GET, POST']);
  assert.equal((await call('GET', '/v2/nothing')).status, 404);
  assert.equal((await call('POST', '/v1/conflict')).status, 409);
  const bug = await call('GET', '/v1/bug');
  assert.equal(bug.status, 500);
  assert.doesNotMatch(JSON.stringify(bug.body), /secret/);
  assert.equal((await rawRequest(s.port, 'GET /v1/health HTTP/1.1\r\nhost: x\r\nx: \u0000\r\n\r\n')).status, 400);
  const lines = sink.filter((r) => r.event === 'http.request');
  assert.ok(lines.length >= 15);
  assert.ok(
    lines.some((r) => r.fields.route === '/v1/items/:id'),
    'the log names the route pattern, not the path with its ids',
  );
  assert.ok(!JSON.stringify(sink).includes('secret') && !JSON.stringify(sink).includes('pen'), 'no body or error message in the log');
});

test('Router: an OperationOutcome server answers the same statuses with an issue naming the element', async () => {
  const s = await start('fhir');
  const res = await fetch(`${s.origin}/v1/items/ABC`, { headers: { authorization: 'Bearer ok' } });
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('content-type'), 'application/fhir+json');
  const outcome = (await res.json()) as { resourceType: string; issue: { code: string; expression?: string[] }[] };
  assert.deepEqual([outcome.resourceType, outcome.issue[0]!.code, outcome.issue[0]!.expression], ['OperationOutcome', 'invalid', ['id']]);
  const conflict = await fetch(`${s.origin}/v1/conflict`, { method: 'POST' });
  assert.deepEqual([conflict.status, ((await conflict.json()) as { issue: { code: string }[] }).issue[0]!.code], [409, 'conflict']);
});
