// Benchmark: Claim/$submit round trips on the embedded default (SQLite board, embedded FHIR
// server, privacy on), over HTTP with a SMART token, beside the same case run in-process
// (no HTTP, no PAS ledger) in the same run; and $inquire round trips.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import type { Bundle, Claim } from '@medplum/fhirtypes';
import { startEmbedded } from '../../app/node/embedded.js';
import { parsePasRequest } from '../../fhir/pas/request.js';
import { storeRequestBundle } from '../../fhir/adapters/request-intake.js';
import { northwindZolgensmaPolicy } from '../../core/agents/clinical/policy.js';
import { generateClientKeyPair } from '../../fhir/smart/keys.js';
import { syntheticRequest } from '../../fhir/synthetic/index.js';
import { median, report } from './table.js';

/** The reference request under a fresh trace number (a repeated one would answer from the ledger). */
function freshRequest(): Bundle {
  const b = syntheticRequest('reference');
  const claim = b.entry![0]!.resource as Claim;
  claim.identifier = [{ system: claim.identifier![0]!.system!, value: `PA-${randomUUID()}` }];
  return b;
}

async function main(runs: number, inFlight: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-bench-pas-'));
  const pair = await generateClientKeyPair('ES384');
  const clientId = 'bench-ehr';
  const env = await startEmbedded({ dataDir: dir, pas: { clients: [{ clientId, jwks: pair.jwks, scopes: ['system/Claim.cr'] }], tokenLifetimeS: 3600 } });
  try {
    const pas = env.pas!;
    const { importJWK } = await import('jose');
    const key = await importJWK(pair.privateJwk, 'ES384');
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES384', kid: pair.kid })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(pas.tokenUrl)
      .setIssuedAt()
      .setExpirationTime('4m')
      .setJti(randomUUID())
      .sign(key);
    const tokenRes = await fetch(pas.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'system/Claim.cr',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      }),
    });
    const token = ((await tokenRes.json()) as { access_token: string }).access_token;
    const post = async (op: string, body: Bundle): Promise<Bundle> => {
      const res = await fetch(`${pas.baseUrl}/Claim/${op}`, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
      if (res.status !== 200) throw new Error(`${op} answered ${res.status}`);
      return (await res.json()) as Bundle;
    };
    const approved = (b: Bundle): boolean => JSON.stringify(b.entry![0]!.resource).includes('"A1"');

    await env.run(parsePasRequest(freshRequest())); // warm-up: JIT, FHIR definitions, JSON-LD contexts
    await post('$submit', freshRequest());

    // Baseline: what $submit does, minus HTTP, auth and the ledger: store the request, open
    // the case, wait for the coalition's ClaimResponse.
    const payer = env.coalition.payer;
    const direct: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const caseId = await payer.submitCase(await storeRequestBundle(env.fhirBase, parsePasRequest(freshRequest())), northwindZolgensmaPolicy);
      await new Promise<void>((resolve) => {
        const done = (): boolean => payer.replica.state.cases.get(caseId)?.subtasks.get('pas-response')?.artifact !== undefined;
        if (done()) return resolve();
        const stop = payer.replica.onRecord(() => void (done() && (stop(), resolve())));
      });
      direct.push(performance.now() - t0);
      if ((await payer.outcomeOf(payer.replica.state.cases.get(caseId)!)) !== 'approved') throw new Error('the reference case was not approved');
    }
    const sequential: number[] = [];
    const submitted: Bundle[] = [];
    for (let i = 0; i < runs; i++) {
      const request = freshRequest();
      const t0 = performance.now();
      const answer = await post('$submit', request);
      sequential.push(performance.now() - t0);
      if (!approved(answer)) throw new Error('$submit did not answer A1');
      submitted.push(request);
      process.stderr.write(`  $submit ${i + 1}/${runs}: ${sequential.at(-1)!.toFixed(0)} ms\n`);
    }
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < runs) {
          next++;
          if (!approved(await post('$submit', freshRequest()))) throw new Error('$submit did not answer A1');
        }
      }),
    );
    const concurrentS = (performance.now() - t0) / 1000;
    const inquiries: number[] = [];
    for (const request of submitted) {
      const q: Bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: request.entry![0]!.resource! }] };
      const t1 = performance.now();
      // $inquire answers a Parameters of response Bundles (PAS 2.2.1).
      const answer = (await post('$inquire', q)) as unknown as { parameter?: { resource?: Bundle }[] };
      if (!answer.parameter?.[0]?.resource || !approved(answer.parameter[0].resource)) throw new Error('$inquire did not answer A1');
      inquiries.push(performance.now() - t1);
    }
    const perSec = (ms: number): number => Number((1000 / ms).toFixed(2));
    report(
      'pas-submit',
      [
        {
          path: 'in-process: store, open case, await ClaimResponse (baseline)',
          runs,
          'median ms': Math.round(median(direct)),
          'round trips/s': perSec(median(direct)),
        },
        { path: 'Claim/$submit over HTTP, one at a time', runs, 'median ms': Math.round(median(sequential)), 'round trips/s': perSec(median(sequential)) },
        { path: `Claim/$submit over HTTP, ${inFlight} in flight`, runs, 'median ms': '', 'round trips/s': Number((runs / concurrentS).toFixed(2)) },
        {
          path: 'Claim/$inquire over HTTP (decided case)',
          runs: inquiries.length,
          'median ms': Number(median(inquiries).toFixed(1)),
          'round trips/s': perSec(median(inquiries)),
        },
      ],
      { direct, sequential, concurrentS, inquiries },
    );
  } finally {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' }, 'in-flight': { type: 'string', default: '4' } } });
  await main(Number(values.runs), Number(values['in-flight']));
}
