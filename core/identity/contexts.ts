import murmurCredentialsV1 from './contexts/murmur-credentials-v1.json' with { type: 'json' };

/**
 * JSON-LD contexts shipped in the repository (no fetching). The Murmur context defines the
 * terms of our credential types; `@protected`, so no other context can redefine them.
 */
export const MURMUR_CREDENTIALS_CONTEXT_V1 = 'https://murmur.example/ns/credentials/v1';
export const VC_CONTEXT_V2 = 'https://www.w3.org/ns/credentials/v2';
export const DID_CONTEXT_V1 = 'https://www.w3.org/ns/did/v1';
export const MULTIKEY_CONTEXT_V1 = 'https://w3id.org/security/multikey/v1';

export const shippedContexts: ReadonlyMap<string, unknown> = new Map<string, unknown>([[MURMUR_CREDENTIALS_CONTEXT_V1, murmurCredentialsV1]]);
