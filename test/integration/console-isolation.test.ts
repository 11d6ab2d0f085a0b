import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LogHub } from '../../app/node/console/logs.js';
import { startConsoles, type Consoles } from '../../app/node/console/launch.js';
import { startEmbedded, type Embedded } from '../../app/node/embedded.js';
import { parsePasRequest } from '../../fhir/pas/request.js';
import { syntheticRequest } from '../../fhir/synthetic/index.js';
import { signInOperator } from '../support/console-sign-in.js';
import { attackRequests, rawRequest } from '../support/http-attacks.js';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/**
 * `murmur demo` and `murmur console` run the four consoles in the process of the four nodes
 * (docs/console.md, "One process"). The claim that makes this safe: no request to a console,
 * with or without its token or an operator's session, can take the nodes down. Here every
 * console is sent the malformed requests of test/support/http-attacks.ts and the console's own
 * abuses (floods of sign-in challenges, oversized and forged bodies, event streams dropped
 * mid-way); then the nodes still run a case to its decision, every replica at the same head,
 * and nothing escaped as an uncaught exception or an unhandled rejection.
 */
describe('a console cannot take down the nodes it runs beside', () => {
  let dir: string;
  let env: Embedded;
  let consoles: Consoles;
  const escaped: string[] = [];
  const onUncaught = (e: unknown): void => void escaped.push(`uncaught: ${e instanceof Error ? e.message : String(e)}`);
  const onRejection = (e: unknown): void => void escaped.push(`unhandled rejection: ${e instanceof Error ? e.message : String(e)}`);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'murmur-console-isolation-'));
    env = await startEmbedded({ dataDir: dir });
    consoles = await startConsoles(env, { root, uiDir: join(root, 'app', 'ui', 'dist'), logs: new LogHub() });
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onRejection);
  });

  after(async () => {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onRejection);
    await consoles?.close();
    await env?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every attack on every console with a 4xx, then the coalition still decides a case', async () => {
    const failures: string[] = [];
    const paths = [
      '/api/session',
      '/api/cases',
      '/api/cases/x',
      '/api/cases/x/adjudication',
      '/api/cases/x/decision',
      '/api/entries/x/sections/y',
      '/api/board',
      '/api/audit/report.pdf',
      '/api/sign-in',
      '/api/sign-in/challenge',
      '/api/sign-out',
    ];
    for (const { org, server } of consoles.consoles) {
      const session = server.operators[0] ? await signInOperator(server.operators[0].launchUrl) : undefined;
      for (const authorization of [undefined, `Bearer ${server.token}`, ...(session ? [`Bearer ${session}`] : [])]) {
        for (const a of attackRequests({ port: server.port, paths, ...(authorization ? { authorization } : {}) })) {
          const answer = await rawRequest(server.port, a.bytes, 2_000, a.halfClose);
          if (answer.status >= 500) failures.push(`${org.id} ${a.name} (${authorization ? 'with a token' : 'no token'}) → ${answer.status}`);
        }
      }
      const post = (path: string, body: string, token = server.token) =>
        fetch(`${server.url}api/${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
      // Sign-in challenges are bounded: a flood is told to wait (429), it does not grow without end.
      const statuses = new Set<number>();
      if (server.operators[0])
        for (let i = 0; i < 300; i++) statuses.add((await post('sign-in/challenge', JSON.stringify({ operator: server.operators[0].id }))).status);
      for (const s of statuses) if (s >= 500) failures.push(`${org.id} challenge flood → ${s}`);
      if (server.operators[0]) assert.ok(statuses.has(429), `${org.id}: a flood of sign-in challenges meets a limit`);
      // Oversized, forged and wrongly typed bodies.
      for (const [what, path, body] of [
        ['a 1 MiB decision', 'cases/x/adjudication', JSON.stringify({ outcome: 'approved', reasonCode: 'a', note: 'x'.repeat(1 << 20) })],
        ['a forged signature', 'sign-in', JSON.stringify({ operator: server.operators[0]?.id ?? 'x', challenge: 'A'.repeat(43), signature: 'A'.repeat(86) })],
        [
          'both unlock and signature',
          'sign-in',
          JSON.stringify({ operator: 'x', challenge: 'A'.repeat(43), unlock: 'u'.repeat(20), signature: 'A'.repeat(86) }),
        ],
        ['a variant path', 'cases', JSON.stringify({ variant: '../../../etc/passwd' })],
      ] as const) {
        const status = (await post(path, body, session ?? server.token)).status;
        if (status >= 500 || status < 400) failures.push(`${org.id} ${what} → ${status}`);
      }
      // Event streams opened and dropped before a byte is read.
      for (let i = 0; i < 20; i++) {
        const ac = new AbortController();
        const res = await fetch(`${server.url}api/events?token=${server.token}`, { signal: ac.signal });
        ac.abort();
        await res.body?.cancel().catch(() => undefined);
      }
    }
    assert.deepEqual(failures, [], 'requests that got a server error, or were taken');
    // The nodes were not touched: a case runs through all four to its decision.
    const result = await env.run(parsePasRequest(syntheticRequest('reference')));
    assert.equal(result.outcome, 'approved');
    await Promise.all(env.coalition.nodes.map((n) => n.replica.catchUp()));
    const heads = new Set(env.coalition.nodes.map((n) => n.replica.fold.lastIndex));
    assert.equal(heads.size, 1, 'every replica reached the same head');
    for (const { server } of consoles.consoles)
      assert.equal((await fetch(`${server.url}api/session`, { headers: { authorization: `Bearer ${server.token}` } })).status, 200);
    assert.deepEqual(escaped, [], 'nothing escaped a handler');
  });
});
