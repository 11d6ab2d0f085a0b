import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { boardAuthMessage } from '../../../core/board/board-auth.js';
import type { BoardStore, StoredEntry } from '../../../core/board/store.js';
import { fromBase64url } from '../../../core/common/encoding.js';
import { MurmurError, errorMessage } from '../../../core/common/errors.js';
import type { Logger } from '../../../core/common/log.js';
import { silentLogger } from '../../../core/common/log.js';
import { readJsonBody, sendJson } from '../http-json.js';
import { ed25519Verify, type KeyResolver } from '../../../core/crypto/signing.js';

/**
 * The embedded mode's board served to other org nodes: the hosting node's SQLite board over
 * HTTP (requests) and server-sent events (a notification per appended entry; the client reads
 * what it missed). The service is as untrusted as any store: it sees envelopes only, and the
 * fold on every node checks signatures and chains.
 *
 * Authentication: a node asks for a challenge, signs it with one of its agents' keys, and
 * gets a bearer token (1 hour) if the key's DID is a member agent in the charter. Tokens and
 * challenges live in memory; a restart of the service makes nodes sign in again.
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
}

export interface BoardService {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY = 2 * 1024 * 1024;

export async function startBoardService(o: BoardServiceOptions): Promise<BoardService> {
  const logger = o.logger ?? silentLogger;
  const challenges = new Map<string, number>();
  const sessions = new Map<string, { org: string; expiresAt: number }>();
  const streams = new Set<ServerResponse>();
  const ttl = o.tokenTtlMs ?? 3_600_000;

  const unsubscribe = o.store.subscribe((entry: StoredEntry) => {
    for (const s of streams) s.write(`data: {"index":${entry.index}}\n\n`);
  });
  const keepAlive = setInterval(() => {
    for (const s of streams) s.write(': keep-alive\n\n');
    const now = Date.now();
    for (const [c, exp] of challenges) if (exp < now) challenges.delete(c);
    for (const [t, s] of sessions) if (s.expiresAt < now) sessions.delete(t);
  }, 15_000);
  keepAlive.unref();

  const authorize = (req: IncomingMessage): string => {
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    for (const [t, s] of sessions) {
      if (t.length === token.length && timingSafeEqual(Buffer.from(t), Buffer.from(token)) && s.expiresAt > Date.now()) return s.org;
    }
    throw new MurmurError('E_SIGNATURE', 'board service: sign in first (POST /v1/session)');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://board');
    if (req.method === 'POST' && url.pathname === '/v1/session/challenge') {
      if (challenges.size > 10_000) throw new MurmurError('E_CONFLICT', 'board service: too many pending challenges');
      const challenge = randomBytes(32).toString('base64url');
      challenges.set(challenge, Date.now() + 60_000);
      return send(res, 200, { challenge });
    }
    if (req.method === 'POST' && url.pathname === '/v1/session') {
      const body = (await readJson(req)) as { keyId?: unknown; challenge?: unknown; signature?: unknown };
      if (typeof body.keyId !== 'string' || typeof body.challenge !== 'string' || typeof body.signature !== 'string') {
        throw new MurmurError('E_INPUT', 'session: keyId, challenge and signature are required strings');
      }
      const expires = challenges.get(body.challenge);
      challenges.delete(body.challenge);
      if (!expires || expires < Date.now()) throw new MurmurError('E_SIGNATURE', 'session: unknown or expired challenge');
      const org = o.members.get(body.keyId.split('#')[0]!);
      const key = o.keys.resolveVerificationKey(body.keyId);
      let ok = false;
      try {
        ok = !!org && !!key && ed25519Verify(key, boardAuthMessage(body.challenge, body.keyId), fromBase64url(body.signature));
      } catch {
        ok = false;
      }
      if (!ok || !org) {
        logger.log('warn', 'board-service.auth-refused', { keyId: body.keyId.slice(0, 120) });
        throw new MurmurError('E_SIGNATURE', 'session: the key is not a member agent of the charter, or the signature does not verify');
      }
      const token = randomBytes(32).toString('base64url');
      const expiresAt = Date.now() + ttl;
      sessions.set(token, { org, expiresAt });
      logger.log('info', 'board-service.session', { org });
      return send(res, 200, { token, org, expiresAt });
    }
    authorize(req);
    if (req.method === 'POST' && url.pathname === '/v1/entries') return send(res, 200, await o.store.append((await readJson(req)) as never));
    if (req.method === 'GET' && url.pathname === '/v1/entries') {
      const from = Number(url.searchParams.get('from') ?? '1');
      const limit = Math.min(5_000, Number(url.searchParams.get('limit') ?? '1000'));
      if (!Number.isSafeInteger(from) || !Number.isSafeInteger(limit) || limit < 1) throw new MurmurError('E_INPUT', 'entries: from and limit must be integers');
      return send(res, 200, await o.store.read(from, limit));
    }
    if (req.method === 'GET' && url.pathname === '/v1/head') return send(res, 200, { head: await o.store.head() });
    if (req.method === 'POST' && url.pathname === '/v1/claims') {
      const body = (await readJson(req)) as { key?: unknown; owner?: unknown };
      if (typeof body.key !== 'string' || typeof body.owner !== 'string') throw new MurmurError('E_INPUT', 'claims: key and owner are required strings');
      return send(res, 200, await o.store.tryClaim(body.key, body.owner));
    }
    if (req.method === 'GET' && url.pathname === '/v1/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(`data: {"index":${await o.store.head()}}\n\n`);
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    throw new MurmurError('E_NOT_FOUND', `no route ${req.method} ${url.pathname}`);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const code = e instanceof MurmurError ? e.code : 'E_INTERNAL';
      const status = { E_INPUT: 400, E_SCHEMA: 400, E_SIGNATURE: 401, E_NOT_FOUND: 404, E_CONFLICT: 429 }[code as string] ?? 500;
      send(res, status, { error: code, message: errorMessage(e).slice(0, 300) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${o.host ?? '127.0.0.1'}:${addr.port}`,
    close: async () => {
      clearInterval(keepAlive);
      unsubscribe();
      for (const s of streams) s.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const readJson = (req: IncomingMessage): Promise<unknown> => readJsonBody(req, MAX_BODY);
const send = sendJson;
