import type { Section } from '../../../core/board/envelope.js';
import type { StoredEntry } from '../../../core/board/store.js';
import { errorMessage, isMurmurError, MurmurError } from '../../../core/common/errors.js';
import type { CaseState } from '../../../core/coordination/case-state.js';
import type { Projection } from './projection.js';
import type { DisclosureCell, DisclosureMatrix, OrgRef, SectionContent, SectionView } from './protocol.js';

/**
 * What this organization may read of an entry, and reading it. A section is readable when an
 * agent of the organization wrote it, or the disclosure policy names one of its agents' roles
 * (the read then goes through an access request and a key grant, as an agent's would).
 * Everything else is locked, with the reason.
 */
export class SectionReader {
  /** Reads that failed (refused request, no grant in time), by entry/section. */
  private readonly failures = new Map<string, { reason: 'missing-grant' | 'refused'; message: string }>();

  constructor(
    private readonly p: Projection,
    private readonly timeoutMs = 15_000,
  ) {}

  view(entry: StoredEntry, section: Section): SectionView {
    const base = { name: section.name, readers: [...section.readers], sealed: section.plaintext === undefined };
    const failed = this.failures.get(`${entry.envelope.id}/${section.name}`);
    if (failed) return { ...base, access: { readable: false, ...failed } };
    if (section.plaintext !== undefined || this.readerFor(entry, section)) return { ...base, access: { readable: true } };
    const roles = this.p.roles();
    return {
      ...base,
      access: {
        readable: false,
        reason: 'policy',
        message: `The disclosure policy lets ${section.readers.join(', ') || 'nobody'} read "${section.name}"; ${this.p.self.name}'s agents hold ${roles.join(', ')}.`,
      },
    };
  }

  private readerFor(entry: StoredEntry, section: Section) {
    const node = this.p.node;
    return node.agents.find((a) => entry.envelope.author.startsWith(`${a.did}#`) || entry.envelope.author === a.did) ?? node.agents.find((a) => section.readers.includes(a.card.role));
  }

  async read(entry: StoredEntry, name: string): Promise<SectionContent> {
    const section = entry.envelope.sections.find((s) => s.name === name);
    if (!section) throw new MurmurError('E_NOT_FOUND', `entry ${entry.envelope.id.slice(0, 12)} has no section "${name}"`, { field: 'section' });
    const view = this.view(entry, section);
    if (!view.access.readable) throw new MurmurError('E_CRYPTO', view.access.message, { reason: view.access.reason });
    const reader = section.plaintext !== undefined ? undefined : this.readerFor(entry, section);
    try {
      const content = reader ? await withTimeout(reader.readEntry(entry, name), this.timeoutMs) : section.plaintext;
      return { entry: entry.envelope.id, section: name, content };
    } catch (e) {
      const refused = isMurmurError(e, 'E_CRYPTO');
      const failure = {
        reason: refused ? ('refused' as const) : ('missing-grant' as const),
        message: refused ? `The access request was refused: ${errorMessage(e)}` : `No key grant for "${name}" arrived; the author's organization has not granted it.`,
      };
      this.failures.set(`${entry.envelope.id}/${name}`, failure);
      throw new MurmurError('E_CRYPTO', failure.message, { reason: failure.reason });
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new MurmurError('E_TIMEOUT', 'read timed out')), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: unknown) => (clearTimeout(t), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });
}

/**
 * The minimum-necessary matrix of a case: for each organization and each data element (a
 * section of the request or of a subtask's artifact), whether the policy lets it read it,
 * whether it holds a key (author, or a key grant to one of its agents), and whether it opened
 * it (known for the local organization only, from its own audit trail).
 */
export function disclosureMatrix(p: Projection, c: CaseState): DisclosureMatrix {
  const state = p.state;
  const orgs = p.orgs();
  const orgOfAgent = (did: string): string | undefined => {
    const card = state.cards.get(did)?.card;
    return card ? orgs.find((o) => o.did === card.provider.did)?.id : undefined;
  };
  const rolesOf = (org: OrgRef): Set<string> =>
    new Set([...state.cards.values()].filter((r) => r.card.provider.did === org.did).map((r) => r.card.role));
  const elements: DisclosureMatrix['elements'] = [];
  const targets: { element: string; target: string; section: string; authorOrg?: string; readers: string[] }[] = [];
  const add = (entryId: string, subtask: string, section: Section, authorDidUrl: string): void => {
    const id = `${subtask}/${section.name}`;
    const authorOrg = orgOfAgent(authorDidUrl.split('#')[0]!);
    elements.push({ id, subtask, section: section.name, readers: [...section.readers].sort(), ...(authorOrg ? { author: authorOrg } : {}) });
    targets.push({ element: id, target: entryId, section: section.name, ...(authorOrg ? { authorOrg } : {}), readers: section.readers });
  };
  const opened = p.node.replica.entry(c.opened.id);
  for (const s of opened?.envelope.sections ?? []) add(c.opened.id, 'case', s, opened!.envelope.author);
  for (const st of c.subtasks.values()) {
    if (!st.artifact) continue;
    const e = p.node.replica.entry(st.artifact.id);
    for (const s of e?.envelope.sections ?? []) add(st.artifact.id, st.id, s, e!.envelope.author);
  }
  const decrypted = new Set(
    p.node.audit
      .entries()
      .filter((a) => a.event.kind === 'decrypt' && a.event.outcome === 'ok')
      .map((a) => `${a.event.envelope}/${a.event.section}`),
  );
  const cells: DisclosureCell[] = [];
  for (const org of orgs) {
    const roles = rolesOf(org);
    for (const t of targets) {
      const author = t.authorOrg === org.id;
      const granted = [...c.access.grants.values()].some((g) => g.target === t.target && g.section === t.section && orgOfAgent(g.grantee) === org.id);
      cells.push({
        org: org.id,
        element: t.element,
        mayRead: author || t.readers.some((r) => roles.has(r)),
        couldDecrypt: author || granted,
        didDecrypt: org.did === p.self.did ? author || decrypted.has(`${t.target}/${t.section}`) : null,
      });
    }
  }
  const fhirReads = new Map<string, Set<string>>();
  for (const a of p.node.audit.entries()) {
    if (a.event.kind !== 'fhir-read') continue;
    const name = p.actor(a.event.actor).name;
    const set = fhirReads.get(name) ?? new Set<string>();
    for (const el of a.event.elements ?? []) set.add(el);
    fhirReads.set(name, set);
  }
  return {
    case: c.id,
    orgs,
    elements,
    cells,
    fhirReads: [...fhirReads.entries()].map(([actor, els]) => ({ actor, elements: [...els].sort() })),
    withinPolicy: cells.every((x) => !x.couldDecrypt || x.mayRead),
    source: 'computed by the console from the board (grants) and this organization\'s audit trail',
  };
}
