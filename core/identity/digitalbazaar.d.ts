// Minimal typings for the untyped ESM-only @digitalbazaar packages, covering what Murmur calls.
declare module '@digitalbazaar/vc' {
  export interface LoadedDocument {
    contextUrl: string | null;
    documentUrl: string;
    document: unknown;
  }
  export type DocumentLoader = (url: string) => Promise<LoadedDocument>;
  export interface VerifyResult {
    verified: boolean;
    error?: unknown;
    results?: unknown[];
    presentationResult?: { verified: boolean; error?: unknown };
    credentialResults?: { verified: boolean; error?: unknown; credentialId?: string }[];
  }
  export function issue(options: { credential: object; suite: unknown; documentLoader: DocumentLoader; now?: string | Date }): Promise<Record<string, unknown>>;
  export function verifyCredential(options: {
    credential: object;
    suite: unknown;
    documentLoader: DocumentLoader;
    now?: string | Date;
    checkStatus?: (options: { credential: Record<string, unknown> }) => Promise<{ verified: boolean; error?: unknown }>;
  }): Promise<VerifyResult>;
  export function createPresentation(options: {
    verifiableCredential?: object | object[];
    holder?: string;
    id?: string;
    now?: string | Date;
    version?: number;
  }): Record<string, unknown>;
  export function signPresentation(options: {
    presentation: object;
    suite: unknown;
    challenge: string;
    domain?: string;
    documentLoader: DocumentLoader;
  }): Promise<Record<string, unknown>>;
  /** Throws when the presentation's context or type is not a VerifiablePresentation's. */
  export function _checkPresentation(presentation: object): void;
  export function verify(options: {
    presentation: object;
    suite: unknown;
    challenge: string;
    domain?: string;
    documentLoader: DocumentLoader;
    now?: string | Date;
    checkStatus?: (options: { credential: Record<string, unknown> }) => Promise<{ verified: boolean; error?: unknown }>;
  }): Promise<VerifyResult>;
}

declare module '@digitalbazaar/data-integrity' {
  export interface DataIntegritySigner {
    id: string;
    algorithm: string;
    sign(options: { data: Uint8Array }): Promise<Uint8Array>;
  }
  export class DataIntegrityProof {
    constructor(options: { signer?: DataIntegritySigner; cryptosuite: unknown; date?: string | Date });
  }
}

declare module '@digitalbazaar/eddsa-rdfc-2022-cryptosuite' {
  export const cryptosuite: unknown;
}

declare module '@digitalbazaar/eddsa-jcs-2022-cryptosuite' {
  /** JCS (RFC 8785) Ed25519 proofs: one cryptosuite object to sign with, another to verify with. */
  export function createSignCryptosuite(): unknown;
  export function createVerifyCryptosuite(): unknown;
}

declare module '@digitalbazaar/ed25519-multikey' {
  /** A key pair from a Multikey verification method (public part only here). */
  export function from(key: object): Promise<{ id: string; controller: string; publicKey: Uint8Array }>;
}

declare module '@digitalbazaar/security-document-loader' {
  export interface JsonLdDocumentLoader {
    addDocuments(options: { documents: Iterable<[string, unknown]> }): void;
    addStatic(url: string, document: unknown): void;
    build(): (url: string) => Promise<{ contextUrl: string | null; documentUrl: string; document: unknown }>;
  }
  export function securityLoader(options?: { cache?: unknown }): JsonLdDocumentLoader;
}

declare module '@digitalbazaar/data-integrity-context' {
  const value: { contexts: Map<string, unknown>; CONTEXT_URL: string };
  export default value;
}

declare module '@digitalbazaar/multikey-context' {
  const value: { contexts: Map<string, unknown>; CONTEXT_URL: string };
  export default value;
}

declare module 'jsonld-signatures' {
  class AuthenticationProofPurpose {
    constructor(options: { challenge: string; domain?: string; controller?: object });
  }
  const jsigs: {
    purposes: { AuthenticationProofPurpose: typeof AuthenticationProofPurpose };
    verify(
      document: object,
      options: { suite: unknown; purpose: AuthenticationProofPurpose; documentLoader: (url: string) => Promise<unknown> },
    ): Promise<{ verified: boolean; error?: unknown }>;
  };
  export default jsigs;
}
