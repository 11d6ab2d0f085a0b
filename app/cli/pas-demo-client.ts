import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateClientKeyPair } from '../../fhir/smart/keys.js';

/**
 * A SMART backend-services client for trying the payer's PAS API from the demo: a fresh key
 * pair per run, the public half registered with the endpoint, the private half written for the
 * user (owner-only file in the run's folder; it is the EHR's key, not an organization's).
 */
export async function demoEhrClient(dataDir: string): Promise<{ registration: { clientId: string; jwks: unknown; scopes: string[] }; keyFile: string }> {
  const pair = await generateClientKeyPair('ES384');
  const keyFile = join(dataDir, 'demo-ehr-client.private.jwk.json');
  writeFileSync(keyFile, `${JSON.stringify(pair.privateJwk)}\n`, { mode: 0o600 });
  return {
    registration: { clientId: 'lakeside-ehr-demo', jwks: pair.jwks, scopes: ['system/Claim.cr', 'system/Subscription.cr'] },
    keyFile,
  };
}
