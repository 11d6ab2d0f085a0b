import type { CaseView, SubtaskView } from '../../../../node/console/protocol.js';
import { badge, clear, h, icon, shortId, statusIcon, time } from '../../common/dom.js';
import { contributions, type Services } from '../../workbench/contributions.js';
import { decidedLine, outcomeWord, renderDecisionCard } from './decision-card.js';
import './claim-response.js';

/** Cases: the explorer tree (case → subtasks with status, claimant, decorations) and the case editor. */

function caseLabel(c: CaseView): string {
  return `${c.service} · ${c.id.replace(/^case-/, '').slice(0, 8)}`;
}

const WORK_WORDS: Record<CaseView['work']['state'], string> = {
  'to-decide': 'to decide',
  'waiting-for-provider': 'waiting for provider',
  running: 'running',
  decided: 'decided',
};

/** "in 6 d 23 h" / "3 h ago" */
export function relative(ms: number): string {
  const abs = Math.abs(ms);
  const d = Math.floor(abs / 86_400_000);
  const hh = Math.floor((abs % 86_400_000) / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const text = d ? `${d} d ${hh} h` : hh ? `${hh} h ${m} min` : `${m} min`;
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

/** What the case waits for, in words, with its due time where it runs against one. */
export function workLine(c: CaseView, now = Date.now()): string {
  const w = c.work;
  if (w.state === 'decided') return `${c.current.outcome}${c.adjudication ? ` (was ${c.outcome})` : ''}`;
  if (w.state === 'waiting-for-provider') return `waiting for provider since ${time(w.waitingSince ?? w.since)}`;
  const due = w.dueAt - now;
  return `${w.timeframe.kind === 'expedited' ? 'expedited · ' : ''}${w.state === 'to-decide' ? 'pended, to decide' : c.status}${w.overdue || due < 0 ? ` · overdue ${relative(due).replace(' ago', '')}` : ` · due ${relative(due)}`}`;
}

/** CMS-0057-F's outer limits for impacted payers: 72 hours expedited, 7 days (168 h) standard. */
const CMS_HOURS = { expedited: 72, standard: 168 } as const;

/** The timeframe the case runs on, beside CMS-0057-F's for its kind. */
export function clockLine(c: CaseView): string {
  const t = c.work.timeframe;
  const cms = CMS_HOURS[t.kind];
  // As the rule words them: 72 hours, 7 (calendar) days.
  const span = (hours: number): string => (hours % 24 === 0 && hours >= 168 ? `${hours / 24} days` : `${hours} h`);
  const at = new Date(c.work.dueAt).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
  const since = (ms: number): string => new Date(ms).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
  // While the provider owes information the payer's clock is stopped: say since when.
  const due =
    c.work.state === 'waiting-for-provider'
      ? ` · waiting for provider since ${since(c.work.waitingSince ?? c.work.since)}`
      : ` · ${c.work.state === 'decided' ? 'was due' : 'due'} ${at}`;
  return `${t.kind} · ${span(t.hours)} (CMS-0057-F ${t.kind}: ${span(cms)}${t.hours > cms ? ', this payer is slower' : t.hours < cms ? ', this payer is faster' : ''})${due}`;
}

/**
 * The tree's line for a case, on a second line under its label (workbench.css) so both fit the
 * default side bar (280 px): what it waits for and when, or how it ended. The full line is the
 * item's tooltip.
 */
export function treeLine(c: CaseView, now = Date.now()): string {
  const w = c.work;
  if (w.state === 'decided') return c.adjudication ? `${c.current.outcome} · was ${c.outcome}` : c.current.outcome;
  if (w.state === 'waiting-for-provider') return 'waiting for provider';
  const due = w.dueAt - now;
  const what = w.state === 'to-decide' ? 'pended' : c.status;
  return `${what} · ${w.overdue || due < 0 ? `overdue ${relative(due).replace(' ago', '')}` : `due ${relative(due)}`}`;
}

interface Worklist {
  query: string;
  filter: 'all' | CaseView['work']['state'];
  sort: 'due' | 'newest' | 'oldest';
}

function listed(s: Services, w: Worklist): CaseView[] {
  const words = w.query.toLowerCase().split(/\s+/).filter(Boolean);
  const shown = s.store.cases.filter((c) => {
    if (w.filter !== 'all' && c.work.state !== w.filter) return false;
    const text = `${c.id} ${c.service} ${c.current.outcome} ${WORK_WORDS[c.work.state]} ${c.requester.orgName} #${c.opened.index}`.toLowerCase();
    return words.every((x) => text.includes(x));
  });
  const open = (c: CaseView): number => (c.work.state === 'to-decide' || c.work.state === 'running' ? 0 : 1);
  return shown.sort((a, b) =>
    w.sort === 'due'
      ? open(a) - open(b) || a.work.dueAt - b.work.dueAt
      : w.sort === 'oldest'
        ? a.opened.index - b.opened.index
        : b.opened.index - a.opened.index,
  );
}

/** The status to show: the operator's decision over the coalition's, else the case's progress. */
function currentStatus(c: CaseView): string {
  return c.current.outcome === 'undecided' ? c.status : c.current.outcome;
}

function renderTree(el: HTMLElement, s: Services, w: Worklist): void {
  const me = s.store.session.org.id;
  if (!s.store.cases.length) {
    clear(el, h('p', { class: 'empty-note' }, 'No cases on the board yet.'));
    return;
  }
  const cases = listed(s, w);
  if (!cases.length) {
    clear(el, h('p', { class: 'empty-note', 'data-testid': 'no-match' }, 'No case matches.'));
    return;
  }
  const open = new Set([...el.querySelectorAll<HTMLElement>('vscode-tree-item[open]')].map((x) => x.dataset.case));
  const first = !el.querySelector('vscode-tree');
  const tree = h('vscode-tree', { 'aria-label': 'Cases', indentGuides: 'onHover' });
  for (const c of cases) {
    const item = h(
      'vscode-tree-item',
      {
        'data-case': c.id,
        'data-testid': `case-${c.id}`,
        'data-work': c.work.state,
        'data-priority': c.work.timeframe.kind,
        branch: true,
        open: first ? c === cases[0] : open.has(c.id),
        title: `${c.service} case ${c.id}: ${workLine(c)}`,
      },
      h('span', { slot: 'icon-branch' }, statusIcon(currentStatus(c))),
      h('span', { slot: 'icon-branch-opened' }, statusIcon(currentStatus(c))),
      h('span', { class: 'case-label' }, caseLabel(c)),
      h('span', { slot: 'description', class: c.work.overdue ? 'due overdue' : 'due' }, `${treeLine(c)}${c.round > 0 ? ` · round ${c.round}` : ''}`),
      h(
        'span',
        { slot: 'decoration' },
        c.work.timeframe.kind === 'expedited'
          ? h('span', { class: 'deco expedited', title: `expedited: ${c.work.timeframe.hours} h clock` }, icon('zap'))
          : null,
        // Progress while the coalition works; a finished case needs no count.
        c.status === 'dissolved' ? null : badge(`${c.progress.done}/${c.progress.total}`),
      ),
    );
    // Capture: the tree item's shadow DOM handles (and stops) clicks before they bubble here.
    item.addEventListener(
      'click',
      (e) => {
        if ((e.target as HTMLElement).closest('vscode-tree-item') === item) s.workbench.runCommand('murmur.openCase', c.id);
      },
      true,
    );
    // Enter opens the case, as a click does (the tree only expands it).
    item.addEventListener(
      'keydown',
      (e) => {
        if (e.key === 'Enter' && (e.target as HTMLElement).closest('vscode-tree-item') === item) s.workbench.runCommand('murmur.openCase', c.id);
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
  // In the tree only the claiming organization's first word (M marks this organization's own).
  const short = st.claimant ? (st.mine ? '' : st.claimant.orgName.split(' ')[0]!) : st.status;
  const item = h(
    'vscode-tree-item',
    { 'data-subtask': st.id, class: st.mine ? 'mine' : '', title: `${st.title} — ${st.status}${st.claimant ? `, claimed by ${claimant}` : ''}` },
    h('span', { slot: 'icon-leaf' }, statusIcon(st.status)),
    st.id,
    h('span', { slot: 'description' }, short),
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
  // The card is fetched (and its sections read) once per change of what it shows, not per board entry.
  const cardHost = h('div', { class: 'card-host' });
  let cardKey = '';
  // Kept across redraws so a reason being typed survives new board entries.
  let form: HTMLElement | undefined;
  const draw = (): void => {
    const c = s.store.caseById(id);
    if (!c) return void clear(el, h('p', null, `Case ${id} is not on this organization's replica.`));
    const session = s.store.session;
    const adjudicable = session.canAdjudicate && c.mine && c.outcome === 'pended' && (!c.adjudication || c.adjudication.outcome === 'info-requested');
    const key = `${c.round}:${c.outcome ?? ''}:${c.adjudication?.index ?? ''}:${c.subtasks.filter((x) => x.artifact).length}`;
    if (key !== cardKey) {
      cardKey = key;
      form = undefined;
      renderDecisionCard(cardHost, s, c.id);
    }
    const decided = decidedLine(c.current);
    clear(
      el,
      h(
        'div',
        { class: 'page' },
        h(
          'h1',
          { 'data-testid': 'case-title' },
          statusIcon(currentStatus(c)),
          ` ${c.service} · ${outcomeWord(c.current.outcome)}`,
          h('span', { class: 'muted case-id' }, ` case ${c.id}`),
        ),
        h(
          'div',
          { class: 'facts' },
          fact('Service', c.service),
          fact('Policy', c.policy),
          fact('Requester', `${c.requester.name} (${c.requester.orgName})`),
          fact('Status', c.status),
          fact('Outcome', h('span', { 'data-testid': 'case-outcome', class: `outcome ${c.current.outcome}` }, outcomeWord(c.current.outcome))),
          c.adjudication
            ? fact(
                'Operator decision',
                h(
                  'span',
                  { 'data-testid': 'case-adjudication', class: `outcome ${c.adjudication.outcome}` },
                  `${c.adjudication.outcome.toUpperCase()} (${c.adjudication.reasonCode}) by ${c.adjudication.by.operator ?? c.adjudication.by.name}, #${c.adjudication.index}`,
                ),
              )
            : null,
          fact('Opened', `#${c.opened.index} at ${time(c.opened.at)}`),
          fact(
            'Review clock',
            h('span', { 'data-testid': 'case-clock', 'data-since': String(c.work.since), 'data-due-at': String(c.work.dueAt) }, clockLine(c)),
          ),
          c.round > 0
            ? fact(
                'Round',
                h(
                  'span',
                  { 'data-testid': 'case-round' },
                  `${c.round}, resumed by update #${c.rounds.at(-1)?.resumedBy?.index ?? '?'} (${c.rounds.at(-1)?.resumedBy?.reasonCode ?? ''})`,
                ),
              )
            : null,
          fact('Done votes', `${c.doneVotes}/${c.members.length}`),
        ),
        decided ? h('p', { class: 'decided', 'data-testid': 'case-decided' }, icon('person'), ' ', decided) : null,
        h('vscode-progress-bar', { value: c.progress.done, max: c.progress.total || 1, 'aria-label': 'Case progress' }),
        h(
          'div',
          { class: 'actions' },
          h('vscode-button', { onclick: () => s.workbench.runCommand('murmur.openTaskGraph', c.id) }, icon('type-hierarchy'), ' Task graph'),
          h('vscode-button', { secondary: true, onclick: () => s.workbench.runCommand('murmur.openDisclosure', c.id) }, icon('shield'), ' Disclosure matrix'),
          h('vscode-button', { secondary: true, onclick: () => s.workbench.runCommand('murmur.openBoard', c.id) }, icon('list-ordered'), ' Board entries'),
          claimResponseButton(c, s),
          h(
            'a',
            {
              class: 'button-link secondary',
              'data-testid': 'case-report',
              href: s.api.url(`audit/report.pdf?case=${encodeURIComponent(c.id)}`),
              download: `murmur-audit-${c.id}.pdf`,
            },
            icon('file-pdf'),
            ' Audit report (PDF)',
          ),
        ),
        cardHost,
        adjudicable ? (form ??= adjudicationForm(c, s)) : null,
        c.rounds.length ? roundsTable(c, s) : null,
        h('h2', null, c.round > 0 ? `Subtasks (round ${c.round})` : 'Subtasks'),
        h(
          'table',
          { class: 'grid', 'data-testid': 'subtasks' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              ['', 'Subtask', 'Skill', 'Claimant', 'Depends on', 'Artifact', 'Readers'].map((x) => h('th', null, x)),
            ),
          ),
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
                h(
                  'td',
                  null,
                  st.artifact
                    ? h(
                        'a',
                        { href: '#', onclick: (e: Event) => (e.preventDefault(), s.workbench.runCommand('murmur.openEntry', st.artifact!.id)) },
                        `#${st.artifact.index}${st.artifact.outcome ? ` ${st.artifact.outcome}` : ''}`,
                      )
                    : '—',
                ),
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
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  ['', 'Gap', 'Skill', 'Reason', 'Raised by', 'Bids', 'Awarded to'].map((x) => h('th', null, x)),
                ),
              ),
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
        h(
          'ul',
          { class: 'members' },
          c.members.map((m) => h('li', null, icon('person'), ` ${m.name} · ${m.orgName} — ${m.role.replace(/-/g, ' ')} (joined by ${m.via})`)),
        ),
      ),
    );
  };
  draw();
  return s.store.on('cases', draw);
}

/** The case's earlier rounds: each ended (pended, and maybe an operator's request for more) and an update resumed it. */
function roundsTable(c: CaseView, s: Services): HTMLElement[] {
  const entryLink = (index: number | undefined, label: string): Node | string =>
    index === undefined
      ? '—'
      : h('a', { href: '#', onclick: (e: Event) => (e.preventDefault(), s.workbench.runCommand('murmur.openBoard', c.id)) }, `#${index}${label}`);
  return [
    h('h2', null, 'Earlier rounds'),
    h(
      'table',
      { class: 'grid', 'data-testid': 'rounds' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ['Round', 'Outcome', 'Operator', 'Dissolved', 'Resumed by'].map((x) => h('th', null, x)),
        ),
      ),
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
  return h(
    'vscode-button',
    { secondary: true, 'data-testid': 'open-claim-response', onclick: () => s.workbench.runCommand('murmur.openClaimResponse', c.id) },
    icon('file-code'),
    ' ClaimResponse',
  );
}

function fact(label: string, value: string | Node): HTMLElement {
  return h('div', { class: 'fact' }, h('span', { class: 'fact-label' }, label), h('span', { class: 'fact-value' }, value));
}

const FINAL = { approved: 'Approve', denied: 'Deny' } as const;

/**
 * The operator's decision on a pended case. A reason code is required for every decision, and a
 * final one (approve, deny) asks for confirmation naming what the provider will receive.
 */
function adjudicationForm(c: CaseView, s: Services): HTMLElement {
  if (!s.store.session.operator) {
    return h(
      'section',
      { class: 'adjudication', 'data-testid': 'adjudication' },
      h('h2', null, icon('law'), ' This case is pended and waits for an operator'),
      h(
        'p',
        { 'data-testid': 'sign-in-note' },
        icon('account'),
        " Sign in as yourself to decide it: open your operator URL (murmur console and murmur demo print one per operator). A decision is signed with the operator's own key from the organization's wallet.",
      ),
    );
  }
  const reason = h('vscode-textfield', {
    'data-testid': 'reason-code',
    placeholder: 'reason code (required), e.g. titer-documented',
    value: '',
    required: true,
  }) as HTMLElement & { value: string };
  const note = h('vscode-textarea', {
    'data-testid': 'adjudication-note',
    rows: 2,
    placeholder: "Note for the file (sealed for this organization's roles)",
  }) as HTMLElement & { value: string };
  const busy = h('vscode-progress-bar', { indeterminate: true, hidden: true, 'aria-label': 'Posting decision' });
  const problem = h('p', { class: 'err', 'data-testid': 'adjudication-error', role: 'alert' });
  const confirm = h('div', { class: 'confirm', 'data-testid': 'confirm', hidden: true });
  const code = (): string | undefined => {
    const v = reason.value.trim();
    if (!v) return void (problem.textContent = 'Give a reason code: it goes on the board with your decision and into the ClaimResponse.');
    if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(v))
      return void (problem.textContent = 'The reason code is lower-case words joined by hyphens (at most 40 characters), e.g. titer-documented.');
    problem.textContent = '';
    return v;
  };
  const post = async (outcome: 'approved' | 'denied' | 'info-requested', reasonCode: string): Promise<void> => {
    busy.hidden = false;
    confirm.hidden = true;
    try {
      const r = await s.api.post<{ index: number; status: string }>(`cases/${encodeURIComponent(c.id)}/adjudication`, {
        outcome,
        reasonCode,
        ...(note.value.trim() ? { note: note.value.trim() } : {}),
      });
      s.workbench.notify(`Decision ${outcome} posted on the board as #${r.index} (${r.status}).`);
      s.store.refreshCases();
    } catch (e) {
      problem.textContent = e instanceof Error ? e.message : String(e);
    } finally {
      busy.hidden = true;
    }
  };
  const act = (outcome: 'approved' | 'denied' | 'info-requested'): void => {
    const reasonCode = code();
    if (!reasonCode) return;
    if (outcome === 'info-requested') return void post(outcome, reasonCode);
    const verb = FINAL[outcome];
    clear(
      confirm,
      h(
        'p',
        null,
        icon('warning'),
        ` ${verb} case ${shortId(c.id, 17)} for good (${reasonCode})? The provider receives a ${outcome === 'approved' ? 'certified' : 'not certified'} ClaimResponse and the case takes no further update.`,
      ),
      h(
        'div',
        { class: 'actions' },
        h('vscode-button', { 'data-testid': 'confirm-decision', onclick: () => void post(outcome, reasonCode) }, icon('check'), ` ${verb} for good`),
        h('vscode-button', { 'data-testid': 'cancel-decision', secondary: true, onclick: () => void (confirm.hidden = true) }, 'Cancel'),
      ),
    );
    confirm.hidden = false;
  };
  return h(
    'section',
    { class: 'adjudication', 'data-testid': 'adjudication' },
    h('h2', null, icon('law'), ' This case is pended: your decision'),
    h(
      'p',
      { class: 'muted' },
      `You act as ${s.store.session.operator ? `${s.store.session.operator.name}; your name is recorded with the decision` : 'this organization'}. The decision is posted on the board as a signed Adjudication entry; the note travels sealed.`,
    ),
    h('div', { class: 'form-row' }, reason),
    h('div', { class: 'form-row' }, note),
    problem,
    h(
      'div',
      { class: 'actions' },
      h('vscode-button', { 'data-testid': 'approve', onclick: () => act('approved') }, icon('check'), ' Approve…'),
      h('vscode-button', { 'data-testid': 'deny', secondary: true, onclick: () => act('denied') }, icon('close'), ' Deny…'),
      h('vscode-button', { 'data-testid': 'request-info', secondary: true, onclick: () => act('info-requested') }, icon('question'), ' Request information'),
    ),
    confirm,
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
      head.append(
        h('vscode-button', { 'data-testid': 'run-case', onclick: () => s.workbench.runCommand('murmur.runCase') }, icon('play'), ' Run a synthetic case'),
      );
    }
    const w: Worklist = { query: '', filter: 'all', sort: 'due' };
    const body = h('div', { class: 'tree-host' });
    const search = h('input', {
      type: 'search',
      'data-testid': 'case-search',
      placeholder: 'Search cases (id, service, outcome…)',
      'aria-label': 'Search cases',
      oninput: () => ((w.query = search.value), draw()),
    });
    const filter = h(
      'select',
      { 'data-testid': 'case-filter', 'aria-label': 'Show', onchange: () => ((w.filter = filter.value as Worklist['filter']), draw()) },
      [
        ['all', 'All cases'],
        ['to-decide', 'To decide'],
        ['waiting-for-provider', 'Waiting for provider'],
        ['running', 'Running'],
        ['decided', 'Decided'],
      ].map(([v, t]) => h('option', { value: v! }, t!)),
    );
    const sort = h(
      'select',
      { 'data-testid': 'case-sort', 'aria-label': 'Sort by', onchange: () => ((w.sort = sort.value as Worklist['sort']), draw()) },
      [
        ['due', 'Due first'],
        ['newest', 'Newest'],
        ['oldest', 'Oldest'],
      ].map(([v, t]) => h('option', { value: v! }, t!)),
    );
    el.append(head, h('div', { class: 'worklist-tools' }, search, h('div', { class: 'row' }, filter, sort)), body);
    const draw = (): void => renderTree(body, s, w);
    draw();
    return s.store.on('cases', draw);
  },
  badge(s) {
    const n = toDecide(s).length;
    return { count: n, title: `${n} ${n === 1 ? 'case' : 'cases'} to decide` };
  },
});

/** The requester's pended cases that wait for one of its operators. */
export function toDecide(s: Services): CaseView[] {
  return s.store.cases.filter((c) => c.mine && c.work.state === 'to-decide');
}

contributions.registerCommand({
  id: 'murmur.openCase',
  title: 'Open Case',
  category: 'Murmur',
  when: () => false,
  run(s, id) {
    const c = id ? s.store.caseById(id) : s.store.cases[0];
    if (!c) return;
    s.workbench.openEditor({
      key: `case:${c.id}`,
      title: shortId(c.id, 17),
      icon: 'briefcase',
      breadcrumbs: [s.store.session.org.name, 'Cases', c.id],
      render: (el, sv) => renderCase(el, sv, c.id),
    });
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
    const go = async (choice: string): Promise<void> => {
      const [v, stat] = choice.split('@');
      await s.api.post('cases', { variant: v, ...(stat ? { priority: 'stat' } : {}) });
      s.workbench.notify(`Running the ${v}${stat ? ' (expedited)' : ''} request through the coalition…`);
    };
    if (variant) return go(variant);
    const items = s.store.session.variants.flatMap((v) => [
      { id: v, label: v },
      { id: `${v}@stat`, label: `${v} (expedited)`, detail: 'the Claim sent with priority stat: due on the expedited clock' },
    ]);
    s.workbench.pick(
      'Pick a synthetic request to run',
      items,
      (v) => void go(v).catch((e: unknown) => s.workbench.notify(e instanceof Error ? e.message : String(e), 'error')),
    );
  },
});

contributions.registerCommand({
  id: 'murmur.quickOpen',
  title: 'Go to Case or Entry…',
  category: 'Murmur',
  keybinding: 'ctrl+p',
  run(s) {
    const cases = s.store.cases.map((c) => ({ id: `case:${c.id}`, label: `${c.service} ${c.id} ${c.current.outcome}`, detail: workLine(c) }));
    const entries = [...s.store.board].reverse().map((e) => ({
      id: `entry:${e.id}`,
      label: `#${e.index} ${e.kind}${e.subtask ? ` ${e.subtask}` : ''}`,
      detail: `${e.author.name} · ${e.author.orgName}`,
    }));
    s.workbench.pick('Go to a case (id, service) or a board entry (#number)', [...cases, ...entries], (id) => {
      if (id.startsWith('case:')) s.workbench.runCommand('murmur.openCase', id.slice(5));
      else s.workbench.runCommand('murmur.openEntry', id.slice(6));
    });
  },
});
