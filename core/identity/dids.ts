import { Apollo, Castor, Ed25519PublicKey, Secp256k1PublicKey, X25519PublicKey } from '@hyperledger/identus-sdk';
import { base58 } from '@scure/base';
import { MurmurError } from '../common/errors.js';
import { parseDidPeer2 } from '../crypto/did-peer.js';
import { DID_CONTEXT_V1, MULTIKEY_CONTEXT_V1 } from './contexts.js';

/**
 * DIDs through Identus: organizations (and accreditors) get long-form `did:prism` DIDs,
 * agents get `did:peer:2` DIDs. Nothing leaves the machine: Castor is built with a local
 * endpoint (port 9, "discard") because it otherwise fetches every did:prism from a public
 * host first; the fetch fails at once and Castor falls back to the long form, which is
 * self-certifying. did:peer:2 is read purely (core/crypto/did-peer.ts).
 */
export const LOCAL_PRISM_RESOLVER_ENDPOINT = 'http://127.0.0.1:9/';

let identus: { apollo: Apollo; castor: Castor } | undefined;
function castor(): Castor {
  if (!identus) {
    const apollo = new Apollo();
    identus = { apollo, castor: new Castor(apollo, [], LOCAL_PRISM_RESOLVER_ENDPOINT) };
  }
  return identus.castor;
}

/** An organization's or accreditor's did:prism and the DID URLs of its keys. */
export interface OrganizationDid {
  did: string;
  /** Ed25519 key that signs credentials (assertionMethod): `<did>#issuing-0`. */
  issuingKeyId: string;
  /** Ed25519 key that authenticates the organization: `<did>#authentication-0`. */
  authenticationKeyId: string;
}

/** An agent's did:peer:2 and the DID URLs of its keys. */
export interface AgentDid {
  did: string;
  /** Ed25519 authentication key: signs envelopes and presentations. */
  signingKeyId: string;
  /** X25519 key agreement key: content keys are HPKE-wrapped to it. */
  agreementKeyId: string;
}

/**
 * Whether Castor can resolve a long-form did:prism made with this master key (65-byte
 * uncompressed secp256k1). Its resolver rebuilds the point from x and y as numbers and fails
 * when either coordinate starts with a zero byte (about 1 key in 128): such a DID would verify
 * nothing, so the wallet draws its master key again.
 */
export function prismMasterKeyUsable(master: Uint8Array): boolean {
  return master.length === 65 && master[1] !== 0 && master[33] !== 0;
}

/**
 * Makes a long-form did:prism from public keys only (the keystore keeps the secrets).
 * `master` is an uncompressed secp256k1 point (65 bytes: Castor's long-form resolver fails on the compressed form); `issuing` and `authentication` raw Ed25519 keys.
 */
export async function createOrganizationDid(keys: { master: Uint8Array; issuing: Uint8Array; authentication: Uint8Array }): Promise<OrganizationDid> {
  if (keys.master.length !== 65 || keys.issuing.length !== 32 || keys.authentication.length !== 32) {
    throw new MurmurError('E_INPUT', 'organization DID: master is a 65-byte uncompressed secp256k1 key, issuing and authentication 32-byte Ed25519 keys');
  }
  if (!prismMasterKeyUsable(keys.master)) {
    throw new MurmurError('E_INPUT', 'organization DID: the master key has a coordinate starting with a zero byte, which Castor cannot resolve; draw another');
  }
  const did = (
    await castor().createPrismDID(new Secp256k1PublicKey(keys.master), [], [new Ed25519PublicKey(keys.authentication)], [new Ed25519PublicKey(keys.issuing)])
  ).toString();
  return { did, issuingKeyId: `${did}#issuing-0`, authenticationKeyId: `${did}#authentication-0` };
}

/** Makes an agent's did:peer:2 from its Ed25519 signing key and X25519 agreement key. */
export async function createAgentDid(keys: { signing: Uint8Array; agreement: Uint8Array }): Promise<AgentDid> {
  if (keys.signing.length !== 32 || keys.agreement.length !== 32) {
    throw new MurmurError('E_INPUT', 'agent DID: signing (Ed25519) and agreement (X25519) keys are 32 bytes');
  }
  const did = (await castor().createPeerDID([new Ed25519PublicKey(keys.signing), new X25519PublicKey(keys.agreement)], [])).toString();
  const parsed = parseDidPeer2(did);
  const signing = parsed?.find((k) => k.purpose === 'authentication');
  const agreement = parsed?.find((k) => k.purpose === 'keyAgreement');
  if (!signing || !agreement) throw new MurmurError('E_INTERNAL', 'agent DID: Castor made a did:peer this code cannot read');
  return { did, signingKeyId: signing.id, agreementKeyId: agreement.id };
}

/** A verification method as the JSON-LD suites want it. */
export interface MultikeyMethod {
  id: string;
  type: 'Multikey';
  controller: string;
  publicKeyMultibase: string;
}

/** A DID document normalized to Multikey verification methods (what the document loader serves). */
export interface ControllerDocument {
  '@context': string[];
  id: string;
  verificationMethod: MultikeyMethod[];
  authentication: string[];
  assertionMethod: string[];
  keyAgreement: string[];
}

const ED25519_PREFIX = [0xed, 0x01];
const X25519_PREFIX = [0xec, 0x01];

function multikey(prefix: number[], raw: Uint8Array): string {
  return `z${base58.encode(new Uint8Array([...prefix, ...raw]))}`;
}

/**
 * A resolver with a cache of what it resolved. Both forms are self-certifying, so a document
 * (or "not a DID we resolve") never changes and is kept; a resolution that failed is not
 * kept (it was kept for good, so one failure refused a DID until the process restarted): the
 * caller gets undefined, and the next call tries again.
 */
export function cachedResolver(
  resolve: (did: string) => Promise<ControllerDocument | undefined>,
  max = 10_000,
): (did: string) => Promise<ControllerDocument | undefined> {
  const documents = new Map<string, Promise<ControllerDocument | undefined>>();
  return (did) => {
    let hit = documents.get(did);
    if (!hit) {
      hit = resolve(did).catch(() => {
        documents.delete(did);
        return undefined;
      });
      if (documents.size > max) documents.clear();
      documents.set(did, hit);
    }
    return hit;
  };
}

/**
 * Resolves a did:prism (long form, via Castor) or did:peer:2 (purely) to a controller document
 * with Multikey methods; cached (`cachedResolver`). Undefined for other methods or DIDs that
 * do not resolve.
 */
export const resolveControllerDocument = cachedResolver((did) => resolveUncached(did));

async function resolveUncached(did: string): Promise<ControllerDocument | undefined> {
  const doc: ControllerDocument = {
    '@context': [DID_CONTEXT_V1, MULTIKEY_CONTEXT_V1],
    id: did,
    verificationMethod: [],
    authentication: [],
    assertionMethod: [],
    keyAgreement: [],
  };
  if (did.startsWith('did:peer:2')) {
    const keys = parseDidPeer2(did);
    if (!keys) return undefined;
    for (const k of keys) {
      doc.verificationMethod.push({
        id: k.id,
        type: 'Multikey',
        controller: did,
        publicKeyMultibase: multikey(k.type === 'Ed25519' ? ED25519_PREFIX : X25519_PREFIX, k.publicKey),
      });
      if (k.purpose === 'authentication') doc.authentication.push(k.id);
      else if (k.purpose === 'assertionMethod') doc.assertionMethod.push(k.id);
      else if (k.purpose === 'keyAgreement') doc.keyAgreement.push(k.id);
    }
    return doc;
  }
  if (!did.startsWith('did:prism:') || !did.slice('did:prism:'.length).includes(':')) return undefined; // long form only
  const resolved = await castor().resolveDID(did);
  for (const vm of resolved.verificationMethods) {
    // Prism documents carry raw Ed25519 keys in base58btc without the multicodec prefix.
    if (vm.type !== 'Ed25519VerificationKey2020' || !vm.publicKeyMultibase?.startsWith('z')) continue;
    const raw = base58.decode(vm.publicKeyMultibase.slice(1));
    if (raw.length !== 32) continue;
    const fragment = vm.id.slice(vm.id.indexOf('#') + 1);
    const id = `${did}#${fragment}`;
    doc.verificationMethod.push({ id, type: 'Multikey', controller: did, publicKeyMultibase: multikey(ED25519_PREFIX, raw) });
    if (fragment.startsWith('issuing-')) doc.assertionMethod.push(id);
    else if (fragment.startsWith('authentication-')) doc.authentication.push(id);
  }
  return doc;
}

/** The raw Ed25519 key a resolved document holds under a DID URL (for tests and audits). */
export function ed25519KeyOf(doc: ControllerDocument, keyId: string): Uint8Array | undefined {
  const vm = doc.verificationMethod.find((m) => m.id === keyId);
  if (!vm) return undefined;
  const bytes = base58.decode(vm.publicKeyMultibase.slice(1));
  return bytes[0] === 0xed && bytes[1] === 0x01 ? bytes.slice(2) : undefined;
}
