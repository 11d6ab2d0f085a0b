import type { ApiError } from '../../../node/console/protocol.js';

/** The per-launch token: given in the URL once, kept for this tab only, then removed from the URL. */
function takeToken(): string {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem('murmur.token', fromUrl);
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem('murmur.token') ?? '';
}

/** An operator's sign-in from their link (operator id and unlock secret), taken out of the URL at once. */
function takeSignIn(): { operator: string; unlock: string } | undefined {
  const url = new URL(location.href);
  const operator = url.searchParams.get('operator');
  const unlock = url.searchParams.get('unlock');
  if (!operator || !unlock) return undefined;
  url.searchParams.delete('operator');
  url.searchParams.delete('unlock');
  history.replaceState(null, '', url.pathname + url.search + url.hash);
  return { operator, unlock };
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly reason?: string,
  ) {
    super(message);
  }
}

/**
 * The console server's JSON API (same origin), with the operator's session once they signed in
 * by key (a challenge their wallet key signs), else the organization's launch token.
 */
export class Api {
  private readonly launch = takeToken();
  private readonly pending = takeSignIn();
  get token(): string {
    return sessionStorage.getItem('murmur.session') ?? this.launch;
  }

  /** Signs the operator of the sign-in link in: challenge, the wallet's signature, a session. */
  async signIn(): Promise<void> {
    if (!this.pending) return;
    const { operator, unlock } = this.pending;
    const { challenge } = await this.post<{ challenge: string }>('sign-in/challenge', { operator });
    const { session } = await this.post<{ session: string }>('sign-in', { operator, challenge, unlock });
    sessionStorage.setItem('murmur.session', session);
  }

  async signOut(): Promise<void> {
    await this.post('sign-out', {});
    sessionStorage.removeItem('murmur.session');
  }

  async get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  /** A URL for the event stream or a download (EventSource cannot send headers). */
  url(path: string): string {
    return `api/${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(this.token)}`;
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`api/${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await res.json().catch(() => null)) as unknown;
    if (!res.ok) {
      const err = (json as ApiError | null)?.error;
      throw new ApiFailure(
        res.status,
        err?.code ?? 'E_HTTP',
        err?.message ?? `${method} ${path}: HTTP ${res.status}`,
        (err as { reason?: string } | undefined)?.reason,
      );
    }
    return json as T;
  }
}
