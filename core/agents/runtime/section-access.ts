import type { Section } from '../../board/envelope.js';
import type { StoredEntry } from '../../board/store.js';
import type { Clock } from '../../common/clock.js';
import { MurmurError } from '../../common/errors.js';
import type { Random } from '../../common/random.js';
import { cryptoRandom } from '../../common/random.js';
import { newContentKey, openSection, sealSection, sectionAssociatedData, type ContentKey } from '../../crypto/aead.js';
import type { Unwrapper } from '../../crypto/hpke.js';
import type { CaseState } from '../../coordination/case-state.js';
import type { AuditSink } from '../../access/audit.js';
import { accessChallenge } from '../../access/challenges.js';
import { grantSectionKey, openKeyGrant, parseKeyGrant } from '../../access/key-grant.js';
import type { Draft, DraftBuilder } from './poster.js';
import type { BoardReplica } from './replica.js';
import { acceptedHeader } from '../../coordination/kinds/draft.js';

/** Makes presentations of an agent's credentials, bound to a board nonce and a domain. */
export interface Presenter {
  present(challenge: string, domain: string, now: number): Promise<Record<string, unknown>>;
}

/**
 * Proves in zero knowledge that the agent holds an issuer-signed role credential with one of
 * `allowedRoles`, unexpired at `now`, bound to `challenge` and its board key, with a nullifier.
 */
export interface RoleProver {
  prove(challenge: string, allowedRoles: readonly string[], now: number): Promise<Record<string, unknown>>;
}

/** The header fields that prove an agent's right: a role proof where it has one, else a presentation. */
export async function rightFields(
  o: { presenter?: Presenter | undefined; roleProver?: RoleProver | undefined },
  challenge: string,
  domain: string,
  allowedRoles: readonly string[],
  now: number,
): Promise<Record<string, unknown>> {
  if (o.roleProver) return { roleProof: await o.roleProver.prove(challenge, allowedRoles, now) };
  if (o.presenter) return { presentation: await o.presenter.present(challenge, domain, now) };
  return {};
}

/**
 * How an agent proves its right on a card or a claim: by presentations of its credentials (and
 * zero-knowledge role proofs where it has them) in a chartered coalition, or not at all without
 * a charter (`noCredentials`). A mode object, like `Disclosure`, rather than absent ports.
 */
export interface Credentials {
  /** The header fields proving the right to act on `challenge`; none without credentials. */
  right(challenge: string, domain: string, allowedRoles: readonly string[], now: number): Promise<Record<string, unknown>>;
  /** The presentation backing the agent's card, or undefined (nothing to present). */
  card(challenge: string, domain: string, now: number): Promise<Record<string, unknown> | undefined>;
}

/** Credentials from what an agent holds: a role proof where it has a prover, else a presentation. */
export function heldCredentials(o: { presenter?: Presenter | undefined; roleProver?: RoleProver | undefined }): Credentials {
  return {
    right: (challenge, domain, allowedRoles, now) => rightFields(o, challenge, domain, allowedRoles, now),
    card: async (challenge, domain, now) => o.presenter?.present(challenge, domain, now),
  };
}

/** No charter: cards and claims carry no proof of right. */
export const noCredentials: Credentials = heldCredentials({});

/**
 * How an agent's sections travel: sealed per section with grants (`SectionAccess`, privacy on)
 * or in plaintext (`plaintextDisclosure`, a coalition without a charter, e.g. the simulator's
 * light mode). The mode is an object, never an absent port, so no code path can forget to seal.
 */
export interface Disclosure {
  /** Sections as they go on the board for the envelope at (case, subtask, seq). */
  seal(caseId: string, subtask: string | undefined, seq: number, sections: readonly Section[]): Section[];
  /** A section's content as this agent may read it; `operator`: the person it reads for. */
  read(entry: StoredEntry, name: string, operator?: string): Promise<unknown>;
  /** Answers the admitted requests for this agent's sections. */
  grantPending(c: CaseState): Promise<void>;
}

/** Plaintext mode: nothing is sealed, reads return the plaintext, there is nothing to grant. */
export const plaintextDisclosure: Disclosure = {
  seal: (_caseId, _subtask, _seq, sections) => [...sections],
  read: async (entry, name) => entry.envelope.sections.find((s) => s.name === name)?.plaintext,
  grantPending: async () => undefined,
};

/** Content keys of the sections an organization's agents sealed, by position. Never exported. */
export class KeyVault {
  private readonly keys = new Map<string, ContentKey>();
  put(position: string, key: ContentKey): void {
    this.keys.set(position, key);
  }
  get(position: string): ContentKey | undefined {
    return this.keys.get(position);
  }
}

export const positionOf = (author: string, seq: number, section: string): string => `${author}#${seq}/${section}`;

export interface SectionAccessOptions {
  /** The agent's DID and signing key id (the envelope author). */
  did: string;
  keyId: string;
  unwrap: Unwrapper;
  presenter: Presenter;
  roleProver?: RoleProver;
  /** The agent's role, as its card states it. */
  role: string;
  vault: KeyVault;
  replica: BoardReplica;
  post: (draft: Draft | DraftBuilder) => Promise<StoredEntry>;
  audit: AuditSink;
  clock: Clock;
  random?: Random;
  /** How long a reader waits for a grant before it gives up. */
  grantTimeoutMs?: number;
}

/**
 * One agent's side of selective disclosure: it seals what it posts (a fresh content key per
 * section, bound to the envelope's position), reads others' sections through key grants it
 * asks for with a presentation, and grants its own sections' keys to admitted requesters.
 */
export class SectionAccess implements Disclosure {
  private readonly requested = new Set<string>();
  private readonly granted = new Set<string>();

  constructor(private readonly o: SectionAccessOptions) {}

  /** Seals each plaintext section for the envelope at (case, subtask, seq). */
  seal(caseId: string, subtask: string | undefined, seq: number, sections: readonly Section[]): Section[] {
    return sections.map((s) => {
      if (s.plaintext === undefined) return s;
      const key = newContentKey(this.o.random ?? cryptoRandom);
      const ad = sectionAssociatedData({ case: caseId, subtask: subtask ?? caseId, author: this.o.keyId, seq, section: s.name });
      const sealed = sealSection(key, new TextEncoder().encode(JSON.stringify(s.plaintext)), ad, this.o.random ?? cryptoRandom);
      this.o.vault.put(positionOf(this.o.keyId, seq, s.name), key);
      return { name: s.name, readers: s.readers, sealed: { ...sealed, keyId: `${this.o.keyId}#${seq}/${s.name}` } };
    });
  }

  /** Reads a section: plaintext as is; sealed with the vault's key (own) or a key grant. `operator`: the person it reads for, recorded in the trail. */
  async read(entry: StoredEntry, name: string, operator?: string): Promise<unknown> {
    const env = entry.envelope;
    const section = env.sections.find((s) => s.name === name);
    if (!section) return undefined;
    if (section.plaintext !== undefined) return section.plaintext;
    const sealed = section.sealed!;
    const caseId = env.case!;
    const subtask = env.subtask ?? caseId;
    let key = env.author === this.o.keyId ? this.o.vault.get(positionOf(env.author, env.seq, name)) : undefined;
    if (!key) key = await this.keyFromGrant(entry, name);
    const ad = sectionAssociatedData({ case: caseId, subtask, author: env.author, seq: env.seq, section: name });
    if (sealed.alg !== 'A256GCM') throw new MurmurError('E_CRYPTO', `section ${name} is sealed with an unknown algorithm`);
    const opened = openSection(key, { alg: 'A256GCM', nonce: sealed.nonce, ciphertext: sealed.ciphertext }, ad);
    const plaintext = JSON.parse(new TextDecoder().decode(opened)) as unknown;
    await this.o.audit({
      kind: 'decrypt',
      actor: this.o.did,
      ...(operator ? { operator } : {}),
      outcome: 'ok',
      case: caseId,
      subtask,
      section: name,
      envelope: env.id,
    });
    return plaintext;
  }

  private async keyFromGrant(entry: StoredEntry, name: string): Promise<ContentKey> {
    const caseId = entry.envelope.case!;
    const findGrant = () => {
      const c = this.o.replica.state.cases.get(caseId);
      for (const g of c?.access.grants.values() ?? []) {
        if (g.target === entry.envelope.id && g.section === name && g.grantee === this.o.did) return g;
      }
      return undefined;
    };
    // A request this agent already has on the board (before a restart, say) is waited on, not repeated.
    const onBoard = (): boolean =>
      [...(this.o.replica.state.cases.get(caseId)?.access.requests.values() ?? [])].some(
        (r) => r.requester === this.o.did && r.target === entry.envelope.id && r.section === name,
      );
    let grant = findGrant();
    if (!grant) {
      const key = `${entry.envelope.id}/${name}`;
      if (!this.requested.has(key) && !onBoard()) {
        this.requested.add(key);
        const domain = entry.envelope.subtask ?? caseId;
        const challenge = accessChallenge(entry.envelope.id, name);
        const right = await rightFields(this.o, challenge, domain, [this.o.role], this.o.clock.now());
        const posted = await this.o.post({ case: caseId, kind: 'AccessRequest', header: { target: entry.envelope.id, section: name, ...right }, sections: [] });
        await this.o.replica.catchUp();
        const record = this.o.replica.fold.record(posted.envelope.id);
        if (record?.status === 'rejected') {
          await this.o.audit({
            kind: 'denial',
            actor: this.o.did,
            outcome: 'denied',
            case: caseId,
            section: name,
            envelope: entry.envelope.id,
            reasons: [record.reason ?? 'rejected'],
          });
          throw new MurmurError('E_CRYPTO', `access to ${domain}/${name} refused: ${record.reason}`, { section: name });
        }
      }
      grant = await this.waitFor(findGrant);
    }
    const env = this.o.replica.entry(grant.ref.id)!.envelope;
    return openKeyGrant(parseKeyGrant(acceptedHeader('KeyGrant', env).grant), this.o.unwrap);
  }

  /** Waits for the fold to show what `probe` looks for, up to the grant timeout on the injected clock. */
  private waitFor<T>(probe: () => T | undefined): Promise<T> {
    const found = probe();
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timeout = new AbortController();
      const stop = this.o.replica.onRecord(() => {
        const v = probe();
        if (v) {
          stop();
          timeout.abort();
          resolve(v);
        }
      });
      this.o.clock.sleep(this.o.grantTimeoutMs ?? 30_000, timeout.signal).then(() => {
        if (timeout.signal.aborted) return;
        stop();
        reject(new MurmurError('E_TIMEOUT', 'no key grant arrived in time'));
      });
    });
  }

  /** Answers the admitted requests for this agent's sections: the fold already checked them. */
  async grantPending(c: CaseState): Promise<void> {
    for (const r of c.access.requests.values()) {
      if (r.targetAuthor !== this.o.did || c.access.grants.has(r.ref.id) || this.granted.has(r.ref.id)) continue;
      this.granted.add(r.ref.id);
      const target = this.o.replica.entry(r.target)!.envelope;
      const contentKey = this.o.vault.get(positionOf(target.author, target.seq, r.section));
      if (!contentKey) continue;
      await this.o.audit({
        kind: 'credential-check',
        actor: this.o.did,
        outcome: 'ok',
        case: c.id,
        subtask: r.subtask,
        section: r.section,
        counterparty: r.requester,
        envelope: r.ref.id,
        credentials: [accessChallenge(r.target, r.section)],
      });
      const grant = await grantSectionKey({
        contentKey,
        case: c.id,
        subtask: r.subtask,
        section: r.section,
        reader: r.requester,
        basis: { accessRequest: r.ref.id, challenge: accessChallenge(r.target, r.section), role: r.role },
      });
      await this.o.post({
        case: c.id,
        kind: 'KeyGrant',
        header: { request: r.ref.id, target: r.target, section: r.section, grantee: r.requester, grant },
        sections: [],
      });
      await this.o.audit({
        kind: 'grant',
        actor: this.o.did,
        outcome: 'ok',
        case: c.id,
        subtask: r.subtask,
        section: r.section,
        counterparty: r.requester,
        envelope: r.target,
      });
    }
  }
}
