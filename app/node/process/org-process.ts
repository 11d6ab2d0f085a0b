import { sharedVerifyPool } from '../verify-pool.js';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteBoardStore } from '../../../core/board/sqlite-store.js';
import type { BoardStore } from '../../../core/board/store.js';
import { systemClock } from '../../../core/common/clock.js';
import { MurmurError } from '../../../core/common/errors.js';
import type { Logger } from '../../../core/common/log.js';
import { cryptoRandom } from '../../../core/common/random.js';
import { chainResolvers, didKeyResolver } from '../../../core/crypto/did-key.js';
import { didPeerResolver } from '../../../core/crypto/did-peer.js';
import { DOMAIN_AGENTS } from '../../../core/agents/domain/workflow.js';
import { FhirClinicalData } from '../../../fhir/adapters/clinical-data.js';
import { PasClaimResponseBuilder } from '../../../fhir/pas/claim-response.js';
import { startBoardService, type BoardService } from '../board-service/server.js';
import { charterFromJson, CharterFileSchema, openOrg, type Charter, type CharterFile, type OrgWalletFile } from '../charter.js';
import type { OrgSpec } from '../identity.js';
import { OrgNode } from '../org-node.js';
import { openBoard } from './board-url.js';
import { startReleasingArchived } from './release-archived.js';
import { EtcdBoardStore } from '../../../core/board/etcd-store.js';
import { noForms, noProofs } from '../../../core/agents/ports.js';
import type { LoadedConfig } from './config.js';
import { API_TOKEN_FILE, nodeApiToken, startNodeApi, type NodeApi } from './node-api.js';
import { FileKeyVault } from './vault-file.js';
import { startPasEndpoint, type PasEndpoint } from '../pas/endpoint.js';
import type { JWK } from 'jose';
import { SmartBackendAuth } from '../../../fhir/smart/backend-auth.js';
import { discoverTokenUrl } from '../../../fhir/smart/discovery.js';

export interface RunningOrgNode {
  node: OrgNode;
  api: NodeApi;
  /** Where the node API's bearer token is (mode 0600); its operator's CLI reads it. */
  apiTokenFile: string;
  boardService?: BoardService;
  pas?: PasEndpoint;
  stop(): Promise<void>;
}

/**
 * One organization's node as its own process: opens its sealed wallet (passphrase from the
 * environment), the charter, its board (etcd, a board service, or its own SQLite board that
 * it serves), and runs the same OrgNode as the in-process coalition, so what it posts does
 * not depend on how organizations are laid out over processes and hosts.
 */
export async function runOrgProcess(config: LoadedConfig, o: { logger: Logger; env?: NodeJS.ProcessEnv }): Promise<RunningOrgNode> {
  const env = o.env ?? process.env;
  const passphrase = env[config.passphraseEnv];
  if (!passphrase)
    throw new MurmurError('E_INPUT', `${config.path}: passphraseEnv: environment variable ${config.passphraseEnv} is not set`, { field: 'passphraseEnv' });
  const spec: OrgSpec = { ...config.org, agents: config.agents.map((n) => DOMAIN_AGENTS[n]!) };
  const { charter, genesisReputation, members } = readCharter(config.charter);
  const identity = await openOrg(readJsonFile<OrgWalletFile>(config.wallet, 'wallet'), spec, passphrase);
  mkdirSync(config.dataDir, { recursive: true });
  const keys = chainResolvers(didKeyResolver, didPeerResolver);
  const firstAgent = identity.agents.values().next().value!;
  let store: BoardStore;
  let boardService: BoardService | undefined;
  if (config.boardService) {
    // This node hosts the embedded board (SQLite) and serves it to the other nodes.
    store = new SqliteBoardStore(join(config.dataDir, 'board.db'));
    const memberAgents = new Map<string, string>();
    for (const m of members) for (const a of m.agents) memberAgents.set(a, m.org);
    boardService = await startBoardService({
      store,
      members: memberAgents,
      keys,
      host: config.boardService.host,
      port: config.boardService.port,
      logger: o.logger,
    });
    o.logger.log('info', 'board-service.listening', { url: boardService.url });
  } else {
    store = await openBoard(config.board, {
      dataDir: config.dataDir,
      signer: firstAgent.signer,
      logger: o.logger,
      ...(config.releaseArchived === true ? { replica: spec.id } : {}),
    });
  }
  const fhir = config.fhirAuth ? { auth: await fhirAuth(config.fhir, config.fhirAuth) } : {};
  const node = new OrgNode({
    spec,
    identity,
    store,
    keys,
    data: new FhirClinicalData({ baseUrl: config.fhir, ...fhir }),
    forms: spec.kind === 'payer' ? new PasClaimResponseBuilder({ ...fhir, baseUrl: config.fhir }) : noForms,
    proofs: noProofs,
    clock: systemClock,
    random: cryptoRandom,
    logger: o.logger,
    reducer: { genesisReputation },
    charter,
    vault: new FileKeyVault(join(config.dataDir, 'content-keys.jsonl'), passphrase),
    headsPath: join(config.dataDir, 'heads', `${spec.id}.jsonl`),
    coldPath: join(config.dataDir, 'cold', `${spec.id}.cold.db`),
    batchVerify: sharedVerifyPool().verify,
  });
  await node.start();
  const releaser =
    config.releaseArchived === true && store instanceof EtcdBoardStore
      ? startReleasingArchived({
          store,
          settled: () => node.replica.settledCases(),
          dataDir: config.dataDir,
          logger: o.logger,
        })
      : undefined;
  const apiTokenFile = join(config.dataDir, API_TOKEN_FILE);
  const api = await startNodeApi(node, config.api.host, config.api.port, { token: nodeApiToken(apiTokenFile), fhirBase: config.fhir });
  const pas = config.pas
    ? await startPasEndpoint({
        node,
        fhirBase: config.fhir,
        fhir,
        recordsPath: join(config.dataDir, 'pas.db'),
        clients: readJsonFile<unknown>(config.pas.clients, 'pas.clients'),
        host: config.pas.host,
        port: config.pas.port,
        syncWaitMs: config.pas.syncWaitMs,
        logger: o.logger,
      })
    : undefined;
  return {
    node,
    api,
    apiTokenFile,
    ...(boardService ? { boardService } : {}),
    ...(pas ? { pas } : {}),
    async stop() {
      await pas?.close();
      await api.close();
      await releaser?.stop();
      await node.stop();
      await boardService?.close();
      await store.close();
    },
  };
}

/** The adapters' SMART backend-services client toward the organization's FHIR server. */
async function fhirAuth(fhirBase: string, o: NonNullable<LoadedConfig['fhirAuth']>): Promise<SmartBackendAuth> {
  const tokenUrl = o.tokenUrl ?? (await discoverTokenUrl(fhirBase));
  return new SmartBackendAuth({ tokenUrl, clientId: o.clientId, scope: o.scope, privateKey: readJsonFile<JWK>(o.keyFile, 'fhirAuth.keyFile') });
}

function readCharter(path: string): { charter: Charter; genesisReputation: Record<string, number>; members: CharterFile['members'] } {
  const json = readJsonFile<unknown>(path, 'charter');
  const charter = charterFromJson(json);
  return { charter, genesisReputation: charter.genesisReputation, members: CharterFileSchema.parse(json).members };
}

function readJsonFile<T>(path: string, field: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    throw new MurmurError('E_INPUT', `${field}: cannot read JSON from ${path}`, { field });
  }
}
