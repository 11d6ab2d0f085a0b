import { ASSERTION_ALGS } from './client-registry.js';

export interface SmartConfiguration {
  token_endpoint: string;
  grant_types_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  token_endpoint_auth_signing_alg_values_supported: string[];
  scopes_supported: string[];
  capabilities: string[];
}

/** `[base]/.well-known/smart-configuration` for a backend-services-only server. */
export function smartConfiguration(tokenUrl: string, scopesSupported: readonly string[] = []): SmartConfiguration {
  return {
    token_endpoint: tokenUrl,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGS],
    scopes_supported: [...scopesSupported],
    capabilities: ['client-confidential-asymmetric'],
  };
}
