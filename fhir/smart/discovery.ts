import { z } from 'zod';
import { MurmurError } from '../../core/common/errors.js';
import { checkTokenUrl } from './token-url.js';

const Discovered = z.looseObject({
  token_endpoint: z.string().min(1),
  grant_types_supported: z.array(z.string()).optional(),
  token_endpoint_auth_methods_supported: z.array(z.string()).optional(),
  token_endpoint_auth_signing_alg_values_supported: z.array(z.string()).optional(),
  scopes_supported: z.array(z.string()).optional(),
  capabilities: z.array(z.string()).optional(),
});
export type DiscoveredSmartConfiguration = z.infer<typeof Discovered>;

/** Reads `[fhirBase]/.well-known/smart-configuration`; the token endpoint must be https (or loopback http). */
export async function discoverSmartConfiguration(fhirBase: string, doFetch: typeof fetch = fetch): Promise<DiscoveredSmartConfiguration> {
  const url = `${fhirBase.replace(/\/+$/, '')}/.well-known/smart-configuration`;
  let res: Response;
  try {
    res = await doFetch(url, { headers: { Accept: 'application/json' } });
  } catch {
    throw new MurmurError('E_FHIR', 'The SMART configuration could not be fetched: the FHIR server could not be reached.', { status: null });
  }
  if (!res.ok) throw new MurmurError('E_FHIR', `The SMART configuration could not be fetched: HTTP ${res.status}.`, { status: res.status });
  const parsed = Discovered.safeParse(await res.json().catch(() => undefined));
  if (!parsed.success) {
    const path = `smart-configuration.${parsed.error.issues[0]!.path.join('.')}`;
    throw new MurmurError('E_FHIR', `The SMART configuration is not usable: ${path} is missing or malformed.`, { path });
  }
  checkTokenUrl(parsed.data.token_endpoint, 'smart-configuration.token_endpoint');
  return parsed.data;
}

/** The token endpoint a backend-services client should use for this FHIR server. */
export async function discoverTokenUrl(fhirBase: string, doFetch: typeof fetch = fetch): Promise<string> {
  const config = await discoverSmartConfiguration(fhirBase, doFetch);
  if (config.grant_types_supported && !config.grant_types_supported.includes('client_credentials')) {
    throw new MurmurError('E_FHIR', 'The FHIR server’s SMART configuration does not offer client_credentials.', {
      path: 'smart-configuration.grant_types_supported',
    });
  }
  return config.token_endpoint;
}
