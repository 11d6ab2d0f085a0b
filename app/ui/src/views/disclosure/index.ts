import type { DisclosureMatrix } from '../../../../node/console/protocol.js';
import { badge, clear, h, icon, shortId } from '../../common/dom.js';
import { contributions, type Services } from '../../workbench/contributions.js';

/** Disclosure: the minimum-necessary matrix of a case (organization × data element). */

function cell(s: Services, m: DisclosureMatrix, org: string, el: string): HTMLElement {
  const c = m.cells.find((x) => x.org === org && x.element === el);
  if (!c) return h('td');
  const link = (ref: { id: string; index: number }, label: string): HTMLElement =>
    h(
      'a',
      { href: '#', class: 'entry-link', 'data-entry': ref.id, onclick: (e: Event) => (e.preventDefault(), s.workbench.runCommand('murmur.openEntry', ref.id)) },
      `${label} #${ref.index}`,
    );
  const access = (c.access ?? []).map((a) =>
    h('div', { class: 'access-links' }, link(a.request, 'request'), a.grant ? [' → ', link(a.grant, 'grant')] : ' (no grant)'),
  );
  const [label, cls, glyph] = c.didDecrypt
    ? ['read', 'read', 'eye']
    : c.couldDecrypt
      ? ['key', 'key', 'key']
      : c.mayRead
        ? ['may', 'may', 'circle-large-outline']
        : ['—', 'none', 'lock'];
  return h(
    'td',
    {
      class: `matrix-cell ${cls} ${c.couldDecrypt && !c.mayRead ? 'violation' : ''}`,
      title: `${org} · ${el}: may read ${c.mayRead}, holds key ${c.couldDecrypt}, opened ${c.didDecrypt ?? "unknown (another organization's trail)"}`,
    },
    icon(glyph),
    ` ${label}`,
    access,
  );
}

function render(el: HTMLElement, s: Services, caseId: string): void {
  void s.api.get<DisclosureMatrix>(`cases/${encodeURIComponent(caseId)}/disclosure`).then((m) =>
    clear(
      el,
      h(
        'div',
        { class: 'page wide' },
        h('h1', null, icon('shield'), ` Minimum-necessary matrix · ${m.case}`),
        h('p', null, m.withinPolicy ? badge('within policy', 'ok') : badge('outside policy', 'err'), h('span', { class: 'muted' }, ` ${m.source}`)),
        h(
          'table',
          { class: 'grid matrix', 'data-testid': 'disclosure-matrix' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', null, 'Data element'),
              h('th', null, 'Readers (policy)'),
              m.orgs.map((o) => h('th', { title: o.did }, o.name)),
            ),
          ),
          h(
            'tbody',
            null,
            m.elements.map((e) =>
              h(
                'tr',
                null,
                h('td', null, h('code', null, e.id)),
                h('td', null, e.readers.map((r) => r.replace(/-/g, ' ')).join(', ') || 'nobody (stays with its author)'),
                m.orgs.map((o) => cell(s, m, o.id, e.id)),
              ),
            ),
          ),
        ),
        h(
          'p',
          { class: 'muted legend-text' },
          'read = opened by this organization (its audit trail) · key = holds a key (author or key grant) · may = the policy allows it, no key taken · — = not allowed',
        ),
        h('h2', null, 'FHIR data elements read by this organization'),
        m.fhirReads.length
          ? h(
              'ul',
              { class: 'plain' },
              m.fhirReads.map((f) => h('li', null, h('strong', null, f.actor), `: ${f.elements.join(', ')}`)),
            )
          : h('p', { class: 'muted' }, 'None: this organization read nothing from the FHIR server.'),
      ),
    ),
  );
}

contributions.registerSideBarView({
  id: 'disclosure',
  title: 'Disclosure',
  icon: 'shield',
  order: 50,
  render(el, s) {
    const draw = (): void =>
      void clear(
        el,
        h('p', { class: 'muted side-section' }, 'The minimum-necessary matrix of a case:'),
        h(
          'ul',
          { class: 'plain list' },
          s.store.cases.map((c) =>
            h(
              'li',
              null,
              h(
                'a',
                { href: '#', 'data-case': c.id, onclick: (e: Event) => (e.preventDefault(), s.workbench.runCommand('murmur.openDisclosure', c.id)) },
                icon('shield'),
                ` ${c.service} · ${shortId(c.id, 17)}`,
              ),
            ),
          ),
        ),
      );
    draw();
    if (s.store.cases[0]) s.workbench.runCommand('murmur.openDisclosure', s.store.cases[0].id);
    return s.store.on('cases', draw);
  },
});

contributions.registerCommand({
  id: 'murmur.openDisclosure',
  title: 'Show the Minimum-Necessary Matrix of the Latest Case',
  category: 'Murmur',
  run(s, id) {
    const c = id ?? s.store.cases[0]?.id;
    if (!c) return;
    s.workbench.openEditor({
      key: `disclosure:${c}`,
      title: `Disclosure ${shortId(c, 12)}`,
      icon: 'shield',
      breadcrumbs: [s.store.session.org.name, 'Disclosure', c],
      render: (el, sv) => render(el, sv, c),
    });
  },
});
