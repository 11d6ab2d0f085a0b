import { systemClock, type Clock } from '../common/clock.js';
import { retry, SerialQueue } from '../common/concurrency.js';
import { toBase64url } from '../common/encoding.js';
import { MurmurError, type ErrorCode } from '../common/errors.js';
import type { Signer } from '../crypto/signing.js';
import { boardAuthMessage } from './board-auth.js';
import type { Envelope } from './envelope.js';
import type { BoardStore, StoredEntry, Unsubscribe } from './store.js';
import { checkClaimKey, checkEnvelopeForStore, retryTransient } from './store-checks.js';

export interface RemoteStoreOptions {
  /** The board service, e.g. `http://10.0.0.5:7400`. */
  url: string;
  /** One of this organization's agents: signs the service's challenge. */
  signer: Signer;
  /** How long an operation keeps retrying an unreachable service (default 30 s). */
  retryForMs?: number;
  /**
   * Told of each failure the client works past (the event stream dropped, a read of new entries
   * that failed and will be tried again): the error only, never an entry.
   */
  onError?: (e: unknown) => void;
  /** The clock the client's backoff waits on. */
  clock?: Clock;
}

/**
 * A BoardStore on another node's board service (app/node/board-service): requests over
 * HTTP with a bearer token from a signed challenge, notifications over server-sent events.
 * Subscribers get every entry appended after they subscribed, in order: on each
 * notification the client reads from the last entry it delivered.
 */
export class RemoteBoardStore implements BoardStore {
  private token = '';
  private readonly listeners = new Set<(entry: StoredEntry) => void>();
  private delivered = 0;
  private readonly pulls = new SerialQueue();
  private readonly abort = new AbortController();
  private closed = false;
  private readonly base: string;
  private readonly retryForMs: number;
  private readonly clock: Clock;

  private constructor(private readonly o: RemoteStoreOptions) {
    this.base = o.url.replace(/\/+$/, '');
    this.retryForMs = o.retryForMs ?? 30_000;
    this.clock = o.clock ?? systemClock;
  }

  static async connect(o: RemoteStoreOptions): Promise<RemoteBoardStore> {
    const store = new RemoteBoardStore(o);
    await retryTransient('sign-in', store.retryForMs, () => store.signIn());
    store.delivered = await store.head();
    void store.follow();
    return store;
  }

  async append(envelope: Envelope): Promise<StoredEntry> {
    checkEnvelopeForStore(envelope);
    const entry = await this.call<StoredEntry>('POST', '/v1/entries', envelope);
    // Subscribers hear of an entry before its append resolves, as with the local stores.
    if (entry.index > this.delivered && this.listeners.size > 0) {
      await this.pull();
    }
    return entry;
  }

  read(from: number, limit = 10_000): Promise<StoredEntry[]> {
    return this.readAll(Math.max(1, from), limit);
  }

  async head(): Promise<number> {
    return (await this.call<{ head: number }>('GET', '/v1/head')).head;
  }

  subscribe(listener: (entry: StoredEntry) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  tryClaim(key: string, owner: string): Promise<{ won: boolean; owner: string }> {
    checkClaimKey(key, owner);
    return this.call('POST', '/v1/claims', { key, owner });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    this.abort.abort();
    await this.pulls.idle();
  }

  private async readAll(from: number, limit: number): Promise<StoredEntry[]> {
    const out: StoredEntry[] = [];
    for (let page = 0; page < 10_000 && out.length < limit; page++) {
      const want = Math.min(5_000, limit - out.length);
      const got = await this.call<StoredEntry[]>('GET', `/v1/entries?from=${from + out.length}&limit=${want}`);
      out.push(...got);
      if (got.length < want) break;
    }
    return out;
  }

  private async signIn(): Promise<void> {
    const { challenge } = await this.raw<{ challenge: string }>('POST', '/v1/session/challenge', {}, false);
    const signature = toBase64url(this.o.signer.sign(boardAuthMessage(challenge, this.o.signer.keyId)));
    this.token = (await this.raw<{ token: string }>('POST', '/v1/session', { keyId: this.o.signer.keyId, challenge, signature }, false)).token;
  }

  /** A request, retried while the service is unreachable, signing in again on 401. */
  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return retryTransient(`${method} ${path.split('?')[0]}`, this.retryForMs, async () => {
      try {
        return await this.raw<T>(method, path, body, true);
      } catch (e) {
        if (e instanceof MurmurError && e.code === 'E_SIGNATURE' && !this.closed) {
          await this.signIn();
          return this.raw<T>(method, path, body, true);
        }
        throw e;
      }
    });
  }

  private async raw<T>(method: string, path: string, body: unknown, auth: boolean): Promise<T> {
    if (this.closed) throw new MurmurError('E_STORE', 'board service client is closed');
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${this.token}` } : {}) },
      ...(body !== undefined && method !== 'GET' ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(10_000)]),
    });
    // A refusal is {error: {code, message}} (core/common/http-problem.ts); a 5xx is the service's
    // trouble, retried as transient.
    const json = (await res.json().catch(() => ({}))) as T & { error?: { code?: ErrorCode; message?: string } };
    if (res.status >= 500) throw new Error(`board service answered ${res.status}`);
    if (!res.ok) throw new MurmurError(json.error?.code ?? 'E_STORE', json.error?.message ?? `board service answered ${res.status}`, { status: res.status });
    return json;
  }

  /** Follows the event stream, reconnecting with backoff until closed. */
  private async follow(): Promise<void> {
    let delay = 100;
    while (!this.closed) {
      try {
        const res = await fetch(`${this.base}/v1/events`, { headers: { authorization: `Bearer ${this.token}` }, signal: this.abort.signal });
        if (res.status === 401) await this.signIn();
        if (!res.ok || !res.body) throw new Error(`events: ${res.status}`);
        delay = 100;
        void this.pull();
        const decoder = new TextDecoder();
        let buffer = '';
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          const frames = buffer.split('\n\n');
          buffer = frames.pop()!;
          if (frames.some((f) => f.startsWith('data:'))) void this.pull();
        }
      } catch (e) {
        if (this.closed) return;
        this.report(e);
      }
      await this.clock.sleep(delay);
      delay = Math.min(5_000, delay * 2);
    }
  }

  /**
   * Delivers entries after the last delivered one to subscribers, in order; serialized. A failed
   * read is retried with backoff until it succeeds or the client closes: taking it for "nothing
   * new" left subscribers without the entry until some later notification.
   */
  private pull(): Promise<void> {
    return this.pulls
      .run(async () => {
        for (let round = 0; round < 1_000 && !this.closed; round++) {
          const batch = await retry('board read', () => this.call<StoredEntry[]>('GET', `/v1/entries?from=${this.delivered + 1}&limit=1000`), {
            baseMs: 100,
            maxMs: 5_000,
            stopped: () => this.closed,
            clock: this.clock,
            onRetry: (e) => this.report(e),
          });
          if (batch.length === 0) return;
          for (const entry of batch) {
            this.delivered = entry.index;
            for (const l of [...this.listeners]) l(entry);
          }
        }
      })
      .catch((e: unknown) => {
        // Only a closing client gives up; what it could not deliver no one is listening for.
        if (!this.closed) this.report(e);
      });
  }

  private report(e: unknown): void {
    try {
      this.o.onError?.(e);
    } catch {
      // the report of a failure must not become one
    }
  }
}
