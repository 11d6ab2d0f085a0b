import { MurmurError } from '../common/errors.js';
import type { Random } from '../common/random.js';
import { cryptoRandom } from '../common/random.js';
import { didPeerAgreementKey, didPeerVerificationKey } from '../crypto/did-peer.js';
import type { Unwrapper } from '../crypto/hpke.js';
import type { ScryptCost, SealedKeystore } from '../crypto/keystore.js';
import { Keystore } from '../crypto/keystore.js';
import type { Signer } from '../crypto/signing.js';
import type { AgentDid, OrganizationDid } from './dids.js';
import { createAgentDid, createOrganizationDid, prismMasterKeyUsable, ed25519KeyOf, resolveControllerDocument } from './dids.js';

/**
 * An organization's wallet: its keystore (secrets sealed at rest), its did:prism, its agents'
 * did:peer DIDs. It hands out signers and unwrappers, never key bytes.
 * Key labels: `org/master` (secp256k1), `org/issuing`, `org/authentication` (Ed25519),
 * `agent/<name>/signing` (Ed25519), `agent/<name>/agreement` (X25519).
 */
export interface AgentIdentity extends AgentDid {
  name: string;
  /** Signs envelopes and presentations as `signingKeyId`. */
  signer: Signer;
  /** Opens key grants wrapped to `agreementKeyId`. */
  unwrap: Unwrapper;
  agreementPublicKey: Uint8Array;
}

export interface OrganizationIdentity extends OrganizationDid {
  /** Signs credentials as `issuingKeyId`. */
  issuer: Signer;
}

/**
 * A person who acts for the organization in its console (a payer's reviewer): an id (a code,
 * what goes on the board), a display name (kept here, never on the board) and an Ed25519 key
 * that signs the operator's decisions.
 */
export interface OperatorIdentity {
  id: string;
  name: string;
  signer: Signer;
  publicKey: Uint8Array;
}

/** The wallet at rest: the sealed keystore plus public identifiers (re-checked on open). */
export interface SealedWallet {
  v: 1;
  keystore: SealedKeystore;
  organization?: OrganizationDid;
  agents: Record<string, AgentDid>;
  /** Operator display names by id (their keys are in the keystore as `operator/<id>/signing`). */
  operators?: Record<string, string>;
}

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export class Wallet {
  private organizationDid: OrganizationDid | undefined;
  private readonly agentDids = new Map<string, AgentDid>();
  private readonly operatorNames = new Map<string, string>();

  private constructor(private readonly keystore: Keystore) {}

  static empty(): Wallet {
    return new Wallet(Keystore.empty());
  }

  /** Creates the organization's keys and long-form did:prism (once). */
  async createOrganization(random: Random = cryptoRandom): Promise<OrganizationIdentity> {
    if (this.organizationDid) throw new MurmurError('E_CONFLICT', 'wallet: the organization DID exists already');
    const master = this.keystore.generate('org/master', 'secp256k1', random, prismMasterKeyUsable);
    const issuing = this.keystore.generate('org/issuing', 'ed25519', random);
    const authentication = this.keystore.generate('org/authentication', 'ed25519', random);
    this.organizationDid = await createOrganizationDid({ master: master.publicKey, issuing: issuing.publicKey, authentication: authentication.publicKey });
    return this.organization();
  }

  organization(): OrganizationIdentity {
    if (!this.organizationDid) throw new MurmurError('E_NOT_FOUND', 'wallet: no organization DID yet (call createOrganization)');
    return { ...this.organizationDid, issuer: this.keystore.signer('org/issuing', this.organizationDid.issuingKeyId) };
  }

  /** Creates an agent's keys and did:peer:2. */
  async createAgent(name: string, random: Random = cryptoRandom): Promise<AgentIdentity> {
    if (!NAME.test(name)) throw new MurmurError('E_INPUT', 'wallet: an agent name is 1–63 chars of [a-z0-9-]', { field: 'name' });
    if (this.agentDids.has(name)) throw new MurmurError('E_CONFLICT', `wallet: agent "${name}" exists already`, { name });
    const signing = this.keystore.generate(`agent/${name}/signing`, 'ed25519', random);
    const agreement = this.keystore.generate(`agent/${name}/agreement`, 'x25519', random);
    this.agentDids.set(name, await createAgentDid({ signing: signing.publicKey, agreement: agreement.publicKey }));
    return this.agent(name);
  }

  agent(name: string): AgentIdentity {
    const did = this.agentDids.get(name);
    if (!did) throw new MurmurError('E_NOT_FOUND', `wallet: no agent "${name}"`, { name });
    return {
      ...did,
      name,
      signer: this.keystore.signer(`agent/${name}/signing`, did.signingKeyId),
      unwrap: this.keystore.unwrapper(`agent/${name}/agreement`),
      agreementPublicKey: this.keystore.info(`agent/${name}/agreement`).publicKey,
    };
  }

  agentNames(): string[] {
    return [...this.agentDids.keys()].sort();
  }

  /** Creates an operator's signing key, under an id of [a-z0-9-] and a display name. */
  createOperator(id: string, name: string, random: Random = cryptoRandom): OperatorIdentity {
    if (!NAME.test(id)) throw new MurmurError('E_INPUT', 'wallet: an operator id is 1–63 chars of [a-z0-9-]', { field: 'id' });
    if (!name.trim() || name.length > 80) throw new MurmurError('E_INPUT', 'wallet: an operator name is 1–80 characters', { field: 'name' });
    if (this.operatorNames.has(id)) throw new MurmurError('E_CONFLICT', `wallet: operator "${id}" exists already`, { id });
    this.keystore.generate(`operator/${id}/signing`, 'ed25519', random);
    this.operatorNames.set(id, name.trim());
    return this.operator(id);
  }

  operator(id: string): OperatorIdentity {
    const name = this.operatorNames.get(id);
    if (name === undefined) throw new MurmurError('E_NOT_FOUND', `wallet: no operator "${id}"`, { id });
    const label = `operator/${id}/signing`;
    const publicKey = this.keystore.info(label).publicKey;
    return { id, name, publicKey, signer: this.keystore.signer(label, `operator:${id}`) };
  }

  operatorIds(): string[] {
    return [...this.operatorNames.keys()].sort();
  }

  async seal(passphrase: string, random: Random = cryptoRandom, cost?: ScryptCost): Promise<SealedWallet> {
    return {
      v: 1,
      keystore: await this.keystore.seal(passphrase, random, cost),
      ...(this.organizationDid ? { organization: { ...this.organizationDid } } : {}),
      agents: Object.fromEntries([...this.agentDids.entries()].map(([n, d]) => [n, { ...d }])),
      ...(this.operatorNames.size ? { operators: Object.fromEntries(this.operatorNames) } : {}),
    };
  }

  /** Opens a sealed wallet and checks that every public DID matches the sealed keys. */
  static async open(sealed: SealedWallet, passphrase: string): Promise<Wallet> {
    if (sealed?.v !== 1 || typeof sealed.agents !== 'object') throw new MurmurError('E_SCHEMA', 'sealed wallet: unknown version or missing agents');
    const wallet = new Wallet(await Keystore.open(sealed.keystore, passphrase));
    const same = (a: Uint8Array | undefined, b: Uint8Array) => a !== undefined && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
    for (const [name, did] of Object.entries(sealed.agents)) {
      const signing = wallet.keystore.info(`agent/${name}/signing`).publicKey;
      const agreement = wallet.keystore.info(`agent/${name}/agreement`).publicKey;
      if (!same(didPeerVerificationKey(did.signingKeyId), signing) || !same(didPeerAgreementKey(did.did)?.publicKey, agreement)) {
        throw new MurmurError('E_CRYPTO', `sealed wallet: agent "${name}" DID does not match its sealed keys`, { name });
      }
      wallet.agentDids.set(name, did);
    }
    for (const [id, name] of Object.entries(sealed.operators ?? {})) {
      wallet.keystore.info(`operator/${id}/signing`);
      wallet.operatorNames.set(id, name);
    }
    if (sealed.organization) {
      const doc = await resolveControllerDocument(sealed.organization.did);
      const issuing = wallet.keystore.info('org/issuing').publicKey;
      if (!doc || !same(ed25519KeyOf(doc, sealed.organization.issuingKeyId), issuing)) {
        throw new MurmurError('E_CRYPTO', 'sealed wallet: organization DID does not match its sealed keys');
      }
      wallet.organizationDid = sealed.organization;
    }
    return wallet;
  }
}
