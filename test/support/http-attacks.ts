import { connect } from 'node:net';

/** What came back for one raw request: the status line's code, or 0 when the server closed without one. */
export interface RawAnswer {
  status: number;
  head: string;
}

/** Sends bytes as they are (no client library fixes them up) and reads the status line. */
export function rawRequest(port: number, bytes: string | Buffer, timeoutMs = 5_000, halfClose = false): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(got);
      resolve({ status: m ? Number(m[1]) : 0, head: got.split('\r\n\r\n')[0]!.slice(0, 300) });
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('data', (d) => {
      got += d.toString('latin1');
      if (got.includes('\r\n\r\n')) done();
    });
    socket.on('end', done);
    socket.on('error', (e) => (got ? done() : reject(e)));
    socket.write(bytes);
    if (halfClose) socket.end();
  });
}

/**
 * Requests a careless server throws on: malformed percent-encoding in the path and the query,
 * bodies that are not JSON or not objects, nesting deep enough to hurt a recursive walker,
 * a body shorter than its declared length, broken request lines and headers. `paths` are the
 * server's own routes (so the malformed parts reach its handlers, not just a 404).
 */
export function attackRequests(o: {
  port: number;
  host?: string;
  paths: string[];
  authorization?: string;
}): { name: string; bytes: string; halfClose?: boolean }[] {
  const host = o.host ?? `127.0.0.1:${o.port}`;
  const auth = o.authorization ? `authorization: ${o.authorization}\r\n` : '';
  const get = (path: string) => `GET ${path} HTTP/1.1\r\nhost: ${host}\r\n${auth}connection: close\r\n\r\n`;
  const post = (path: string, body: string, type = 'application/json', length = Buffer.byteLength(body)) =>
    `POST ${path} HTTP/1.1\r\nhost: ${host}\r\n${auth}content-type: ${type}\r\ncontent-length: ${length}\r\nconnection: close\r\n\r\n${body}`;
  const deep = '['.repeat(5_000) + ']'.repeat(5_000);
  const out: { name: string; bytes: string; halfClose?: boolean }[] = [
    { name: 'GET /%E0%A4%A', bytes: get('/%E0%A4%A') },
    { name: 'GET /%', bytes: get('/%') },
    { name: 'bad request line', bytes: 'GET\r\n\r\n' },
    { name: 'binary request line', bytes: '\x00\x01\x02 / HTTP/1.1\r\n\r\n' },
    { name: 'header without a colon', bytes: `GET / HTTP/1.1\r\nhost: ${host}\r\nnot a header\r\n\r\n` },
    { name: 'absolute-form target', bytes: `GET http://evil.example/%E0%A4%A HTTP/1.1\r\nhost: ${host}\r\n${auth}connection: close\r\n\r\n` },
  ];
  for (const path of o.paths) {
    const [p, q] = path.split('?');
    const bad = `${p}/%E0%A4%A`;
    out.push(
      { name: `GET ${bad}`, bytes: get(bad) },
      { name: `GET ${p}?%E0%A4%A=%`, bytes: get(`${p}?%E0%A4%A=%&from=%FF&limit=-1${q ? `&${q}` : ''}`) },
      { name: `POST ${p} not JSON`, bytes: post(p!, '{') },
      { name: `POST ${p} null`, bytes: post(p!, 'null') },
      { name: `POST ${p} array`, bytes: post(p!, '[1,2]') },
      { name: `POST ${p} string`, bytes: post(p!, '"x"') },
      { name: `POST ${p} deep`, bytes: post(p!, deep) },
      { name: `POST ${p} wrong fields`, bytes: post(p!, '{"resourceType":1,"keyId":{},"__proto__":{"x":1},"entry":"no"}') },
      { name: `POST ${p} form`, bytes: post(p!, 'a=%E0%A4%A&a=1', 'application/x-www-form-urlencoded') },
      { name: `POST ${p} short body`, bytes: post(p!, '{"a":', 'application/json', 100), halfClose: true },
    );
  }
  return out;
}
