import type { CaseState, CardRecord } from '../coordination/case-state.js';
import type { AuditEntry } from './audit.js';

/**
 * The minimum-necessary matrix of a case: for each organization of the coalition and each
 * data element the case produced (a section of an envelope: `subtask/section`, or
 * `case/request`), what the disclosure policy lets it read, what the log shows it could
 * decrypt (sections it wrote, keys granted to its agents), and what its audit trail shows it
 * did decrypt; plus the FHIR data elements each read at the source. Rows are keyed by the
 * organization's name (as its accredited card states it); `organizations` maps names to DIDs.
 */
export interface DisclosureMatrix {
  case: string;
  organizations: { did: string; name: string; roles: string[] }[];
  elements: { id: string; label: string }[];
  /** Elements each organization's roles may read under the plan's disclosure policy (or wrote). */
  policy: Record<string, string[]>;
  /** Elements each organization could decrypt, from the log: authored, or granted a key. */
  couldDecrypt: Record<string, string[]>;
  /** Elements each organization did decrypt, from its audit trail. */
  didDecrypt: Record<string, string[]>;
  /** FHIR data elements each organization read from the source record for this case. */
  fhirRead: Record<string, string[]>;
}

export interface MatrixInput {
  case: CaseState;
  cards: ReadonlyMap<string, CardRecord>;
  /** Each organization's audit trail, by organization DID. */
  audits: ReadonlyMap<string, readonly AuditEntry[]>;
  /** Readable names of elements, by `subtask/section`. */
  labels?: Readonly<Record<string, string>>;
  /** The envelope behind an id (for the sections it actually carries). */
  envelope: (id: string) => { sections: readonly { name: string }[] } | undefined;
}

const sorted = (s: Iterable<string>): string[] => [...new Set(s)].sort();

export function disclosureMatrix(input: MatrixInput): DisclosureMatrix {
  const c = input.case;
  const orgOf = (agent: string): string | undefined => input.cards.get(agent)?.card.provider.did;
  const orgs = new Map<string, { did: string; name: string; roles: Set<string> }>();
  for (const m of c.members.values()) {
    const card = input.cards.get(m.did)?.card;
    const o = orgs.get(m.org) ?? { did: m.org, name: card?.provider.organization ?? m.org, roles: new Set<string>() };
    o.roles.add(m.role);
    orgs.set(m.org, o);
  }
  // The plan's disclosure policy, element by element.
  const declared = new Map<string, { readers: readonly string[]; author?: string }>();
  declared.set(`case/request`, { readers: c.task.requestReaders, author: c.requester });
  for (const s of c.subtasks.values()) {
    for (const o of s.outputs) declared.set(`${s.id}/${o.section}`, { readers: o.readers, ...(s.artifact ? { author: s.artifact.author } : {}) });
  }
  // Only elements the case actually produced count.
  const produced = new Set<string>();
  for (const x of input.envelope(c.opened.id)?.sections ?? []) produced.add(`case/${x.name}`);
  for (const s of c.subtasks.values()) {
    if (s.artifact) for (const x of input.envelope(s.artifact.id)?.sections ?? []) produced.add(`${s.id}/${x.name}`);
  }
  const elements = sorted([...declared.keys()].filter((e) => produced.has(e)));

  const policy: Record<string, string[]> = {};
  const couldDecrypt: Record<string, string[]> = {};
  const didDecrypt: Record<string, string[]> = {};
  const fhirRead: Record<string, string[]> = {};
  for (const o of orgs.values()) {
    policy[o.name] = elements.filter((e) => {
      const d = declared.get(e)!;
      return d.readers.some((r) => o.roles.has(r)) || (d.author !== undefined && orgOf(d.author) === o.did);
    });
    const could = new Set<string>();
    for (const e of elements) {
      const author = declared.get(e)!.author;
      if (author && orgOf(author) === o.did) could.add(e);
    }
    for (const g of c.access.grants.values()) {
      if (orgOf(g.grantee) !== o.did) continue;
      const r = c.access.requests.get(g.request);
      if (r) could.add(`${r.subtask === c.id ? 'case' : r.subtask}/${r.section}`);
    }
    couldDecrypt[o.name] = sorted(could);
    const trail = input.audits.get(o.did) ?? [];
    didDecrypt[o.name] = sorted(
      trail
        .filter((a) => a.event.kind === 'decrypt' && a.event.outcome === 'ok' && a.event.case === c.id)
        .map((a) => `${a.event.subtask === c.id ? 'case' : a.event.subtask}/${a.event.section}`),
    );
    fhirRead[o.name] = sorted(trail.filter((a) => a.event.kind === 'fhir-read' && a.event.case === c.id).flatMap((a) => a.event.elements ?? []));
  }
  return {
    case: c.id,
    organizations: [...orgs.values()].map((o) => ({ did: o.did, name: o.name, roles: sorted(o.roles) })),
    elements: elements.map((id) => ({ id, label: input.labels?.[id] ?? id })),
    policy,
    couldDecrypt,
    didDecrypt,
    fhirRead,
  };
}
