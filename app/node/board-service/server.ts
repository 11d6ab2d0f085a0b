import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { boardAuthMessage } from '../../../core/board/board-auth.js';
import { authorDid, checkEnvelope, type Envelope } from '../../../core/board/envelope.js';
import { checkClaimKey, checkEnvelopeForStore } from '../../../core/board/store-checks.js';
import type { BoardStore, StoredEntry } from '../../../core/board/store.js';
import { fromBase64url } from '../../../core/common/encoding.js';
import { MurmurError } from '../../../core/common/errors.js';
import type { Logger } from '../../../core/common/log.js';
import { silentLogger } from '../../../core/common/log.js';
import { json, Router, serve } from '../../../core/common/http-server.js';
import { ed25519Verify, type KeyResolver } from '../../../core/crypto/signing.js';

/**
 * The embedded mode's board served to other org nodes: the hosting node's SQLite board over
 * HTTP (requests) and server-sent events (a notification per appended entry; the client reads
 * what it missed). The service is as untrusted as any store: it sees envelopes only, and the
 * fold on every node checks signatures and chains.
 *
 * Authentication: a node asks for a challenge, signs it with one of its agents' keys, and
 * gets a bearer token (1 hour) if the key's DID is a member agent in the charter. Tokens live
 * in memory (challenges are stateless); a restart of the service makes nodes sign in again.
 * An envelope is stored only if it is well formed, at most 1.5 MB, signed, and authored by a
 * member agent of the signed-in organization.
 *
 *   POST /v1/session/challenge            → {challenge}
 *   POST /v1/session {keyId, challenge, signature} → {token, org, expiresAt}
 *   POST /v1/entries  envelope            → StoredEntry
 *   GET  /v1/entries?from=N&limit=M       → StoredEntry[]
 *   GET  /v1/head                         → {head}
 *   POST /v1/claims   {key, owner}        → {won, owner}
 *   GET  /v1/events                       → text/event-stream, `data: {"index":N}` per entry
 */
export interface BoardServiceOptions {
  store: BoardStore;
  /** Member agents' DIDs → organization id (from the charter). */
  members: ReadonlyMap<string, string>;
  keys: KeyResolver;
  host?: string;
  port?: number;
  logger?: Logger;
  tokenTtlMs?: number;
  /** The service's clock (challenge and token expiry); Date.now unless set. */
  now?: () => number;
}

export interface BoardService {
  url: string;
  close(): Promise<void>;
}

/** The largest envelope the service stores: what etcd stores too, so both boards hold the same entries. */
export const MAX_ENVELOPE_BYTES = 1_500_000;
/** Everything but an envelope is a few hundred bytes. */
const MAX_SMALL_BODY = 4 * 1024;
const CHALLENGE_TTL_MS = 60_000;
/** Sessions one organization may hold at once; the oldest goes first (a node needs one). */
const MAX_SESSIONS_PER_ORG = 64;

const SessionRequest = z.object({ keyId: z.string().min(8).max(512), challenge: z.string().max(200), signature: z.string().max(200) }).strict();
const ClaimRequest = z.object({ key: z.string(), owner: z.string() }).strict();
const EntriesQuery = z
  .object({
    from: z.coerce.number().int().min(1).default(1),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .transform((n) => Math.min(5_000, n))
      .default(1_000),
  })
  .strict();

/**
 * Challenges that cost the service nothing to hand out: the expiry, a nonce and a MAC under a
 * per-start secret. No one without a member key can make it hold state (ten thousand challenge
 * requests used to fill a table members needed to sign in); a challenge is spent only by a
 * sign-in that verifies, and a spent one is remembered until it would have expired anyway.
 */
class Challenges {
  private readonly secret = randomBytes(32);
  private readonly spent = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  issue(): string {
    const body = Buffer.alloc(24);
    body.writeBigUInt64BE(BigInt(this.now() + CHALLENGE_TTL_MS), 0);
    randomBytes(16).copy(body, 8);
    return Buffer.concat([body, this.mac(body)]).toString('base64url');
  }

  /** Why a challenge cannot be used, or undefined when it is fresh, ours and unspent. */
  problem(challenge: string): string | undefined {
    const raw = Buffer.from(challenge, 'base64url');
    if (raw.length !== 40 || raw.toString('base64url') !== challenge) return 'not a challenge of this service';
    const body = raw.subarray(0, 24);
    if (!timingSafeEqual(raw.subarray(24), this.mac(body))) return 'not a challenge of this service';
    if (Number(body.readBigUInt64BE(0)) < this.now()) return 'expired challenge';
    if (this.spent.has(challenge)) return 'challenge already used';
    return undefined;
  }

  spend(challenge: string): void {
    this.spent.set(challenge, Number(Buffer.from(challenge, 'base64url').readBigUInt64BE(0)));
  }

  sweep(): void {
    const now = this.now();
    for (const [c, exp] of this.spent) if (exp < now) this.spent.delete(c);
  }

  private mac(body: Buffer): Buffer {
    return createHmac('sha256', this.secret).update(body).digest().subarray(0, 16);
  }
}

const tokenKey = (token: string): string => createHash('sha256').update(token).digest('hex');

export async function startBoardService(o: BoardServiceOptions): Promise<BoardService> {
  const logger = o.logger ?? silentLogger;
  const now = o.now ?? Date.now;
  const challenges = new Challenges(now);
  // Keyed by the token's hash: one lookup, and no string compare that leaks by timing.
  const sessions = new Map<string, { org: string; expiresAt: number }>();
  const streams = new Set<ServerResponse>();
  const ttl = o.tokenTtlMs ?? 3_600_000;

  const unsubscribe = o.store.subscribe((entry: StoredEntry) => {
    for (const s of streams) if (!s.writableEnded && !s.destroyed) s.write(`data: {"index":${entry.index}}\n\n`);
  });
  const keepAlive = setInterval(() => {
    for (const s of streams) if (!s.writableEnded && !s.destroyed) s.write(': keep-alive\n\n');
    const t = now();
    challenges.sweep();
    for (const [k, s] of sessions) if (s.expiresAt < t) sessions.delete(k);
  }, 15_000);
  keepAlive.unref();

  const authorize = (req: IncomingMessage): string => {
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    const s = token ? sessions.get(tokenKey(token)) : undefined;
    if (s && s.expiresAt > now()) return s.org;
    throw new MurmurError('E_SIGNATURE', 'board service: sign in first (POST /v1/session)');
  };

  const openSession = (org: string): { token: string; expiresAt: number } => {
    const mine = [...sessions].filter(([, s]) => s.org === org);
    for (const [k] of mine.slice(0, Math.max(0, mine.length - MAX_SESSIONS_PER_ORG + 1))) sessions.delete(k);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = now() + ttl;
    sessions.set(tokenKey(token), { org, expiresAt });
    return { token, expiresAt };
  };

  /**
   * What a store cannot check, checked before anything is stored: the schema, the signature and
   * that the author is a member agent of the signed-in organization. An envelope that fails
   * here would sit in the log for good, and a verifier could not tell it from tampering.
   */
  const admit = (org: string, body: unknown): Envelope => {
    const envelope = checkEnvelopeForStore(body);
    const authorOrg = o.members.get(authorDid(envelope.author));
    if (authorOrg === undefined) throw new MurmurError('E_INPUT', 'envelope refused: its author is not a member agent of the charter', { field: 'author' });
    if (authorOrg !== org)
      throw new MurmurError('E_INPUT', `envelope refused: its author belongs to ${authorOrg}, not to the signed-in organization`, { field: 'author' });
    const check = checkEnvelope(envelope, o.keys);
    if (!check.ok) throw new MurmurError('E_INPUT', `envelope refused: ${check.reason}`, { field: 'sig' });
    return envelope;
  };

  const router = new Router<string>({ authenticate: authorize });
  router
    .on('POST', '/v1/session/challenge', { public: true }, () => json({ challenge: challenges.issue() }))
    .on('POST', '/v1/session', { public: true, body: { maxBytes: MAX_SMALL_BODY, schema: SessionRequest } }, ({ body }) => {
      const problem = challenges.problem(body.challenge);
      if (problem) throw new MurmurError('E_SIGNATURE', `session: ${problem}; ask for a new one`);
      const org = o.members.get(body.keyId.split('#')[0]!);
      let ok = false;
      try {
        const key = org ? o.keys.resolveVerificationKey(body.keyId) : undefined;
        ok = !!key && ed25519Verify(key, boardAuthMessage(body.challenge, body.keyId), fromBase64url(body.signature));
      } catch {
        ok = false;
      }
      if (!ok || !org) {
        logger.log('warn', 'board-service.auth-refused', { keyId: body.keyId.slice(0, 120) });
        throw new MurmurError('E_SIGNATURE', 'session: the key is not a member agent of the charter, or the signature does not verify');
      }
      challenges.spend(body.challenge);
      const session = openSession(org);
      logger.log('info', 'board-service.session', { org });
      return json({ ...session, org });
    })
    .on('POST', '/v1/entries', { body: { maxBytes: MAX_ENVELOPE_BYTES } }, async ({ body, auth }) => json(await o.store.append(admit(auth, body))))
    .on('GET', '/v1/entries', { query: EntriesQuery }, async ({ query }) => json(await o.store.read(query.from, query.limit)))
    .on('GET', '/v1/head', {}, async () => json({ head: await o.store.head() }))
    .on('POST', '/v1/claims', { body: { maxBytes: MAX_SMALL_BODY, schema: ClaimRequest } }, async ({ body }) => {
      checkClaimKey(body.key, body.owner);
      return json(await o.store.tryClaim(body.key, body.owner));
    })
    .on('GET', '/v1/events', {}, async ({ req, res }) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(`data: {"index":${await o.store.head()}}\n\n`);
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return undefined;
    });

  const served = await serve(router, { name: 'board-service', format: 'json', host: o.host ?? '127.0.0.1', port: o.port ?? 0, logger });
  return {
    url: served.origin,
    close: async () => {
      clearInterval(keepAlive);
      unsubscribe();
      for (const s of streams) s.end();
      streams.clear();
      await served.close();
    },
  };
}
