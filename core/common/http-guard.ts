import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { errorMessage, isMurmurError } from './errors.js';

/**
 * The last line of every node:http server: whatever a request line, header or body makes a
 * handler throw (synchronously or in its promise) becomes a JSON answer, never an uncaught
 * exception. Several servers share one process (`murmur demo` runs four nodes and their
 * consoles), so one malformed request must not end them all. Servers keep their own error
 * formats; this only catches what escapes them.
 */
export interface GuardOptions {
  /** Told of every escaped error (a PHI-free event name and the error's kind only). */
  onError?: (event: string, fields: Record<string, string | number>) => void;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

/** 4xx for what the request got wrong (bad percent-encoding, a status-carrying input error), else 500. */
export function statusOfEscaped(e: unknown): number {
  if (e instanceof URIError) return 400;
  const status = (e as { status?: unknown } | null)?.status ?? (isMurmurError(e) ? e.details.status : undefined);
  if (typeof status === 'number' && status >= 400 && status < 600) return status;
  if (isMurmurError(e, 'E_INPUT') || isMurmurError(e, 'E_SCHEMA')) return 400;
  return 500;
}

/** Answers an escaped error if the response can still be answered, else drops the connection. */
export function answerEscaped(res: ServerResponse, e: unknown): void {
  try {
    if (res.headersSent || res.writableEnded) {
      res.destroy();
      return;
    }
    const status = statusOfEscaped(e);
    const body = JSON.stringify({
      error: {
        code: status === 400 && e instanceof URIError ? 'E_INPUT' : isMurmurError(e) ? e.code : status < 500 ? 'E_INPUT' : 'E_INTERNAL',
        message: status < 500 ? (e instanceof URIError ? 'the request path has malformed percent-encoding' : errorMessage(e).slice(0, 300)) : 'internal error',
      },
    });
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  } catch {
    res.destroy();
  }
}

/** Wraps a request listener so nothing it throws leaves it. */
export function guard(handler: Handler, o: GuardOptions = {}): RequestListener {
  const escaped = (req: IncomingMessage, res: ServerResponse, e: unknown): void => {
    try {
      o.onError?.('http.handler-escaped', {
        method: (req.method ?? '').slice(0, 10),
        status: statusOfEscaped(e),
        error: e instanceof Error ? e.name : typeof e,
      });
    } catch {
      // A failing logger must not turn a handled error into an unhandled one.
    }
    answerEscaped(res, e);
  };
  return (req, res) => {
    // A reset connection makes these emit 'error'; unheard, that would be an uncaught exception.
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    try {
      const result = handler(req, res);
      if (result instanceof Promise) result.catch((e: unknown) => escaped(req, res, e));
    } catch (e) {
      escaped(req, res, e);
    }
  };
}

/**
 * Limits on what a client may make the server hold before any handler runs: slow or huge
 * headers, and malformed request lines (answered 400, the socket closed, nothing thrown).
 */
export function hardenServer(server: Server): Server {
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;
  server.maxHeadersCount = 100;
  server.on('clientError', (_err, socket) => {
    try {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      else socket.destroy();
    } catch {
      socket.destroy();
    }
  });
  return server;
}

/** Runs a callback that other code's events drive (a record listener, a timer) so its failure stays its own. */
export function contained<A extends unknown[]>(fn: (...args: A) => void, onError?: (e: unknown) => void): (...args: A) => void {
  return (...args: A) => {
    try {
      fn(...args);
    } catch (e) {
      try {
        onError?.(e);
      } catch {
        // as above
      }
    }
  };
}
