import { createHash } from 'node:crypto';
import { base64url } from 'jose';
import type { Clock } from '../../core/common/clock.js';
import type { Random } from '../../core/common/random.js';
import type { SystemScope } from './scopes.js';

export interface IssuedToken {
  clientId: string;
  scopes: readonly SystemScope[];
  expiresAt: number;
}

export type TokenLookup = { state: 'active'; token: IssuedToken } | { state: 'expired' } | { state: 'unknown' };

/**
 * Opaque access tokens kept in memory, rather than self-contained JWTs: the token endpoint and
 * the resource server run in one process, so a lookup needs no signing key to create, guard or
 * rotate, a token reveals nothing (client, scopes) to whoever sees it, and revocation is a
 * delete. Only a SHA-256 of each token is kept, so the map holds nothing a reader could replay.
 * Tokens die with the process; with lifetimes of minutes a client simply asks again.
 *
 * Expired tokens are remembered for `expiredRetentionMs` so that callers can tell "expired"
 * (refresh and retry) from "invalid"; after that an expired token reads as unknown.
 */
export class TokenStore {
  private readonly tokens = new Map<string, IssuedToken>();

  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly expiredRetentionMs = 60 * 60 * 1000,
  ) {}

  issue(token: IssuedToken): string {
    this.prune();
    const value = base64url.encode(this.random.bytes(32));
    this.tokens.set(digest(value), token);
    return value;
  }

  lookup(value: string): TokenLookup {
    const token = this.tokens.get(digest(value));
    if (!token) return { state: 'unknown' };
    return this.clock.now() < token.expiresAt ? { state: 'active', token } : { state: 'expired' };
  }

  /** Forgets every token of a client, e.g. when its registration is withdrawn. */
  revokeClient(clientId: string): void {
    for (const [k, t] of this.tokens) if (t.clientId === clientId) this.tokens.delete(k);
  }

  private prune(): void {
    const cutoff = this.clock.now() - this.expiredRetentionMs;
    for (const [k, t] of this.tokens) if (t.expiresAt <= cutoff) this.tokens.delete(k);
  }
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
