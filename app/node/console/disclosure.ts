import type { Section } from '../../../core/board/envelope.js';
import type { StoredEntry } from '../../../core/board/store.js';
import { withTimeout } from '../../../core/common/concurrency.js';
import { errorMessage, isMurmurError, MurmurError } from '../../../core/common/errors.js';
import type { CaseState } from '../../../core/coordination/case-state.js';
import { disclosureMatrix as coreMatrix } from '../../../core/access/matrix.js';
import { ELEMENT_LABELS } from '../../../core/agents/domain/sections.js';
import type { OrgNode } from '../org-node.js';
import type { Projection } from './projection.js';
import type { DisclosureCell, DisclosureMatrix, SectionContent, SectionView } from './protocol.js';

/**
 * What this organization may read of an entry, and reading it. A section is readable when an
 * agent of the organization wrote it, or the disclosure policy names one of its agents' roles
 * (the read then goes through an access request and a key grant, as an agent's would).
 * Everything else is locked, with the reason.
 */
export class SectionReader {
  /** Reads refused on the board, by entry/section (final, unlike a grant that is late). */
  private readonly failures = new Map<string, { reason: 'refused'; message: string }>();

  constructor(
    private readonly p: Projection<OrgNode>,
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
    return (
      node.agents.find((a) => entry.envelope.author.startsWith(`${a.did}#`) || entry.envelope.author === a.did) ??
      node.agents.find((a) => section.readers.includes(a.card.role))
    );
  }

  /** Reads a section through the organization's agent; `operator` (an id) is recorded in the audit trail as who asked. */
  async read(entry: StoredEntry, name: string, operator?: string): Promise<SectionContent> {
    const section = entry.envelope.sections.find((s) => s.name === name);
    if (!section) throw new MurmurError('E_NOT_FOUND', `entry ${entry.envelope.id.slice(0, 12)} has no section "${name}"`, { field: 'section' });
    const view = this.view(entry, section);
    if (!view.access.readable) throw new MurmurError('E_CRYPTO', view.access.message, { reason: view.access.reason });
    const reader = section.plaintext !== undefined ? undefined : this.readerFor(entry, section);
    try {
      const content = reader ? await withTimeout(reader.readEntry(entry, name, operator), this.timeoutMs, 'section read') : section.plaintext;
      return { entry: entry.envelope.id, section: name, content };
    } catch (e) {
      // A refusal is on the board for good, so the view remembers it. A grant that has not
      // arrived yet may still come, and any other failure (a store, a network) may pass: those
      // are answered, never remembered, so the next read asks again.
      if (isMurmurError(e, 'E_CRYPTO')) {
        const failure = { reason: 'refused' as const, message: `The access request was refused: ${errorMessage(e)}` };
        this.failures.set(`${entry.envelope.id}/${name}`, failure);
        throw new MurmurError('E_CRYPTO', failure.message, { reason: failure.reason });
      }
      if (isMurmurError(e, 'E_TIMEOUT')) {
        throw new MurmurError(
          'E_CRYPTO',
          `No key grant for "${name}" arrived within ${Math.round(this.timeoutMs / 1000)} s; the author's organization has not granted it yet.`,
          { reason: 'missing-grant' },
        );
      }
      throw e;
    }
  }
}

/**
 * The minimum-necessary matrix of a case as this organization's console shows it: the policy
 * and the keys held come from the board (core/access/matrix.ts, the same computation as the
 * audit report); what was opened is known for this organization only, from its own trail.
 */
export function disclosureMatrix(p: Projection, c: CaseState): DisclosureMatrix {
  const state = p.state;
  const orgs = p.orgs();
  const m = coreMatrix({
    case: c,
    cards: state.cards,
    audits: new Map([[p.self.did, p.node.audit.entries()]]),
    labels: ELEMENT_LABELS,
    envelope: (id) => p.node.replica.entry(id)?.envelope,
  });
  const nameOf = new Map(m.organizations.map((o) => [o.did, o.name]));
  const orgOfAgent = (did: string): string | undefined => {
    const card = state.cards.get(did)?.card;
    return card ? orgs.find((o) => o.did === card.provider.did)?.id : undefined;
  };
  const elements: DisclosureMatrix['elements'] = [];
  /** The entry each element is a section of: access requests name it as their target. */
  const targetOf = new Map<string, string>();
  const add = (subtask: string, section: Section, authorDidUrl: string, entry: string): void => {
    const authorOrg = orgOfAgent(authorDidUrl.split('#')[0]!);
    targetOf.set(`${subtask}/${section.name}`, entry);
    elements.push({
      id: `${subtask}/${section.name}`,
      subtask,
      section: section.name,
      readers: [...section.readers].sort(),
      ...(authorOrg ? { author: authorOrg } : {}),
    });
  };
  const opened = p.node.replica.entry(c.opened.id);
  for (const s of opened?.envelope.sections ?? []) add('case', s, opened!.envelope.author, opened!.envelope.id);
  for (const st of c.subtasks.values()) {
    const e = st.artifact ? p.node.replica.entry(st.artifact.id) : undefined;
    for (const s of e?.envelope.sections ?? []) add(st.id, s, e!.envelope.author, e!.envelope.id);
  }
  const accessOf = (orgDid: string, elementId: string): DisclosureCell['access'] => {
    const section = elementId.split('/')[1]!;
    const target = targetOf.get(elementId);
    const out: NonNullable<DisclosureCell['access']> = [];
    // By the entry the request targets: the case's own request section has no subtask of its own.
    for (const r of c.access.requests.values()) {
      if (r.target !== target || r.section !== section || state.cards.get(r.requester)?.card.provider.did !== orgDid) continue;
      const g = c.access.grants.get(r.ref.id);
      out.push({ request: { id: r.ref.id, index: r.ref.index, role: r.role }, ...(g ? { grant: { id: g.ref.id, index: g.ref.index } } : {}) });
    }
    return out.length ? out : undefined;
  };
  const cells: DisclosureCell[] = [];
  for (const org of orgs) {
    const name = nameOf.get(org.did);
    const has = (rows: Record<string, string[]>, element: string): boolean => (name ? (rows[name] ?? []).includes(element) : false);
    for (const e of elements) {
      cells.push({
        org: org.id,
        element: e.id,
        mayRead: has(m.policy, e.id),
        couldDecrypt: has(m.couldDecrypt, e.id),
        didDecrypt: org.did === p.self.did ? e.author === org.id || has(m.didDecrypt, e.id) : null,
        ...(() => {
          const access = accessOf(org.did, e.id);
          return access ? { access } : {};
        })(),
      });
    }
  }
  const fhirReads = new Map<string, Set<string>>();
  for (const a of p.node.audit.entries()) {
    if (a.event.kind !== 'fhir-read' || a.event.case !== c.id) continue;
    const actor = p.actor(a.event.actor).name;
    const set = fhirReads.get(actor) ?? new Set<string>();
    for (const el of a.event.elements ?? []) set.add(el);
    fhirReads.set(actor, set);
  }
  return {
    case: c.id,
    orgs,
    elements,
    cells,
    fhirReads: [...fhirReads.entries()].map(([actor, els]) => ({ actor, elements: [...els].sort() })),
    withinPolicy: cells.every((x) => !x.couldDecrypt || x.mayRead),
    source: "the board (policy, grants) and this organization's audit trail (what it opened)",
  };
}
