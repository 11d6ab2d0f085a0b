import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateClientKeyPair } from '../../fhir/smart/keys.js';

/**
 * A SMART backend-services client for trying the payer's PAS API from the demo: a fresh key
 * pair per run, the public half registered with the endpoint, the private half written for the
 * user (owner-only file in the run's folder; it is the EHR's key, not an organization's).
 */
export const DEMO_NOTIFICATION_ENDPOINT = 'http://127.0.0.1:8787/';

export async function demoEhrClient(
  dataDir: string,
): Promise<{ registration: { clientId: string; jwks: unknown; scopes: string[]; notificationEndpoints: string[] }; keyFile: string }> {
  const pair = await generateClientKeyPair('ES384');
  const keyFile = join(dataDir, 'demo-ehr-client.private.jwk.json');
  writeFileSync(keyFile, `${JSON.stringify(pair.privateJwk)}\n`, { mode: 0o600 });
  return {
    // Notifications may go to a listener of the user's on loopback port 8787 (plain http on loopback only).
    registration: {
      clientId: 'lakeside-ehr-demo',
      jwks: pair.jwks,
      scopes: ['system/Claim.cr', 'system/Subscription.cr'],
      notificationEndpoints: [DEMO_NOTIFICATION_ENDPOINT],
    },
    keyFile,
  };
}
