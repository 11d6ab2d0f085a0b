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

/** The console server's JSON API (same origin), with the launch token. */
export class Api {
  readonly token = takeToken();

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
      throw new ApiFailure(res.status, err?.code ?? 'E_HTTP', err?.message ?? `${method} ${path}: HTTP ${res.status}`, (err as { reason?: string } | undefined)?.reason);
    }
    return json as T;
  }
}
