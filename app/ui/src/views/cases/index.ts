import type { CaseView, SubtaskView } from '../../../../node/console/protocol.js';
import { badge, clear, h, icon, shortId, statusIcon, time } from '../../common/dom.js';
import { contributions, type Services } from '../../workbench/contributions.js';

/** Cases: the explorer tree (case → subtasks with status, claimant, decorations) and the case editor. */

function caseLabel(c: CaseView): string {
  return `${c.service} · ${shortId(c.id, 17)}`;
}

function renderTree(el: HTMLElement, s: Services): void {
  const me = s.store.session.org.id;
  if (!s.store.cases.length) {
    clear(el, h('p', { class: 'empty-note' }, 'No cases on the board yet.'));
    return;
  }
  const open = new Set([...el.querySelectorAll<HTMLElement>('vscode-tree-item[open]')].map((x) => x.dataset.case));
  const first = !el.querySelector('vscode-tree');
  const tree = h('vscode-tree', { 'aria-label': 'Cases', indentGuides: 'onHover' });
  for (const c of s.store.cases) {
    const item = h(
      'vscode-tree-item',
      { 'data-case': c.id, 'data-testid': `case-${c.id}`, branch: true, open: first || open.has(c.id) },
      h('span', { slot: 'icon-branch' }, statusIcon(c.outcome ?? c.status)),
      h('span', { slot: 'icon-branch-opened' }, statusIcon(c.outcome ?? c.status)),
      h('span', { class: 'case-label' }, caseLabel(c)),
      h('span', { slot: 'description' }, `${c.adjudication ? `${c.outcome} → ${c.adjudication.outcome}` : (c.outcome ?? c.status)}${c.round > 0 ? ` · round ${c.round}` : ''}`),
      h('span', { slot: 'decoration' }, badge(`${c.progress.done}/${c.progress.total}`)),
    );
    // Capture: the tree item's shadow DOM handles (and stops) clicks before they bubble here.
    item.addEventListener(
      'click',
      (e) => {
        if ((e.target as HTMLElement).closest('vscode-tree-item') === item) s.workbench.runCommand('murmur.openCase', c.id);
      },
      true,
    );
    for (const st of c.subtasks) item.append(subtaskItem(c, st, me, s));
    tree.append(item);
  }
  clear(el, tree);
}

function subtaskItem(c: CaseView, st: SubtaskView, me: string, s: Services): HTMLElement {
  const claimant = st.claimant ? `${st.claimant.name} (${st.claimant.orgName})` : st.status;
  const item = h(
    'vscode-tree-item',
    { 'data-subtask': st.id, class: st.mine ? 'mine' : '', title: `${st.title} — ${st.status}${st.claimant ? `, claimed by ${claimant}` : ''}` },
    h('span', { slot: 'icon-leaf' }, statusIcon(st.status)),
    st.id,
    h('span', { slot: 'description' }, claimant),
    h(
      'span',
      { slot: 'decoration' },
      st.origin === 'gap' ? h('span', { class: 'deco gap', title: `from ${st.gap}` }, 'G') : null,
      st.mine ? h('span', { class: 'deco mine', title: `claimed by ${me}` }, 'M') : null,
      st.artifact?.outcome ? h('span', { class: `deco ${st.artifact.outcome}` }, st.artifact.outcome[0]!.toUpperCase()) : null,
    ),
  );
  item.addEventListener(
    'click',
    (e) => {
      if ((e.target as HTMLElement).closest('vscode-tree-item') !== item) return;
      if (st.artifact) s.workbench.runCommand('murmur.openEntry', st.artifact.id);
      else s.workbench.runCommand('murmur.openCase', c.id);
    },
    true,
  );
  return item;
}

function renderCase(el: HTMLElement, s: Services, id: string): () => void {
  const draw = (): void => {
    const c = s.store.caseById(id);
    if (!c) return void clear(el, h('p', null, `Case ${id} is not on this organization's replica.`));
    const session = s.store.session;
    const adjudicable = session.canAdjudicate && c.mine && c.outcome === 'pended' && (!c.adjudication || c.adjudication.outcome === 'info-requested');
    clear(
      el,
      h(
        'div',
        { class: 'page' },
        h('h1', null, statusIcon(c.outcome ?? c.status), ` Case ${c.id}`),
        h(
          'div',
          { class: 'facts' },
          fact('Service', c.service),
          fact('Policy', c.policy),
          fact('Requester', `${c.requester.name} (${c.requester.orgName})`),
          fact('Status', c.status),
          fact('Outcome', h('span', { 'data-testid': 'case-outcome', class: `outcome ${c.outcome ?? ''}` }, (c.outcome ?? 'undecided').toUpperCase())),
          c.adjudication ? fact('Operator decision', h('span', { 'data-testid': 'case-adjudication', class: `outcome ${c.adjudication.outcome}` }, `${c.adjudication.outcome.toUpperCase()} (${c.adjudication.reasonCode}) by ${c.adjudication.by.name}, #${c.adjudication.index}`)) : null,
          fact('Opened', `#${c.opened.index} at ${time(c.opened.at)}`),
          c.round > 0 ? fact('Round', h('span', { 'data-testid': 'case-round' }, `${c.round}, resumed by update #${c.rounds.at(-1)?.resumedBy?.index ?? '?'} (${c.rounds.at(-1)?.resumedBy?.reasonCode ?? ''})`)) : null,
          fact('Done votes', `${c.doneVotes}/${c.members.length}`),
        ),
        h('vscode-progress-bar', { value: c.progress.done, max: c.progress.total || 1, 'aria-label': 'Case progress' }),
        h(
          'div',
          { class: 'actions' },
          h('vscode-button', { onclick: () => s.workbench.runCommand('murmur.openTaskGraph', c.id) }, icon('type-hierarchy'), ' Task graph'),
          h('vscode-button', { secondary: true, onclick: () => s.workbench.runCommand('murmur.openDisclosure', c.id) }, icon('shield'), ' Disclosure matrix'),
          h('vscode-button', { secondary: true, onclick: () => s.workbench.runCommand('murmur.openBoard', c.id) }, icon('list-ordered'), ' Board entries'),
          claimResponseButton(c, s),
        ),
        adjudicable ? adjudicationForm(c, s) : null,
        c.rounds.length ? roundsTable(c, s) : null,
        h('h2', null, c.round > 0 ? `Subtasks (round ${c.round})` : 'Subtasks'),
        h(
          'table',
          { class: 'grid', 'data-testid': 'subtasks' },
          h('thead', null, h('tr', null, ['', 'Subtask', 'Skill', 'Claimant', 'Depends on', 'Artifact', 'Readers'].map((x) => h('th', null, x)))),
          h(
            'tbody',
            null,
            c.subtasks.map((st) =>
              h(
                'tr',
                { class: st.mine ? 'mine' : '', 'data-subtask': st.id },
                h('td', null, statusIcon(st.status)),
                h('td', null, st.id, st.origin === 'gap' ? badge('gap', 'warn') : null),
                h('td', null, st.skill),
                h('td', null, st.claimant ? `${st.claimant.name} · ${st.claimant.orgName}` : '—'),
                h('td', null, st.deps.join(', ') || '—'),
                h('td', null, st.artifact ? h('a', { href: '#', onclick: (e: Event) => (e.preventDefault(), s.workbench.runCommand('murmur.openEntry', st.artifact!.id)) }, `#${st.artifact.index}${st.artifact.outcome ? ` ${st.artifact.outcome}` : ''}`) : '—'),
                h('td', null, st.outputs.map((o) => `${o.section}: ${o.readers.join(', ') || 'nobody (stays with its author)'}`).join('; ')),
              ),
            ),
          ),
        ),
        h('h2', null, 'Capability gaps'),
        c.gaps.length
          ? h(
              'table',
              { class: 'grid', 'data-testid': 'gaps' },
              h('thead', null, h('tr', null, ['', 'Gap', 'Skill', 'Reason', 'Raised by', 'Bids', 'Awarded to'].map((x) => h('th', null, x)))),
              h(
                'tbody',
                null,
                c.gaps.map((g) =>
                  h(
                    'tr',
                    { class: g.mine ? 'mine' : '' },
                    h('td', null, statusIcon(g.status)),
                    h('td', null, g.id, g.mine ? badge('raised by us', 'info') : null),
                    h('td', null, g.skill),
                    h('td', null, g.reasonCode),
                    h('td', null, `${g.raisedBy.name} · ${g.raisedBy.orgName} (#${g.raisedIndex})`),
                    h('td', null, g.bids.map((b) => `${b.bidder.name} ${b.score.toFixed(3)}`).join(', ') || '—'),
                    h('td', null, g.winner ? `${g.winner.name} · ${g.winner.orgName}` : '—'),
                  ),
                ),
              ),
            )
          : h('p', { class: 'muted' }, 'No gaps raised.'),
        h('h2', null, 'Coalition'),
        h('ul', { class: 'members' }, c.members.map((m) => h('li', null, icon('person'), ` ${m.name} · ${m.orgName} — ${m.role} (${m.via})`))),
      ),
    );
  };
  draw();
  return s.store.on('cases', draw);
}

/** The case's earlier rounds: each ended (pended, and maybe an operator's request for more) and an update resumed it. */
function roundsTable(c: CaseView, s: Services): HTMLElement[] {
  const entryLink = (index: number | undefined, label: string): Node | string =>
    index === undefined ? '—' : h('a', { href: '#', onclick: (e: Event) => (e.preventDefault(), s.workbench.runCommand('murmur.openBoard', c.id)) }, `#${index}${label}`);
  return [
    h('h2', null, 'Earlier rounds'),
    h(
      'table',
      { class: 'grid', 'data-testid': 'rounds' },
      h('thead', null, h('tr', null, ['Round', 'Outcome', 'Operator', 'Dissolved', 'Resumed by'].map((x) => h('th', null, x)))),
      h(
        'tbody',
        null,
        c.rounds.map((r) =>
          h(
            'tr',
            { 'data-round': String(r.round) },
            h('td', null, r.round === 0 ? '0 (request)' : String(r.round)),
            h('td', null, h('span', { class: `outcome ${r.outcome ?? ''}` }, (r.outcome ?? 'undecided').toUpperCase())),
            h('td', null, r.adjudication ? `${r.adjudication.outcome} (${r.adjudication.reasonCode})` : '—'),
            h('td', null, entryLink(r.dissolvedIndex, '')),
            h('td', null, r.resumedBy ? entryLink(r.resumedBy.index, ` ${r.resumedBy.reasonCode} at ${time(r.resumedBy.at)}`) : '—'),
          ),
        ),
      ),
    ),
  ];
}

function claimResponseButton(c: CaseView, s: Services): HTMLElement | null {
  const pas = c.subtasks.find((x) => x.id === 'pas-response');
  if (!pas?.artifact || !c.mine) return null;
  return h('vscode-button', { secondary: true, 'data-testid': 'open-claim-response', onclick: () => s.workbench.runCommand('murmur.openEntry', pas.artifact!.id, 'claim-response') }, icon('file-code'), ' ClaimResponse');
}

function fact(label: string, value: string | Node): HTMLElement {
  return h('div', { class: 'fact' }, h('span', { class: 'fact-label' }, label), h('span', { class: 'fact-value' }, value));
}

function adjudicationForm(c: CaseView, s: Services): HTMLElement {
  const reason = h('vscode-textfield', { 'data-testid': 'reason-code', placeholder: 'reason code, e.g. titer-documented', value: '' }) as HTMLElement & { value: string };
  const note = h('vscode-textarea', { 'data-testid': 'adjudication-note', rows: 2, placeholder: 'Note for the file (sealed for this organization\'s roles)' }) as HTMLElement & { value: string };
  const busy = h('vscode-progress-bar', { indeterminate: true, hidden: true, 'aria-label': 'Posting decision' });
  const act = async (outcome: 'approved' | 'denied' | 'info-requested'): Promise<void> => {
    const reasonCode = reason.value.trim() || (outcome === 'info-requested' ? 'info-requested' : `operator-${outcome}`);
    busy.hidden = false;
    try {
      const r = await s.api.post<{ index: number; status: string }>(`cases/${encodeURIComponent(c.id)}/adjudication`, { outcome, reasonCode, ...(note.value.trim() ? { note: note.value.trim() } : {}) });
      s.workbench.notify(`Decision ${outcome} posted on the board as #${r.index} (${r.status}).`);
      s.store.refreshCases();
    } catch (e) {
      s.workbench.notify(e instanceof Error ? e.message : String(e), 'error');
    } finally {
      busy.hidden = true;
    }
  };
  return h(
    'section',
    { class: 'adjudication', 'data-testid': 'adjudication' },
    h('h2', null, icon('law'), ' This case is pended: your decision'),
    h('p', { class: 'muted' }, 'The decision is signed by one of your agents and posted on the board as an Adjudication entry; the note travels sealed.'),
    h('div', { class: 'form-row' }, reason),
    h('div', { class: 'form-row' }, note),
    h(
      'div',
      { class: 'actions' },
      h('vscode-button', { 'data-testid': 'approve', onclick: () => void act('approved') }, icon('check'), ' Approve'),
      h('vscode-button', { 'data-testid': 'deny', secondary: true, onclick: () => void act('denied') }, icon('close'), ' Deny'),
      h('vscode-button', { 'data-testid': 'request-info', secondary: true, onclick: () => void act('info-requested') }, icon('question'), ' Request information'),
    ),
    busy,
  );
}

contributions.registerSideBarView({
  id: 'cases',
  title: 'Cases',
  icon: 'files',
  order: 10,
  render(el, s) {
    const head = h('div', { class: 'sidebar-actions' });
    if (s.store.session.canSubmit) {
      head.append(h('vscode-button', { 'data-testid': 'run-case', onclick: () => s.workbench.runCommand('murmur.runCase') }, icon('play'), ' Run a synthetic case'));
    }
    const body = h('div', { class: 'tree-host' });
    el.append(head, body);
    const draw = (): void => renderTree(body, s);
    draw();
    return s.store.on('cases', draw);
  },
});

contributions.registerCommand({
  id: 'murmur.openCase',
  title: 'Open Case',
  category: 'Murmur',
  when: () => false,
  run(s, id) {
    const c = id ? s.store.caseById(id) : s.store.cases[0];
    if (!c) return;
    s.workbench.openEditor({ key: `case:${c.id}`, title: shortId(c.id, 17), icon: 'briefcase', breadcrumbs: [s.store.session.org.name, 'Cases', c.id], render: (el, sv) => renderCase(el, sv, c.id) });
  },
});

contributions.registerCommand({
  id: 'murmur.openLatestCase',
  title: 'Open Latest Case',
  category: 'Murmur',
  keybinding: 'ctrl+alt+c',
  run: (s) => s.workbench.runCommand('murmur.openCase'),
});

contributions.registerCommand({
  id: 'murmur.runCase',
  title: 'Run a Synthetic Case…',
  category: 'Murmur',
  when: (s) => s.store.session.canSubmit,
  async run(s, variant) {
    const go = async (v: string): Promise<void> => {
      await s.api.post('cases', { variant: v });
      s.workbench.notify(`Running the ${v} request through the coalition…`);
    };
    if (variant) return go(variant);
    s.workbench.pick('Pick a synthetic request to run', s.store.session.variants.map((v) => ({ id: v, label: v })), (v) => void go(v).catch((e: unknown) => s.workbench.notify(e instanceof Error ? e.message : String(e), 'error')));
  },
});
