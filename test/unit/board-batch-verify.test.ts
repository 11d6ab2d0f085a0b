import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { BoardReplica } from '../../core/agents/runtime/replica.js';
import { bodyOf, envelopeId, signEnvelope, type Envelope } from '../../core/board/envelope.js';
import type { BoardStore, StoredEntry } from '../../core/board/store.js';
import { clearVerifiedCache, verifiedCacheSize } from '../../core/board/verified-cache.js';
import { didKeyResolver } from '../../core/crypto/did-key.js';
import { EnvelopeVerifyPool } from '../../app/node/verify-pool.js';
import { testSigner } from '../support/keys.js';

const pool = new EnvelopeVerifyPool(2);
after(() => pool.close());

/** 3 authors × 300 chained heartbeats, interleaved, with a forged signature and an altered body among them. */
function board(): { entries: StoredEntry[]; forgedSig: string; altered: string } {
  const signers = ['a', 'b', 'c'].map((n) => testSigner(`batch-${n}`));
  const heads = new Map<string, string | null>();
  const envs: Envelope[] = [];
  for (let i = 0; i < 900; i++) {
    const s = signers[i % 3]!;
    const env = signEnvelope(s, {
      case: null,
      kind: 'Tick',
      seq: Math.floor(i / 3) + 1,
      prev: heads.get(s.did) ?? null,
      at: 1_000 + i,
      header: {},
      sections: [],
    });
    heads.set(s.did, env.id);
    envs.push(env);
  }
  // A host's forgery: another signature, the id recomputed to match, so only the signature check can tell.
  const f = envs[400]!;
  const sig = (f.sig[0] === 'A' ? 'B' : 'A') + f.sig.slice(1);
  envs[400] = { ...f, sig, id: envelopeId(bodyOf(f), sig) };
  // An altered body under the original id.
  envs[650] = { ...envs[650]!, at: envs[650]!.at + 1 };
  const entries = envs.map((envelope, i) => ({ index: i + 1, at: envelope.at, envelope }));
  return { entries, forgedSig: envs[400]!.id, altered: envs[650]!.id };
}

/** A host that hands out fresh copies on every read, as a real store does. */
function hostOf(entries: StoredEntry[]): BoardStore {
  return {
    read: async (from, limit = 500) => structuredClone(entries.slice(from - 1, from - 1 + limit)),
    head: async () => entries.length,
    subscribe: () => () => undefined,
    append: () => Promise.reject(new Error('read-only')),
    tryClaim: () => Promise.reject(new Error('read-only')),
    close: async () => undefined,
  };
}

const verdicts = (r: BoardReplica) => r.fold.records.map((x) => `${x.index} ${x.id} ${x.status} ${x.code ?? ''}`);

test('a catch-up verified on worker threads folds exactly what an in-line fold does, forgeries included', async () => {
  const { entries, forgedSig, altered } = board();
  clearVerifiedCache();
  const inline = new BoardReplica(hostOf(entries), didKeyResolver);
  await inline.catchUp();
  assert.equal(verifiedCacheSize(), 898, 'in line, every authentic entry is verified on the event loop');

  clearVerifiedCache();
  const pooled = new BoardReplica(hostOf(entries), didKeyResolver);
  pooled.batchVerify = pool.verify;
  const before = pool.verified;
  await pooled.catchUp();
  assert.ok(pool.verified - before >= 850, `the workers checked ${pool.verified - before} of 900`);
  // The fold took the workers' word for those: it verified (and remembered) none itself.
  assert.ok(verifiedCacheSize() < 50, `the fold re-verified ${verifiedCacheSize()} entries in line`);

  clearVerifiedCache();
  const broken = new BoardReplica(hostOf(entries), didKeyResolver);
  broken.batchVerify = () => Promise.reject(new Error('pool gone'));
  await broken.catchUp();

  assert.equal(inline.fold.records.length, 900);
  assert.deepEqual(verdicts(pooled), verdicts(inline));
  assert.deepEqual(verdicts(broken), verdicts(inline));
  const code = (r: BoardReplica, id: string) => r.fold.records.find((x) => x.id === id)?.code;
  assert.equal(code(pooled, forgedSig), 'E_SIGNATURE');
  assert.equal(code(pooled, altered), 'E_ID');
  assert.equal(pooled.fold.records.filter((r) => r.status === 'accepted').length, inline.fold.records.filter((r) => r.status === 'accepted').length);
});

test('the pool answers false for a forged signature, an altered body and a malformed envelope', async () => {
  const { entries } = board();
  const item = (i: number) => ({ envelope: entries[i]!.envelope, publicKey: didKeyResolver.resolveVerificationKey(entries[i]!.envelope.author)! });
  const malformed = { envelope: { sections: 'not a list' } as unknown as Envelope, publicKey: item(0).publicKey };
  const wrongKey = { envelope: item(0).envelope, publicKey: item(1).publicKey };
  assert.deepEqual(await pool.verify([item(0), item(400), item(650), malformed, wrongKey, item(899)]), [true, false, false, false, false, true]);
});
