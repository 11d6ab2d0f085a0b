import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { MemoryBoardStore } from '../../core/board/memory-store.js';
import { RemoteBoardStore } from '../../core/board/remote-store.js';
import type { BoardStore, StoredEntry } from '../../core/board/store.js';
import { didKeyResolver } from '../../core/crypto/did-key.js';
import { startBoardService, type BoardService } from '../../app/node/board-service/server.js';
import { boardStoreContract, testEnvelopes } from '../support/board-contract.js';
import { testSigner } from '../support/keys.js';

const member = testSigner('board-member');
const services: BoardService[] = [];
after(async () => {
  for (const s of services) await s.close();
});

/** A fresh SQLite-like board behind a fresh service, reached through the remote client. */
function remote(): BoardStore {
  let ready: Promise<RemoteBoardStore> | undefined;
  const connect = (): Promise<RemoteBoardStore> =>
    (ready ??= (async () => {
      const service = await startBoardService({ store: new MemoryBoardStore(), members: new Map([[member.did, 'helix']]), keys: didKeyResolver });
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

boardStoreContract('remote (board service over HTTP + SSE)', () => remote());

test('board service: a key that is not a member agent of the charter is refused', async () => {
  const service = await startBoardService({ store: new MemoryBoardStore(), members: new Map([[member.did, 'helix']]), keys: didKeyResolver });
  services.push(service);
  await assert.rejects(RemoteBoardStore.connect({ url: service.url, signer: testSigner('stranger'), retryForMs: 200 }), /not a member agent/);
  const res = await fetch(`${service.url}/v1/head`);
  assert.equal(res.status, 401);
});

test('board service: a second node hears of entries another node appended', async () => {
  const service = await startBoardService({ store: new MemoryBoardStore(), members: new Map([[member.did, 'helix']]), keys: didKeyResolver });
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
