import { randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { fromBase64url, toBase64url } from '../../../core/common/encoding.js';
import { ed25519Verify } from '../../../core/crypto/signing.js';
import type { OperatorIdentity } from '../../../core/identity/wallet.js';

/**
 * Operator sign-in by key. The console issues a challenge for one operator; the operator's
 * Ed25519 key (in the organization's wallet) signs a statement naming the organization, the
 * console's origin, the operator and the challenge; the console checks that signature against
 * the operator's public key and only then opens a session, under which the operator's reads and
 * decisions are recorded. A challenge is good once and for two minutes; a session for eight
 * hours or until sign-out.
 *
 * Who signs: the wallet that holds the operator's key. On a desk where the organization's wallet
 * is open in the launching process (`murmur console`, the Electron shell), the wallet signs only
 * when given the operator's own unlock secret (from the operator's sign-in link), compared in
 * constant time; an outside signer may instead send the signature itself.
 */
export const CHALLENGE_MS = 2 * 60_000;
export const SESSION_MS = 8 * 3_600_000;
/** Outstanding challenges are bounded: asking for many cannot grow the console's memory. */
const MAX_CHALLENGES = 256;
const MAX_SESSIONS = 256;

const OperatorId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'is an operator id');
export const ChallengeBody = z.object({ operator: OperatorId }).strict();
export const SignInBody = z
  .object({
    operator: OperatorId,
    challenge: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'is a challenge from POST /api/sign-in/challenge'),
    /** The operator's unlock secret: the desk's wallet signs with the operator's key. */
    unlock: z.string().min(16).max(128).optional(),
    /** Or the signature itself, from a signer outside this process (base64url Ed25519). */
    signature: z
      .string()
      .regex(/^[A-Za-z0-9_-]{86}$/, 'is a base64url Ed25519 signature')
      .optional(),
  })
  .strict()
  .refine((b) => (b.unlock === undefined) !== (b.signature === undefined), { message: 'send either unlock or signature', path: ['unlock'] });

/** What the operator's key signs to sign in. */
export function signInStatement(org: string, origin: string, operator: string, challenge: string): Uint8Array {
  return new TextEncoder().encode(`murmur-console-sign-in:v1\n${org}\n${origin}\n${operator}\n${challenge}`);
}

export interface SignInOperator {
  identity: OperatorIdentity;
  /** The operator's unlock secret for the desk's wallet. */
  unlock: string;
}

export interface OperatorSession<T> {
  token: string;
  operator: T;
  signedInAt: number;
  expiresAt: number;
}

export class SignInRefused extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 429,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export class SignIn<T extends SignInOperator> {
  private readonly challenges = new Map<string, { operator: string; expiresAt: number }>();
  private readonly sessions = new Map<string, OperatorSession<T>>();

  constructor(
    private readonly operators: readonly T[],
    private readonly org: string,
    private readonly origin: () => string,
    private readonly now: () => number,
  ) {}

  private find(id: string): T {
    const op = this.operators.find((x) => x.identity.id === id);
    if (!op) throw new SignInRefused(404, `no operator "${id}" in this organization's wallet`, 'operator');
    return op;
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, c] of this.challenges) if (c.expiresAt <= t) this.challenges.delete(k);
    for (const [k, s] of this.sessions) if (s.expiresAt <= t) this.sessions.delete(k);
  }

  challenge(operator: string): { challenge: string; statement: string; expiresAt: number } {
    this.find(operator);
    this.sweep();
    if (this.challenges.size >= MAX_CHALLENGES) throw new SignInRefused(429, 'too many sign-ins under way: try again in two minutes');
    const challenge = randomBytes(32).toString('base64url');
    const expiresAt = this.now() + CHALLENGE_MS;
    this.challenges.set(challenge, { operator, expiresAt });
    return { challenge, statement: new TextDecoder().decode(signInStatement(this.org, this.origin(), operator, challenge)), expiresAt };
  }

  /** Checks the operator's signature over the challenge (made here by the wallet, or sent) and opens a session. */
  signIn(body: z.infer<typeof SignInBody>): OperatorSession<T> {
    const op = this.find(body.operator);
    const c = this.challenges.get(body.challenge);
    // A challenge is spent by any attempt: a wrong secret cannot be tried again on it.
    this.challenges.delete(body.challenge);
    if (!c || c.expiresAt <= this.now()) throw new SignInRefused(401, 'challenge: unknown, used or expired; ask for a new one', 'challenge');
    if (c.operator !== op.identity.id) throw new SignInRefused(401, `challenge: issued for another operator, not "${op.identity.id}"`, 'challenge');
    const statement = signInStatement(this.org, this.origin(), op.identity.id, body.challenge);
    let signature: Uint8Array;
    if (body.unlock !== undefined) {
      const a = Buffer.from(body.unlock);
      const b = Buffer.from(op.unlock);
      if (a.length !== b.length || !timingSafeEqual(a, b))
        throw new SignInRefused(401, `unlock: does not open the key of operator "${op.identity.id}"`, 'unlock');
      signature = op.identity.signer.sign(statement);
    } else {
      signature = fromBase64url(body.signature!);
    }
    if (!ed25519Verify(op.identity.publicKey, statement, signature))
      throw new SignInRefused(401, `signature: not made by the key of operator "${op.identity.id}" over this challenge`, 'signature');
    this.sweep();
    if (this.sessions.size >= MAX_SESSIONS) throw new SignInRefused(429, 'too many open sessions: sign out elsewhere first');
    const token = randomBytes(32).toString('base64url');
    const session = { token, operator: op, signedInAt: this.now(), expiresAt: this.now() + SESSION_MS };
    this.sessions.set(token, session);
    return session;
  }

  /** The open session a bearer token names, if any (an expired one is dropped). */
  session(token: string): OperatorSession<T> | undefined {
    const s = this.sessions.get(token);
    if (!s) return undefined;
    if (s.expiresAt <= this.now()) {
      this.sessions.delete(token);
      return undefined;
    }
    return s;
  }

  signOut(token: string): boolean {
    return this.sessions.delete(token);
  }

  /** For a test or a desk: the signature an operator's wallet key makes over a challenge. */
  static sign(identity: OperatorIdentity, org: string, origin: string, challenge: string): string {
    return toBase64url(identity.signer.sign(signInStatement(org, origin, identity.id, challenge)));
  }
}
