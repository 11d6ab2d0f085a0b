import type { IncomingMessage, ServerResponse } from 'node:http';
import { MurmurError } from '../../core/common/errors.js';

/** Reads a JSON request body of at most `maxBytes`; E_INPUT names what is wrong with it. */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new MurmurError('E_INPUT', `request body larger than ${Math.round(maxBytes / 1024)} KiB`, { status: 413 });
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new MurmurError('E_INPUT', 'request body is not JSON', { status: 400 });
  }
}

/** Answers with a JSON body that no cache keeps. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
