import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { JSONWebKeySet, JWK } from 'jose';

export interface ClientKeyPair {
  /** Secret: give it to SmartBackendAuth and store it like a password, never log it. */
  privateJwk: JWK;
  /** The JWKS to register with the authorization server (parseSmartClients `jwks`). */
  jwks: JSONWebKeySet;
  kid: string;
}

/**
 * A new client key pair for SMART backend services. ES384 by default (small keys, fast
 * signing); RS384 for servers that only take RSA. The kid is the RFC 7638 thumbprint, so the
 * same key always gets the same kid and the server can pick it from the client's JWKS.
 */
export async function generateClientKeyPair(alg: 'ES384' | 'RS384' = 'ES384'): Promise<ClientKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS384' ? { modulusLength: 3072 } : {}) });
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub);
  const meta = { kid, alg, use: 'sig' };
  return { privateJwk: { ...(await exportJWK(privateKey)), ...meta }, jwks: { keys: [{ ...pub, ...meta }] }, kid };
}
