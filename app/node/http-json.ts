import type { IncomingMessage, ServerResponse } from 'node:http';
import { MurmurError } from '../../core/common/errors.js';

/**
 * Reads a JSON request body of at most `maxBytes`; E_INPUT names what is wrong with it. A body
 * over the limit is refused before it is read when its length is declared, and otherwise
 * discarded unread past the limit (the server's request timeout bounds how long): the client
 * then gets the 413 instead of a reset connection.
 */
export function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const tooLarge = () => new MurmurError('E_INPUT', `request body larger than ${Math.round(maxBytes / 1024)} KiB`, { status: 413 });
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      req.off('data', onData);
      req.off('end', onEnd);
      chunks.length = 0;
      req.resume();
      reject(tooLarge());
    };
    const onEnd = (): void => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new MurmurError('E_INPUT', 'request body is not JSON', { status: 400 }));
      }
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', () => reject(new MurmurError('E_INPUT', 'request body was cut off', { status: 400 })));
  });
}

/** Answers with a JSON body that no cache keeps. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
