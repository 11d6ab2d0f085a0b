import type { Clock } from '../../core/common/clock.js';
import { systemClock } from '../../core/common/clock.js';
import type { Logger } from '../../core/common/log.js';
import { silentLogger } from '../../core/common/log.js';
import type { Random } from '../../core/common/random.js';
import { cryptoRandom } from '../../core/common/random.js';
import { SmartAuthorizer } from './authorizer.js';
import type { SmartClientRegistry } from './client-registry.js';
import { smartConfiguration } from './smart-configuration.js';
import type { SmartConfiguration } from './smart-configuration.js';
import { SmartTokenEndpoint } from './token-endpoint.js';
import { TokenStore } from './token-store.js';

export interface SmartAuthServerOptions {
  /** From parseSmartClients. */
  clients: SmartClientRegistry;
  /** The token endpoint's public URL: client assertions must carry it as aud. */
  tokenUrl: string;
  /** Access token lifetime in seconds; 300 unless set. */
  tokenLifetimeS?: number;
  clock?: Clock;
  /** Token bytes; must be cryptographic outside tests. */
  random?: Random;
  logger?: Logger;
}

export interface SmartAuthServer {
  tokenEndpoint: SmartTokenEndpoint;
  authorizer: SmartAuthorizer;
  configuration: SmartConfiguration;
  /** Ends every access token of a client at once. */
  revokeClient(clientId: string): void;
}

/** The token endpoint, the request authorizer and the discovery document, over one token store. */
export function createSmartAuthServer(opts: SmartAuthServerOptions): SmartAuthServer {
  const clock = opts.clock ?? systemClock;
  const logger = (opts.logger ?? silentLogger).child({ component: 'smart-auth' });
  const store = new TokenStore(clock, opts.random ?? cryptoRandom);
  return {
    tokenEndpoint: new SmartTokenEndpoint({ registry: opts.clients, tokenUrl: opts.tokenUrl, store, clock, tokenLifetimeS: opts.tokenLifetimeS, logger }),
    authorizer: new SmartAuthorizer(store),
    configuration: smartConfiguration(opts.tokenUrl, opts.clients.scopesSupported()),
    revokeClient: (clientId) => store.revokeClient(clientId),
  };
}
