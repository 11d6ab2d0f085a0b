import type { Clock } from '../../../core/common/clock.js';
import type { Logger } from '../../../core/common/log.js';
import { SHIPPED_POLICIES, type CoveragePolicy } from '../../../core/agents/clinical/policy.js';
import { createSmartAuthServer } from '../../../fhir/smart/auth-server.js';
import { parseSmartClients } from '../../../fhir/smart/client-registry.js';
import type { FhirClientOptions } from '../../../fhir/adapters/fhir-client.js';
import type { OrgNode } from '../org-node.js';
import { restHookNotifier } from './notifier.js';
import { PasRecords } from './records.js';
import { startPasServer, type PasAuth } from './server.js';
import { providerRoutes } from './provider-routes.js';
import { authorizationNumber } from '../../../core/agents/domain/form-builder.js';
import { PasService } from './service.js';

export interface PasEndpointOptions {
  /** The payer's org node. */
  node: OrgNode;
  fhirBase: string;
  fhir?: FhirClientOptions;
  /** The PAS ledger's SQLite file (`:memory:` for a throwaway endpoint). */
  recordsPath: string;
  /** Registered SMART backend-service clients (validated: see fhir/smart/client-registry.ts). */
  clients: unknown;
  host?: string;
  port?: number;
  syncWaitMs?: number;
  tokenLifetimeS?: number;
  policy?: CoveragePolicy;
  /** The token endpoint's clock (tests expire tokens with it). */
  authClock?: Clock;
  /** The network the notifier posts on. */
  fetch?: typeof fetch;
  notifyBackoffMs?: readonly number[];
  logger?: Logger;
}

export interface PasEndpoint {
  baseUrl: string;
  tokenUrl: string;
  service: PasService;
  records: PasRecords;
  /** Waits until every notification started so far is delivered or given up. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** The payer's PAS endpoint: ledger, notifier, service and HTTP server, with SMART backend services in front. */
export async function startPasEndpoint(o: PasEndpointOptions): Promise<PasEndpoint> {
  const clients = parseSmartClients(o.clients);
  const records = new PasRecords(o.recordsPath);
  let baseUrl = '';
  const notifier = restHookNotifier({
    records,
    get baseUrl() {
      return baseUrl;
    },
    ...(o.fetch ? { fetch: o.fetch } : {}),
    ...(o.notifyBackoffMs ? { backoffMs: o.notifyBackoffMs } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
  });
  const service = new PasService({
    node: o.node,
    fhirBase: o.fhirBase,
    ...(o.fhir ? { fhir: o.fhir } : {}),
    records,
    notifier,
    ...(o.syncWaitMs !== undefined ? { syncWaitMs: o.syncWaitMs } : {}),
    ...(o.policy ? { policy: o.policy } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
  });
  const server = await startPasServer({
    service,
    records,
    notifier,
    ...(o.host ? { host: o.host } : {}),
    ...(o.port !== undefined ? { port: o.port } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
    provider: providerRoutes({
      policies: SHIPPED_POLICIES,
      payer: SHIPPED_POLICIES[0]!.payer,
      // A DTR context is the tracking number a pend gave this client: its case's pinned policy.
      policyForContext: (clientId, context) => {
        const sub = records.submissions().find((s) => s.clientId === clientId && authorizationNumber(s.caseId) === context);
        const pinned = sub ? o.node.replica.state.cases.get(sub.caseId)?.task.policy : undefined;
        return pinned ? SHIPPED_POLICIES.find((p) => p.id === pinned.id && p.version === pinned.version) : undefined;
      },
    }),
    auth: (tokenUrl): PasAuth => {
      const smart = createSmartAuthServer({
        clients,
        tokenUrl,
        ...(o.tokenLifetimeS ? { tokenLifetimeS: o.tokenLifetimeS } : {}),
        ...(o.authClock ? { clock: o.authClock } : {}),
        ...(o.logger ? { logger: o.logger } : {}),
      });
      return {
        authorize: (header, need) => smart.authorizer.authorize(header, need),
        token: (req) => smart.tokenEndpoint.answer(req),
        configuration: () => smart.configuration,
        notificationEndpoints: (clientId) => clients.get(clientId)?.notificationEndpoints ?? [],
      };
    },
  });
  baseUrl = server.baseUrl;
  await service.start();
  for (const sub of records.liveSubscriptions()) if (sub.status === 'active') notifier.watch(sub);
  return {
    baseUrl: server.baseUrl,
    tokenUrl: server.tokenUrl,
    service,
    records,
    idle: () => notifier.idle(),
    async close() {
      await server.close();
      await service.stop();
      await notifier.close();
      records.close();
    },
  };
}
