import type { BoardEntryView } from '../../../../node/console/protocol.js';
import { badge, clear, h, icon, shortId, time } from '../../common/dom.js';
import { contributions, type Services } from '../../workbench/contributions.js';

/** Board stream: entries as they arrive, each with signature, chain and proof status. */

function row(e: BoardEntryView, s: Services): HTMLElement {
  return h(
    'tr',
    { class: `entry ${e.status}`, 'data-index': e.index, onclick: () => s.workbench.runCommand('murmur.openEntry', e.id) },
    h('td', { class: 'num' }, `#${e.index}`, h('div', { class: 'muted' }, time(e.at))),
    h('td', null, h('span', { class: `kind layer-${e.layer}` }, e.kind), e.phase ? badge(e.phase, 'phase') : ''),
    h('td', null, `${e.author.name}`, h('span', { class: 'muted' }, ` · ${e.author.orgName}`)),
    h('td', { class: 'text' }, e.text, e.reason ? h('span', { class: 'err' }, ` [rejected: ${e.reason}]`) : null),
    h(
      'td',
      { class: 'checks' },
      h(
        'span',
        { class: `check ${e.signature === 'valid' ? 'ok' : 'err'}`, title: `signature ${e.signature}` },
        icon(e.signature === 'valid' ? 'verified' : 'unverified'),
        ' sig',
      ),
      h(
        'span',
        { class: `check ${e.chain === 'linked' ? 'ok' : 'err'}`, title: `author chain ${e.chain}` },
        icon(e.chain === 'linked' ? 'link' : 'debug-disconnect'),
        ' chain',
      ),
      h(
        'span',
        { class: `check ${e.proof === 'verified' ? 'ok' : e.proof === 'failed' ? 'err' : 'muted'}`, title: `proof ${e.proof}` },
        icon(e.proof === 'verified' ? 'pass' : e.proof === 'failed' ? 'error' : 'dash'),
        ' proof',
      ),
    ),
    h(
      'td',
      null,
      e.sections.map((x) => h('span', { class: 'section-chip', title: `readers: ${x.readers.join(', ')}` }, icon(x.sealed ? 'lock' : 'unlock'), x.name)),
    ),
  );
}

function render(el: HTMLElement, s: Services, caseId?: string): () => void {
  const body = h('tbody');
  const count = h('span', { class: 'muted' });
  const filter = h('vscode-textfield', { placeholder: 'Filter by kind, agent or text', 'aria-label': 'Filter entries' }) as HTMLElement & { value: string };
  const visible = (e: BoardEntryView): boolean => {
    if (caseId && e.case !== caseId) return false;
    const q = (filter.value ?? '').toLowerCase();
    return !q || `${e.kind} ${e.author.name} ${e.author.orgName} ${e.text}`.toLowerCase().includes(q);
  };
  let shown = 0;
  const redraw = (): void => {
    const rows = s.store.board.filter(visible);
    clear(
      body,
      rows.map((e) => row(e, s)),
    );
    shown = s.store.board.length;
    count.textContent = `${rows.length} entries`;
  };
  const append = (): void => {
    for (const e of s.store.board.slice(shown)) if (visible(e)) body.append(row(e, s));
    shown = s.store.board.length;
    count.textContent = `${body.children.length} entries`;
  };
  filter.addEventListener('input', redraw);
  clear(
    el,
    h(
      'div',
      { class: 'page wide' },
      h('h1', null, caseId ? `Board · ${caseId}` : 'Board stream'),
      h('div', { class: 'toolbar' }, filter, count),
      h(
        'table',
        { class: 'grid board', 'data-testid': 'board-stream' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ['# / time', 'Kind', 'Author', 'What', 'Checks', 'Sections'].map((x) => h('th', null, x)),
          ),
        ),
        body,
      ),
    ),
  );
  redraw();
  return s.store.on('board', append);
}

contributions.registerSideBarView({
  id: 'board',
  title: 'Board',
  icon: 'list-ordered',
  order: 20,
  render(el, s) {
    const draw = (): void => {
      const b = s.store.board;
      const byLayer = new Map<string, number>();
      for (const e of b) byLayer.set(e.layer, (byLayer.get(e.layer) ?? 0) + 1);
      clear(
        el,
        h(
          'div',
          { class: 'side-section' },
          h('vscode-button', { onclick: () => s.workbench.runCommand('murmur.openBoard') }, icon('list-ordered'), ' Open the board stream'),
        ),
        h(
          'div',
          { class: 'side-section' },
          h('h3', null, 'Entries by layer'),
          h(
            'ul',
            { class: 'plain' },
            [...byLayer].map(([k, v]) => h('li', null, h('span', { class: `kind layer-${k}` }, k), ` ${v}`)),
          ),
        ),
        h(
          'div',
          { class: 'side-section' },
          h('h3', null, 'Cases'),
          h(
            'ul',
            { class: 'plain' },
            s.store.cases.map((c) =>
              h(
                'li',
                null,
                h('a', { href: '#', onclick: (e: Event) => (e.preventDefault(), s.workbench.runCommand('murmur.openBoard', c.id)) }, shortId(c.id, 17)),
              ),
            ),
          ),
        ),
      );
    };
    draw();
    s.workbench.runCommand('murmur.openBoard');
    return s.store.on('board', draw);
  },
});

contributions.registerCommand({
  id: 'murmur.openBoard',
  title: 'Open Board Stream',
  category: 'Murmur',
  keybinding: 'ctrl+alt+b',
  run(s, caseId) {
    s.workbench.openEditor({
      key: `board:${caseId ?? '*'}`,
      title: caseId ? `Board ${shortId(caseId, 12)}` : 'Board stream',
      icon: 'list-ordered',
      breadcrumbs: [s.store.session.org.name, 'Board', ...(caseId ? [caseId] : ['all entries'])],
      render: (el, sv) => render(el, sv, caseId),
    });
  },
});
