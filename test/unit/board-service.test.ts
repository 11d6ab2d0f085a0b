import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { MemoryBoardStore } from '../../core/board/memory-store.js';
import { RemoteBoardStore } from '../../core/board/remote-store.js';
import type { BoardStore, StoredEntry } from '../../core/board/store.js';
import { didKeyResolver } from '../../core/crypto/did-key.js';
import { startBoardService, type BoardService } from '../../app/node/board-service/server.js';
import { boardStoreContract, testEnvelopes } from '../support/board-contract.js';
import { testSigner } from '../support/keys.js';
import { boardAuthMessage } from '../../core/board/board-auth.js';
import { toBase64url } from '../../core/common/encoding.js';

const member = testSigner('board-member');
/** The member agents of the test charter: the signer that signs in, and the contract's writers (all helix's). */
const helixAgents = ['board-member', 'store', 'pager', 'bad', 'borrowed-id', 'remote-writer'].map((n) => testSigner(n).did);
const members = (): Map<string, string> => new Map(helixAgents.map((d) => [d, 'helix']));
const services: BoardService[] = [];
after(async () => {
  for (const s of services) await s.close();
});

/** A fresh SQLite-like board behind a fresh service, reached through the remote client. */
function remote(): BoardStore {
  let ready: Promise<RemoteBoardStore> | undefined;
  const connect = (): Promise<RemoteBoardStore> =>
    (ready ??= (async () => {
      const service = await startBoardService({ store: new MemoryBoardStore(), members: members(), keys: didKeyResolver });
      services.push(service);
      return RemoteBoardStore.connect({ url: service.url, signer: member });
    })());
  return {
    append: async (e) => (await connect()).append(e),
    read: async (f, l) => (await connect()).read(f, l),
    head: async () => (await connect()).head(),
    tryClaim: async (k, o) => (await connect()).tryClaim(k, o),
    subscribe: (listener: (e: StoredEntry) => void) => {
      let stop: (() => void) | undefined;
      let stopped = false;
      void connect().then((s) => {
        if (!stopped) stop = s.subscribe(listener);
      });
      return () => ((stopped = true), stop?.());
    },
    close: async () => (await connect()).close(),
  };
}

// The service behind is a memory store on the host's real clock: the time rule is the stores' own (SQLite, etcd).
boardStoreContract('remote (board service over HTTP + SSE)', () => remote(), { boardTimeRule: false });

test('board service: a key that is not a member agent of the charter is refused', async () => {
  const service = await startBoardService({ store: new MemoryBoardStore(), members: members(), keys: didKeyResolver });
  services.push(service);
  await assert.rejects(RemoteBoardStore.connect({ url: service.url, signer: testSigner('stranger'), retryForMs: 200 }), /not a member agent/);
  const res = await fetch(`${service.url}/v1/head`);
  assert.equal(res.status, 401);
});

test('board service: a second node hears of entries another node appended', async () => {
  const service = await startBoardService({ store: new MemoryBoardStore(), members: members(), keys: didKeyResolver });
  services.push(service);
  const a = await RemoteBoardStore.connect({ url: service.url, signer: member });
  const b = await RemoteBoardStore.connect({ url: service.url, signer: member });
  const heard = new Promise<number[]>((resolve) => {
    const got: number[] = [];
    b.subscribe((e) => {
      got.push(e.index);
      if (got.length === 3) resolve(got);
    });
  });
  for (const e of testEnvelopes(3, 'remote-writer')) await a.append(e);
  assert.deepEqual(await heard, [1, 2, 3]);
  await a.close();
  await b.close();
});

const signIn = async (url: string, signer = member): Promise<Response> => {
  const { challenge } = (await (await fetch(`${url}/v1/session/challenge`, { method: 'POST' })).json()) as { challenge: string };
  const signature = toBase64url(signer.sign(boardAuthMessage(challenge, signer.keyId)));
  return fetch(`${url}/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ keyId: signer.keyId, challenge, signature }),
  });
};

test('board service: 10,200 challenge requests (past the old 10,001-entry table) from one source do not lock members out of sign-in', async () => {
  const service = await startBoardService({ store: new MemoryBoardStore(), members: members(), keys: didKeyResolver });
  services.push(service);
  const statuses = new Map<number, number>();
  for (let batch = 0; batch < 102; batch++) {
    const answers = await Promise.all(Array.from({ length: 100 }, () => fetch(`${service.url}/v1/session/challenge`, { method: 'POST' })));
    for (const a of answers) {
      statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
      await a.arrayBuffer();
    }
  }
  assert.deepEqual([...statuses], [[200, 10_200]], 'a challenge costs the service no state, so none is refused');
  const res = await signIn(service.url);
  assert.equal(res.status, 200, 'a member signs in right after the flood');
  assert.equal(((await res.json()) as { org: string }).org, 'helix');
});

test('board service: a challenge is spent by one sign-in, expires, and cannot be forged', async () => {
  let t = 1_000_000;
  const service = await startBoardService({ store: new MemoryBoardStore(), members: members(), keys: didKeyResolver, now: () => t });
  services.push(service);
  const post = (body: unknown) =>
    fetch(`${service.url}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const { challenge } = (await (await fetch(`${service.url}/v1/session/challenge`, { method: 'POST' })).json()) as { challenge: string };
  const signed = { keyId: member.keyId, challenge, signature: toBase64url(member.sign(boardAuthMessage(challenge, member.keyId))) };
  assert.equal((await post(signed)).status, 200);
  const replay = await post(signed);
  assert.equal(replay.status, 401);
  assert.match(((await replay.json()) as { error: { message: string } }).error.message, /already used/);
  // A challenge the service never issued: the MAC does not match.
  const forged = Buffer.from(challenge, 'base64url');
  forged[30] = forged[30]! ^ 1;
  const fc = forged.toString('base64url');
  const bad = await post({ keyId: member.keyId, challenge: fc, signature: toBase64url(member.sign(boardAuthMessage(fc, member.keyId))) });
  assert.equal(bad.status, 401);
  assert.match(((await bad.json()) as { error: { message: string } }).error.message, /not a challenge of this service/);
  const { challenge: late } = (await (await fetch(`${service.url}/v1/session/challenge`, { method: 'POST' })).json()) as { challenge: string };
  t += 61_000;
  const expired = await post({ keyId: member.keyId, challenge: late, signature: toBase64url(member.sign(boardAuthMessage(late, member.keyId))) });
  assert.equal(expired.status, 401);
  assert.match(((await expired.json()) as { error: { message: string } }).error.message, /expired/);
});

test('board service: malformed sign-in bodies are refused with 4xx, not 5xx', async () => {
  const service = await startBoardService({ store: new MemoryBoardStore(), members: members(), keys: didKeyResolver });
  services.push(service);
  for (const body of ['null', '[]', '"x"', '{"keyId":1}', '{', 'x'.repeat(8_000)]) {
    const res = await fetch(`${service.url}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.ok(res.status >= 400 && res.status < 500, `${body.slice(0, 20)} → ${res.status}`);
  }
});

test("board service: stores only well-formed, signed envelopes of the signed-in organization's agents, at most 1.5 MB", async () => {
  const store = new MemoryBoardStore();
  const others = new Map([...members(), [testSigner('lumen-agent').did, 'lumen']]);
  const service = await startBoardService({ store, members: others, keys: didKeyResolver });
  services.push(service);
  const token = ((await (await signIn(service.url)).json()) as { token: string }).token;
  const append = (body: unknown) =>
    fetch(`${service.url}/v1/entries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const reason = async (res: Response): Promise<string> => ((await res.json()) as { error: { message: string } }).error.message;

  const [good] = testEnvelopes(1, 'store');
  // A 2 MiB envelope whose signature does not cover what it holds.
  const big = { ...good!, header: { pad: 'x'.repeat(2 * 1024 * 1024) } };
  const tooBig = await append(big);
  assert.equal(tooBig.status, 413);
  // Under the limit but signed over other bytes.
  const forged = await append({ ...good!, header: { pad: 'x'.repeat(1000) } });
  assert.equal(forged.status, 400);
  assert.match(await reason(forged), /id does not match|signature does not verify|id: not the SHA-256 of its canonical content/);
  // A well-signed envelope by a stranger's key.
  const stranger = await append(testEnvelopes(1, 'stranger')[0]);
  assert.equal(stranger.status, 400);
  assert.match(await reason(stranger), /not a member agent/);
  // A member of another organization: helix may not store lumen's envelopes.
  const lumen = await append(testEnvelopes(1, 'lumen-agent')[0]);
  assert.equal(lumen.status, 400);
  assert.match(await reason(lumen), /belongs to lumen/);
  // Not an envelope at all.
  const junk = await append({ hello: 'world' });
  assert.equal(junk.status, 400);
  assert.match(await reason(junk), /envelope rejected by the store/);
  assert.equal(await store.head(), 0, 'nothing refused was stored');

  const ok = await append(good);
  assert.equal(ok.status, 200);
  assert.equal(await store.head(), 1);
});
