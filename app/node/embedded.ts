import { sharedVerifyPool } from './verify-pool.js';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { MurmurError, errorMessage } from '../../core/common/errors.js';
import { join } from 'node:path';
import { SqliteBoardStore } from '../../core/board/sqlite-store.js';
import type { Clock } from '../../core/common/clock.js';
import type { Logger } from '../../core/common/log.js';
import type { Random } from '../../core/common/random.js';
import { FhirClinicalData } from '../../fhir/adapters/clinical-data.js';
import { storeRequestBundle } from '../../fhir/adapters/request-intake.js';
import { PasClaimResponseBuilder } from '../../fhir/pas/claim-response.js';
import type { PasRequest } from '../../fhir/pas/request.js';
import type { EmbeddedFhirServer } from '../../fhir/server/embedded-server.js';
import { startFhirServerThread } from '../../fhir/server/server-thread.js';
import { shutdownZk } from '../../core/zk/index.js';
import { systemClock } from '../../core/common/clock.js';
import { cryptoRandom } from '../../core/common/random.js';
import { embeddedIdentities } from './embedded-identity.js';
import type { OrgSpec } from './identity.js';
import { FileKeyVault } from './process/vault-file.js';
import { REFERENCE_ORGS } from './reference-coalition.js';
import { charterToJson } from './charter.js';
import { awaitCase, runCase, startCoalition, type CaseResult, type Coalition } from './coalition.js';
import { startPasEndpoint, type PasEndpoint, type PasEndpointOptions } from './pas/endpoint.js';
import { policyForClaim, priorityOf, serviceOf } from '../../core/agents/clinical/items.js';
import { SHIPPED_POLICIES } from '../../core/agents/clinical/policy.js';
import type { FhirResource } from '../../core/agents/clinical/types.js';

export interface EmbeddedOptions {
  /** Folder for the board file, the FHIR journal and the archive. */
  dataDir: string;
  /** An external FHIR server; the embedded one starts when absent. */
  fhirBase?: string;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** Credentials and sealed sections (default on); off is the benchmarks' baseline. */
  privacy?: boolean;
  /** Zero-knowledge clinical predicate proofs (default off). */
  proofs?: boolean;
  /** The organizations and their agents (default: the reference coalition); benchmarks time their work. */
  orgs?: readonly OrgSpec[];
  /** The payer's PAS endpoint (Claim/$submit, $inquire, Subscriptions), with its SMART clients. */
  pas?: Omit<PasEndpointOptions, 'node' | 'fhirBase' | 'recordsPath'>;
}

export interface Embedded {
  fhirBase: string;
  store: SqliteBoardStore;
  coalition: Coalition;
  /** The payer's PAS endpoint, when asked for. */
  pas?: PasEndpoint;
  /** Stores a PAS request on the FHIR server and runs it through the coalition. */
  run(request: PasRequest, timeoutMs?: number): Promise<CaseResult>;
  /** The payer's cases on the board that are not yet dissolved and scored (a killed run's). */
  unfinished(): string[];
  /** Waits for a case already on the board to end, as `run` does for a new one. */
  resume(caseId: string, timeoutMs?: number): Promise<CaseResult>;
  close(): Promise<void>;
}

/** The single-machine default: an embedded FHIR server, a SQLite board, four org nodes. */
export async function startEmbedded(o: EmbeddedOptions): Promise<Embedded> {
  mkdirSync(o.dataDir, { recursive: true });
  let fhir: EmbeddedFhirServer | undefined;
  const fhirBase = o.fhirBase ?? (fhir = await startStableFhirServer(o.dataDir)).baseUrl;
  const store = new SqliteBoardStore(join(o.dataDir, 'board.db'), o.clock);
  // With privacy on (the default), the organizations' keys live in the data folder: a run
  // started again on it is the same coalition, so it resumes what the board holds.
  const kept =
    (o.privacy ?? true) ? await embeddedIdentities(o.dataDir, REFERENCE_ORGS, { random: o.random ?? cryptoRandom, clock: o.clock ?? systemClock }) : undefined;
  const coalition = await startCoalition({
    ...(kept
      ? {
          identities: { charter: kept.charter, identities: kept.identities, ...(kept.made ? { orgs: kept.made } : {}) },
          vault: (spec: OrgSpec) => new FileKeyVault(join(o.dataDir, 'identity', `${spec.id}.keys.jsonl`), kept.passphrases[spec.id]!),
        }
      : {}),
    store,
    auditDir: join(o.dataDir, 'audit'),
    headsDir: join(o.dataDir, 'heads'),
    coldDir: join(o.dataDir, 'cold'),
    // A restart on a long board re-folds it: its signatures are checked on every core.
    batchVerify: sharedVerifyPool().verify,
    ...(o.privacy !== undefined ? { privacy: o.privacy } : {}),
    ...(o.proofs ? { proofs: true } : {}),
    ...(o.orgs ? { orgs: o.orgs } : {}),
    data: () => new FhirClinicalData({ baseUrl: fhirBase }),
    forms: new PasClaimResponseBuilder({ baseUrl: fhirBase }),
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.random ? { random: o.random } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
  });
  // What a verifier needs later to re-fold this board: the charter (trust registry, status
  // lists, starting reputations). Public coalition data: no keys, no PHI.
  // The members (organizations and their agents' DIDs) tell a verifier whose tree heads count.
  const members = (coalition.orgs ?? []).map((org) => ({
    org: org.spec.id,
    did: org.identity.did,
    agents: [...org.identity.agents.values()].map((a) => a.did),
  }));
  if (coalition.charter) writeFileSync(join(o.dataDir, 'charter.json'), `${JSON.stringify(charterToJson(coalition.charter, members), null, 2)}\n`);
  const pas = o.pas
    ? await startPasEndpoint({
        ...o.pas,
        node: coalition.payer,
        fhirBase,
        recordsPath: join(o.dataDir, 'pas.db'),
        ...(o.logger && !o.pas.logger ? { logger: o.logger } : {}),
      })
    : undefined;
  return {
    fhirBase,
    store,
    coalition,
    ...(pas ? { pas } : {}),
    async run(request, timeoutMs) {
      const ref = await storeRequestBundle(fhirBase, request);
      // The policy the Claim's items name; a service without one is pended for manual review.
      const claim = request.claim as unknown as FhirResource;
      const policy = policyForClaim(claim, SHIPPED_POLICIES);
      const result = await runCase(coalition, ref, {
        policy,
        service: serviceOf(claim, policy),
        priority: priorityOf(claim),
        ...(timeoutMs ? { timeoutMs } : {}),
      });
      await archiveCase(store, o.dataDir, result.caseId);
      return result;
    },
    unfinished() {
      const payer = coalition.payer;
      const mine = new Set(payer.agents.map((a) => a.did));
      // Frozen cases are settled: the live ones hold every unfinished case.
      return [...payer.replica.state.cases.live()].filter((c) => mine.has(c.requester) && c.reputation === undefined).map((c) => c.id);
    },
    async resume(caseId, timeoutMs) {
      const result = await awaitCase(coalition, caseId, timeoutMs);
      await archiveCase(store, o.dataDir, result.caseId);
      return result;
    },
    async close() {
      await pas?.close();
      await coalition.stop();
      if (o.proofs) await shutdownZk();
      await store.close();
      await fhir?.close();
    },
  };
}

/** The dissolved coalition's memory: its part of the log, as signed, in one file. */
export async function archiveCase(store: SqliteBoardStore, dataDir: string, caseId: string): Promise<string> {
  const dir = join(dataDir, 'archive');
  mkdirSync(dir, { recursive: true });
  const entries = await store.readCase(caseId);
  const path = join(dir, `${caseId}.jsonl`);
  writeFileSync(path, entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
  return path;
}

/**
 * The embedded FHIR server on the port of the folder's previous run where it can: case refs on
 * the board name the FHIR base, and every node refuses a ref for any server but its own. On a
 * thread of its own (server-thread.ts), off the nodes' event loop.
 */
async function startStableFhirServer(dataDir: string): Promise<EmbeddedFhirServer> {
  const portFile = join(dataDir, 'fhir-port');
  const journalPath = join(dataDir, 'fhir-journal.jsonl');
  const previous = existsSync(portFile) ? Number(readFileSync(portFile, 'utf8').trim()) : 0;
  if (Number.isInteger(previous) && previous > 0 && previous < 65536) {
    try {
      return await startFhirServerThread({ port: previous, journalPath });
    } catch (e) {
      throw new MurmurError(
        'E_CONFLICT',
        `the FHIR port of this data folder's earlier run (${previous}) is taken (${errorMessage(e)}); free it to resume the run`,
        { field: 'data-dir' },
      );
    }
  }
  const server = await startFhirServerThread({ port: 0, journalPath });
  writeFileSync(portFile, `${new URL(server.baseUrl).port}\n`);
  return server;
}
