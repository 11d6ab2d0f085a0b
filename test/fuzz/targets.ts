import fc from 'fast-check';
import { signEnvelope, checkEnvelope, type Envelope } from '../../core/board/envelope.js';
import { BoardFold } from '../../core/board/fold.js';
import { ALL_KINDS, type Kind } from '../../core/board/kinds.js';
import { MemoryBoardStore } from '../../core/board/memory-store.js';
import { checkEnvelopeForStore } from '../../core/board/store-checks.js';
import { isMurmurError } from '../../core/common/errors.js';
import { didKeyResolver } from '../../core/crypto/did-key.js';
import { coalitionReducer } from '../../core/coordination/reducer.js';
import { parsePasRequest } from '../../fhir/pas/request.js';
import { syntheticRequest } from '../../fhir/synthetic/index.js';
import { startFhirServer } from '../../fhir/server/embedded-server.js';
import { startBoardService } from '../../app/node/board-service/server.js';
import { rawRequest } from '../support/http-attacks.js';
import { testSigner } from '../support/keys.js';

/** What one target tried and what it found: outcome counts, and the first failure with its seed and path to replay it. */
export interface FuzzReport {
  target: string;
  runs: number;
  seed: number;
  outcomes: Record<string, number>;
  failure?: { counterexample: string; error: string; seed: number; path?: string };
}

const count = (outcomes: Record<string, number>, key: string): void => void (outcomes[key] = (outcomes[key] ?? 0) + 1);

/** Runs a property for a fixed number of seeded runs; fast-check shrinks what fails. */
async function run<T>(
  target: string,
  arb: fc.Arbitrary<T>,
  body: (value: T, outcomes: Record<string, number>) => Promise<void> | void,
  o: { runs: number; seed: number },
): Promise<FuzzReport> {
  const outcomes: Record<string, number> = {};
  const details = await fc.check(
    fc.asyncProperty(arb, async (v) => {
      await body(v, outcomes);
    }),
    { numRuns: o.runs, seed: o.seed, endOnFailure: false },
  );
  const report: FuzzReport = { target, runs: details.numRuns, seed: o.seed, outcomes };
  if (details.failed) {
    report.failure = {
      counterexample: JSON.stringify(details.counterexample)?.slice(0, 400) ?? 'undefined',
      error: String(details.errorInstance instanceof Error ? details.errorInstance.message : details.errorInstance).slice(0, 400),
      seed: details.seed,
      ...(details.counterexamplePath ? { path: details.counterexamplePath } : {}),
    };
  }
  return report;
}

/** A JSON value a hostile member could send, with the odd shapes parsers trip on. */
const hostileJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, 0, -1, 1e308, '', '__proto__', 'constructor', '\u0000', '%E0%A4%A', 'did:key:z', 'a'.repeat(90)),
    fc.string(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'kind', 'header', 'sections', 'sig', 'id')), tie('value'), {
      maxKeys: 5,
    }),
  ),
})).value;

const signer = testSigner('fuzz-author');
const baseEnvelope = (kind: Kind, header: Record<string, unknown>): Envelope =>
  signEnvelope(signer, { case: kind === 'AgentCard' ? null : 'case-fuzz', kind, seq: 1, prev: null, at: 1, header, sections: [] });

/**
 * Envelopes: arbitrary values and mutated signed envelopes go through what a store and the fold
 * check. Nothing may throw but a MurmurError, and a mutated envelope never verifies.
 */
export function fuzzEnvelopes(o: { runs: number; seed: number }): Promise<FuzzReport> {
  const mutated = fc.record({
    kind: fc.constantFrom(...ALL_KINDS),
    header: fc.dictionary(fc.string({ maxLength: 12 }), hostileJson, { maxKeys: 4 }),
    field: fc.constantFrom('kind', 'header', 'seq', 'prev', 'at', 'author', 'case', 'sections', 'sig', 'id', 'v'),
    value: hostileJson,
  });
  const signed = fc.record({ kind: fc.constantFrom(...ALL_KINDS), header: fc.dictionary(fc.string({ maxLength: 12 }), hostileJson, { maxKeys: 4 }) });
  const arb = fc.oneof(
    hostileJson.map((v) => ({ raw: v }) as const),
    mutated.map((m) => ({ mutated: m }) as const),
    signed.map((s) => ({ signed: s }) as const),
  );
  return run(
    'envelopes',
    arb,
    (input, outcomes) => {
      let candidate: unknown;
      let original: Envelope | undefined;
      if ('raw' in input) candidate = input.raw;
      else if ('signed' in input) candidate = baseEnvelope(input.signed.kind, input.signed.header);
      else {
        original = baseEnvelope(input.mutated.kind, input.mutated.header);
        candidate = { ...original, [input.mutated.field]: input.mutated.value };
      }
      let env: Envelope;
      try {
        env = checkEnvelopeForStore(candidate);
      } catch (e) {
        if (!isMurmurError(e, 'E_SCHEMA')) throw e;
        return count(outcomes, 'refused by the store schema');
      }
      const check = checkEnvelope(env, didKeyResolver);
      const changed = original !== undefined && JSON.stringify(candidate) !== JSON.stringify(original);
      if (check.ok && changed && 'mutated' in input) {
        throw new Error(`a mutated envelope (${input.mutated.field}) verified`);
      }
      if (!check.ok) return count(outcomes, `refused: ${check.reason}`);
      // Well signed (a hostile header, signed by its author): the fold judges it, never throws.
      const fold = new BoardFold(didKeyResolver, coalitionReducer());
      const record = fold.apply({ index: 1, envelope: env, at: 1 });
      count(outcomes, `fold: ${record.status}`);
    },
    o,
  );
}

/**
 * PAS request bundles: the reference request with one element replaced by a hostile value, and
 * arbitrary JSON. The parser refuses with a MurmurError naming the element, or accepts.
 */
export function fuzzPasBundles(o: { runs: number; seed: number }): Promise<FuzzReport> {
  const reference = syntheticRequest('reference') as unknown as { entry: { resource: Record<string, unknown> }[] };
  const arb = fc.oneof(
    hostileJson.map((v) => ({ raw: v }) as const),
    fc
      .record({
        entry: fc.nat({ max: reference.entry.length }),
        key: fc.constantFrom('resourceType', 'id', 'item', 'patient', 'insurance', 'related', 'supportingInfo', 'diagnosis', 'code', 'birthDate', 'provider'),
        value: hostileJson,
      })
      .map((m) => ({ m }) as const),
  );
  return run(
    'pas-bundles',
    arb,
    (input, outcomes) => {
      let candidate: unknown;
      if ('raw' in input) candidate = input.raw;
      else {
        const copy = structuredClone(reference);
        const target = copy.entry[input.m.entry];
        if (target) target.resource[input.m.key] = input.m.value;
        else (copy as Record<string, unknown>)[input.m.key] = input.m.value;
        candidate = copy;
      }
      try {
        parsePasRequest(candidate);
        count(outcomes, 'accepted');
      } catch (e) {
        if (!isMurmurError(e)) throw e;
        count(outcomes, `refused ${e.code}`);
      }
    },
    o,
  );
}

/**
 * HTTP requests: random request lines, paths with broken percent-encoding, headers and bodies,
 * sent raw to a board service and the embedded FHIR server. None may get a 5xx or stop a server.
 */
export async function fuzzHttp(o: { runs: number; seed: number }): Promise<FuzzReport> {
  const board = await startBoardService({ store: new MemoryBoardStore(), members: new Map([[signer.did, 'fuzz']]), keys: didKeyResolver });
  const fhir = await startFhirServer({});
  try {
    const targets = [
      {
        name: 'board',
        port: Number(new URL(board.url).port),
        paths: ['/v1/session', '/v1/session/challenge', '/v1/entries', '/v1/claims', '/v1/head', '/v1/events'],
      },
      {
        name: 'fhir',
        port: Number(new URL(fhir.baseUrl).port),
        paths: ['/fhir/R4/Patient', '/fhir/R4', '/fhir/R4/metadata', '/fhir/R4/Claim/x', '/fhir/R4/Patient/_search'],
      },
    ];
    const segment = fc.oneof(
      fc.constantFrom('%', '%E0%A4%A', '%00', '..', '%2F', '?', '#', ';', '%FF%FE', '\u00e9'),
      fc.string({ maxLength: 6 }).map((s) => s.replace(/[\s\r\n]/g, '')),
    );
    const arb = fc.record({
      target: fc.nat({ max: targets.length - 1 }),
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'BREW', 'G\u00c9T'),
      path: fc.nat({ max: 5 }),
      suffix: fc.array(segment, { maxLength: 3 }),
      query: fc.array(fc.tuple(segment, segment), { maxLength: 3 }),
      contentType: fc.constantFrom(
        'application/json',
        'application/fhir+json',
        'application/x-www-form-urlencoded',
        'text/plain',
        '',
        'application/json; charset=bogus',
      ),
      body: fc.oneof(
        hostileJson.map((v) => JSON.stringify(v) ?? ''),
        fc.string({ maxLength: 200 }),
        fc.constantFrom('{', '[[[[[[[[', '\u0000\u0001'),
      ),
      lie: fc.constantFrom(0, 0, 0, 5, -3),
      header: fc.constantFrom(
        '',
        'authorization: Bearer x\r\n',
        'authorization: Bearer\r\n',
        'content-length: 1\r\ncontent-length: 2\r\n',
        'transfer-encoding: chunked\r\n',
        'x: \u00ff\r\n',
      ),
    });
    return await run(
      'http',
      arb,
      async (r, outcomes) => {
        const t = targets[r.target]!;
        const path =
          t.paths[r.path % t.paths.length]! +
          (r.suffix.length ? `/${r.suffix.join('/')}` : '') +
          (r.query.length ? `?${r.query.map(([k, v]) => `${k}=${v}`).join('&')}` : '');
        const body = Buffer.from(r.body, 'utf8');
        const length = Math.max(0, body.length + r.lie);
        const head = `${r.method} ${path} HTTP/1.1\r\nhost: 127.0.0.1:${t.port}\r\n${r.header}content-type: ${r.contentType}\r\ncontent-length: ${length}\r\nconnection: close\r\n\r\n`;
        const answer = await rawRequest(t.port, Buffer.concat([Buffer.from(head, 'latin1'), body]), 2_000, r.lie > 0);
        if (answer.status >= 500) throw new Error(`${t.name}: ${r.method} ${path} → ${answer.status}`);
        count(outcomes, `${t.name} ${answer.status || 'closed'}`);
        const alive = await rawRequest(
          t.port,
          `GET ${t.name === 'board' ? '/v1/nothing' : '/fhir/R4/metadata'} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`,
        );
        if (alive.status === 0 || alive.status >= 500) throw new Error(`${t.name} stopped answering after ${r.method} ${path}`);
      },
      o,
    );
  } finally {
    await board.close();
    await fhir.close();
  }
}

export async function fuzzAll(o: { runs: number; seed: number }): Promise<FuzzReport[]> {
  return [await fuzzEnvelopes(o), await fuzzPasBundles(o), await fuzzHttp({ ...o, runs: Math.max(1, Math.round(o.runs / 4)) })];
}

export function formatReport(r: FuzzReport): string {
  const outcomes = Object.entries(r.outcomes)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `    ${String(v).padStart(5)}  ${k}`)
    .join('\n');
  const found = r.failure
    ? `  FOUND: ${r.failure.error}\n    counterexample ${r.failure.counterexample}\n    replay with --seed ${r.failure.seed}${r.failure.path ? ` (path ${r.failure.path})` : ''}`
    : '  found nothing';
  return `${r.target}: ${r.runs} runs (seed ${r.seed})\n${outcomes}\n${found}`;
}
