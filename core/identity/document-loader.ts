import dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import multikeyContext from '@digitalbazaar/multikey-context';
import { securityLoader } from '@digitalbazaar/security-document-loader';
import type { DocumentLoader } from '@digitalbazaar/vc';
import { MurmurError } from '../common/errors.js';
import { shippedContexts } from './contexts.js';
import { resolveControllerDocument } from './dids.js';

/**
 * The offline JSON-LD document loader: contexts shipped in node_modules and in this folder,
 * and DIDs resolved locally (did:prism long form, did:peer:2). Any other URL is refused, so
 * verifying a credential can never reach the network. Built once and shared (it is the
 * expensive part to set up).
 */
let shared: DocumentLoader | undefined;

export function documentLoader(): DocumentLoader {
  if (shared) return shared;
  const loader = securityLoader();
  loader.addDocuments({ documents: [...dataIntegrityContext.contexts, ...multikeyContext.contexts, ...shippedContexts] });
  const contexts = loader.build();
  shared = async (url: string) => {
    if (url.startsWith('did:prism:') || url.startsWith('did:peer:')) {
      const hash = url.indexOf('#');
      const did = hash < 0 ? url : url.slice(0, hash);
      const doc = await resolveControllerDocument(did);
      if (!doc) throw new MurmurError('E_NOT_FOUND', 'document loader: DID did not resolve', { did: did.slice(0, 64) });
      if (hash < 0) return { contextUrl: null, documentUrl: url, document: doc };
      const method = doc.verificationMethod.find((m) => m.id === url);
      if (!method) throw new MurmurError('E_NOT_FOUND', 'document loader: no such verification method', { fragment: url.slice(hash + 1) });
      return { contextUrl: null, documentUrl: url, document: { '@context': doc['@context'][1], ...method } };
    }
    try {
      return await contexts(url);
    } catch {
      throw new MurmurError('E_NOT_FOUND', 'document loader: URL is not a shipped context or a local DID (no fetching)', { url: url.slice(0, 120) });
    }
  };
  return shared;
}
