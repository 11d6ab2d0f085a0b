import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { MurmurError } from '../../core/common/errors.js';
import { guard, hardenServer } from '../../core/common/http-guard.js';
import { rawRequest } from '../support/http-attacks.js';

const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

async function serve(handler: Parameters<typeof guard>[0], escaped: string[]): Promise<number> {
  const server = hardenServer(createServer(guard(handler, { onError: (event, fields) => escaped.push(`${event} ${fields.status}`) })));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

test('guard: a synchronous throw, a rejected promise and a throw after the headers never leave the handler', async () => {
  const escaped: string[] = [];
  const port = await serve((req, res) => {
    const path = req.url ?? '';
    if (path.startsWith('/sync')) return decodeURIComponent(path);
    if (path === '/async') return Promise.reject(new MurmurError('E_INPUT', 'bad thing', { status: 422 }));
    if (path === '/ours') throw new Error('a bug of ours, with a secret in it');
    res.writeHead(200);
    res.write('partial');
    throw new Error('late');
  }, escaped);
  const get = (path: string) => rawRequest(port, `GET ${path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`);
  assert.equal((await get('/sync/%E0%A4%A')).status, 400);
  assert.equal((await get('/async')).status, 422);
  const ours = await get('/ours');
  assert.equal(ours.status, 500);
  assert.doesNotMatch(ours.head, /secret/);
  assert.ok([0, 200].includes((await get('/late')).status), 'the connection is dropped: the answer already begun cannot become an error');
  assert.equal((await rawRequest(port, 'NOT A REQUEST\r\n\r\n')).status, 400);
  assert.deepEqual(escaped, ['http.handler-escaped 400', 'http.handler-escaped 422', 'http.handler-escaped 500', 'http.handler-escaped 500']);
});
