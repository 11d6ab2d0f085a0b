import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteBoardStore } from '../../core/board/sqlite-store.js';
import type { Clock } from '../../core/common/clock.js';
import type { Logger } from '../../core/common/log.js';
import type { Random } from '../../core/common/random.js';
import { FhirClinicalData } from '../../fhir/adapters/clinical-data.js';
import { storeRequestBundle } from '../../fhir/adapters/request-intake.js';
import { PasClaimResponseBuilder } from '../../fhir/pas/claim-response.js';
import type { PasRequest } from '../../fhir/pas/request.js';
import { startFhirServer, type EmbeddedFhirServer } from '../../fhir/server/embedded-server.js';
import { shutdownZk } from '../../core/zk/index.js';
import { charterToJson } from './charter.js';
import type { OrgSpec } from './identity.js';
import { runCase, startCoalition, type CaseResult, type Coalition } from './coalition.js';
import { startPasEndpoint, type PasEndpoint, type PasEndpointOptions } from './pas/endpoint.js';

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
  close(): Promise<void>;
}

/** The single-machine default: an embedded FHIR server, a SQLite board, four org nodes. */
export async function startEmbedded(o: EmbeddedOptions): Promise<Embedded> {
  mkdirSync(o.dataDir, { recursive: true });
  let fhir: EmbeddedFhirServer | undefined;
  const fhirBase = o.fhirBase ?? (fhir = await startFhirServer({ port: 0, journalPath: join(o.dataDir, 'fhir-journal.jsonl') })).baseUrl;
  const store = new SqliteBoardStore(join(o.dataDir, 'board.db'), o.clock);
  const coalition = await startCoalition({
    store,
    auditDir: join(o.dataDir, 'audit'),
    ...(o.privacy !== undefined ? { privacy: o.privacy } : {}),
    ...(o.proofs ? { proofs: true } : {}),
    ...(o.orgs ? { orgs: o.orgs } : {}),
    data: () => new FhirClinicalData({ baseUrl: fhirBase }),
    forms: new PasClaimResponseBuilder(),
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.random ? { random: o.random } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
  });
  // What a verifier needs later to re-fold this board: the charter (trust registry, status
  // lists, starting reputations). Public coalition data: no keys, no PHI.
  if (coalition.charter) writeFileSync(join(o.dataDir, 'charter.json'), `${JSON.stringify(charterToJson(coalition.charter), null, 2)}\n`);
  const pas = o.pas
    ? await startPasEndpoint({ ...o.pas, node: coalition.payer, fhirBase, recordsPath: join(o.dataDir, 'pas.db'), ...(o.logger && !o.pas.logger ? { logger: o.logger } : {}) })
    : undefined;
  return {
    fhirBase,
    store,
    coalition,
    ...(pas ? { pas } : {}),
    async run(request, timeoutMs) {
      const ref = await storeRequestBundle(fhirBase, request);
      const result = await runCase(coalition, ref, timeoutMs ? { timeoutMs } : {});
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
