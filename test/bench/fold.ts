// Benchmark: where the fold's time goes, and its rate before and after the fast checks, in one
// run over a real board (reference cases on the embedded default, privacy on). Stages are timed
// one at a time over the same entries; the "before" fold replays the pre-cache checks (a new
// KeyObject per verify, the body canonicalized twice, the resolver asked every time).
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bodyOf, canonicalTexts, EnvelopeSchema, envelopeId, type Envelope } from '../../core/board/envelope.js';
import { BoardFold, type Reducer } from '../../core/board/fold.js';
import type { StoredEntry } from '../../core/board/store.js';
import { clearVerifiedCache, verifiedFingerprint } from '../../core/board/verified-cache.js';
import { canonicalBytes } from '../../core/common/canonical.js';
import { fromBase64url } from '../../core/common/encoding.js';
import { sha256Hex } from '../../core/common/hash.js';
import { GLOBAL_KINDS } from '../../core/board/kinds.js';
import { chainResolvers, didKeyResolver } from '../../core/crypto/did-key.js';
import { didPeerResolver } from '../../core/crypto/did-peer.js';
import { clearVerifyKeyCache, ed25519Verify, memoizedResolver, type KeyResolver } from '../../core/crypto/signing.js';
import type { CoalitionState } from '../../core/coordination/case-state.js';
import { coalitionReducer } from '../../core/coordination/reducer.js';
import { startEmbedded } from '../../app/node/embedded.js';
import { parsePasRequest } from '../../fhir/pas/request.js';
import { syntheticRequest } from '../../fhir/synthetic/index.js';
import { report, type Row } from './table.js';
import type { BoardStore } from '../../core/board/store.js';
import { BoardReplica } from '../../core/agents/runtime/replica.js';
import { EnvelopeVerifyPool } from '../../app/node/verify-pool.js';

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

async function sampleBoard(cases: number): Promise<StoredEntry[]> {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-bench-fold-'));
  const env = await startEmbedded({ dataDir: dir, privacy: true });
  try {
    for (let i = 0; i < cases; i++) await env.run(parsePasRequest(syntheticRequest('reference')));
    return await env.store.read(1, 1_000_000);
  } finally {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CPU microseconds of this thread (user + system): steadier than wall time on a shared machine. */
function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Per-entry CPU microseconds of `fn` over every entry, `reps` times. */
function stage(entries: StoredEntry[], reps: number, fn: (e: Envelope) => unknown): number {
  const t0 = cpuMicros();
  for (let r = 0; r < reps; r++) for (const e of entries) fn(e.envelope);
  return (cpuMicros() - t0) / (reps * entries.length);
}

/** The checks as they were before this change, for the baseline fold. */
function legacyCheck(env: Envelope, keys: KeyResolver): boolean {
  const body = bodyOf(env);
  if (envelopeId(body, env.sig) !== env.id) return false;
  const pk = keys.resolveVerificationKey(env.author);
  if (!pk) return false;
  const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, pk]), format: 'der', type: 'spki' });
  if (!nodeVerify(null, canonicalBytes(body), key, fromBase64url(env.sig))) return false;
  return (env.case === null) === GLOBAL_KINDS.includes(env.kind);
}

/** The pre-change judge: schema, duplicate, legacy checks, chain, reducer. */
function legacyFold(entries: StoredEntry[], keys: KeyResolver, reducer: Reducer<CoalitionState>): number {
  const state = reducer.init();
  const seen = new Set<string>();
  const chains = new Map<string, { seq: number; id: string }>();
  let accepted = 0;
  for (const entry of entries) {
    const env = entry.envelope;
    if (!EnvelopeSchema.safeParse(env).success || seen.has(env.id) || !legacyCheck(env, keys)) continue;
    const head = chains.get(env.author);
    if (env.seq !== (head?.seq ?? 0) + 1 || env.prev !== (head?.id ?? null)) continue;
    seen.add(env.id);
    chains.set(env.author, { seq: env.seq, id: env.id });
    if (reducer.apply(state, entry, {}).ok) accepted++;
  }
  return accepted;
}

/** Entries per CPU-second and per wall-second of `fold`, run `reps` times. */
function rate(
  entries: StoredEntry[],
  reps: number,
  fold: () => unknown,
  before: () => void = () => {},
): { 'entries/s (cpu)': number; 'entries/s (wall)': number } {
  let cpu = 0;
  let wall = 0;
  for (let r = 0; r < reps; r++) {
    before();
    const c0 = cpuMicros();
    const t0 = performance.now();
    fold();
    wall += performance.now() - t0;
    cpu += cpuMicros() - c0;
  }
  const n = reps * entries.length;
  return { 'entries/s (cpu)': Math.round(n / (cpu / 1e6)), 'entries/s (wall)': Math.round(n / (wall / 1000)) };
}

export async function runFoldBench(o: { cases: number; reps: number }): Promise<void> {
  process.stderr.write(`fold: sampling a board of ${o.cases} reference cases…\n`);
  const entries = await sampleBoard(o.cases);
  const raw = chainResolvers(didKeyResolver, didPeerResolver);
  const memo = memoizedResolver(raw);
  const reducer = coalitionReducer();
  const reps = o.reps;
  // Warm the JIT on every path once.
  legacyFold(entries, raw, reducer);
  for (const e of entries) new BoardFold(memo, coalitionReducer()).apply(e);

  const pk = (e: Envelope): Uint8Array => raw.resolveVerificationKey(e.author)!;
  const stages: Row[] = [
    { stage: 'schema (zod EnvelopeSchema)', 'µs/entry': stage(entries, reps, (e) => EnvelopeSchema.safeParse(e)) },
    {
      stage: 'canonicalize body, twice (before)',
      'µs/entry': stage(entries, reps, (e) => {
        canonicalBytes(bodyOf(e));
        canonicalBytes({ ...bodyOf(e), sig: e.sig });
      }),
    },
    { stage: 'canonicalize members once (after)', 'µs/entry': stage(entries, reps, (e) => canonicalTexts(bodyOf(e), e.sig)) },
    { stage: 'sha256 of the signed text', 'µs/entry': stage(entries, reps, (e) => sha256Hex(canonicalTexts(bodyOf(e), e.sig).signed)) },
    { stage: 'fingerprint: sha256(JSON.stringify) (after, seen entries)', 'µs/entry': stage(entries, reps, (e) => verifiedFingerprint(e, pk(e))) },
    { stage: 'resolve author key (did:key/did:peer parse)', 'µs/entry': stage(entries, reps, (e) => raw.resolveVerificationKey(e.author)) },
    { stage: 'resolve author key (memoized)', 'µs/entry': stage(entries, reps, (e) => memo.resolveVerificationKey(e.author)) },
    {
      stage: 'KeyObject from SPKI (before: per verify)',
      'µs/entry': stage(entries, reps, (e) => createPublicKey({ key: Buffer.concat([SPKI_PREFIX, pk(e)]), format: 'der', type: 'spki' })),
    },
    {
      stage: 'Ed25519 verify, cached key',
      'µs/entry':
        stage(entries, reps, (e) => ed25519Verify(pk(e), Buffer.from(canonicalTexts(bodyOf(e), e.sig).body), fromBase64url(e.sig))) -
        stage(entries, reps, (e) => {
          pk(e);
          Buffer.from(canonicalTexts(bodyOf(e), e.sig).body);
          fromBase64url(e.sig);
        }),
    },
    {
      stage: 'reducer (coalition rules, headers)',
      'µs/entry': (() => {
        let us = 0;
        for (let r = 0; r < reps; r++) {
          const state = reducer.init();
          const t0 = cpuMicros();
          for (const e of entries) reducer.apply(state, e, {});
          us += cpuMicros() - t0;
        }
        return us / (reps * entries.length);
      })(),
    },
  ];
  const cold = (): void => {
    clearVerifiedCache();
    clearVerifyKeyCache();
  };
  const folds: Row[] = [
    { fold: 'before: pre-change checks (baseline)', ...rate(entries, reps, () => legacyFold(entries, raw, reducer)) },
    {
      fold: 'after: first replica (verifies every entry)',
      ...rate(
        entries,
        reps,
        () => {
          const f = new BoardFold(memo, coalitionReducer());
          for (const e of entries) f.apply(e);
        },
        () => clearVerifiedCache(),
      ),
    },
    {
      fold: 'after: cold caches (keys and verifications)',
      ...rate(
        entries,
        reps,
        () => {
          const f = new BoardFold(memoizedResolver(raw), coalitionReducer());
          for (const e of entries) f.apply(e);
        },
        cold,
      ),
    },
    {
      fold: 'after: another replica in the process (verified once)',
      ...rate(entries, reps, () => {
        const f = new BoardFold(memo, coalitionReducer());
        for (const e of entries) f.apply(e);
      }),
    },
  ];
  const k = memo.resolveVerificationKey(entries[0]!.envelope.author)!;
  const data = Buffer.from(canonicalTexts(bodyOf(entries[0]!.envelope), entries[0]!.envelope.sig).body);
  const sig = fromBase64url(entries[0]!.envelope.sig);
  // A replica catching up from its store (a restart, a new member): reads of 500, wall time,
  // since with the pool the work is spread over threads. The host hands out fresh copies.
  const host: BoardStore = {
    read: async (from, limit = 500) => structuredClone(entries.slice(from - 1, from - 1 + limit)),
    head: async () => entries.length,
    subscribe: () => () => undefined,
    append: () => Promise.reject(new Error('read-only')),
    tryClaim: () => Promise.reject(new Error('read-only')),
    close: async () => undefined,
  };
  const pool = new EnvelopeVerifyPool();
  const catchUp = async (withPool: boolean): Promise<{ 'entries/s (cpu)': number; 'entries/s (wall)': number }> => {
    let wall = 0;
    let cpu = 0;
    for (let r = 0; r < reps; r++) {
      clearVerifiedCache();
      const replica = new BoardReplica(host, memo);
      if (withPool) replica.batchVerify = pool.verify;
      const c0 = cpuMicros();
      const t0 = performance.now();
      await replica.catchUp();
      wall += performance.now() - t0;
      cpu += cpuMicros() - c0;
    }
    const n = reps * entries.length;
    return { 'entries/s (cpu)': Math.round(n / (cpu / 1e6)), 'entries/s (wall)': Math.round(n / (wall / 1000)) };
  };
  await catchUp(true); // start the workers and warm their JIT
  folds.push({ fold: 'catch-up from the store, checks in line', ...(await catchUp(false)) });
  folds.push({ fold: `catch-up from the store, signatures on ${pool.size} worker threads (cpu: all threads)`, ...(await catchUp(true)) });
  await pool.close();
  folds.push({
    fold: 'limit: single-core Ed25519 verifies/s (cached key, this machine)',
    ...rate(Array.from({ length: 20 * entries.length }), 1, () => {
      for (let i = 0; i < 20 * entries.length; i++) ed25519Verify(k, data, sig);
    }),
  });
  const meanBytes = Math.round(entries.reduce((s, e) => s + JSON.stringify(e.envelope).length, 0) / entries.length);
  report('fold-stages', stages, { entries: entries.length, reps, meanEnvelopeBytes: meanBytes });
  report('fold', folds, { entries: entries.length, reps, meanEnvelopeBytes: meanBytes });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { cases: { type: 'string', default: '12' }, reps: { type: 'string', default: '6' } } });
  await runFoldBench({ cases: Number(values.cases), reps: Number(values.reps) });
  process.exit(0);
}
