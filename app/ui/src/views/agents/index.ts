import type { AgentView } from '../../../../node/console/protocol.js';
import { badge, clear, h, icon, shortId, time } from '../../common/dom.js';
import { contributions, type Services } from '../../workbench/contributions.js';

/** Agents: cards, reputation history, heartbeats, claims and learned routing. */

function sparkline(values: number[]): SVGElement {
  const W = 220;
  const H = 48;
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('width', String(W));
  svg.setAttribute('height', String(H));
  svg.setAttribute('class', 'sparkline');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `reputation ${values.join(' → ')}`);
  const pts = values.map((v, i) => `${values.length === 1 ? W / 2 : (i / (values.length - 1)) * (W - 8) + 4},${H - 4 - (v / 100) * (H - 8)}`);
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  line.setAttribute('points', pts.join(' '));
  svg.append(line);
  for (const p of pts) {
    const c = document.createElementNS('http://www.w3.org/2000/svg', 'circle');
    const [x, y] = p.split(',');
    c.setAttribute('cx', x!);
    c.setAttribute('cy', y!);
    c.setAttribute('r', '2.5');
    svg.append(c);
  }
  return svg;
}

function card(a: AgentView): HTMLElement {
  const start = a.history.length ? a.history[0]!.value - 0 : a.reputation;
  return h(
    'article',
    { class: `agent-card ${a.local ? 'local' : ''}`, 'data-agent': a.name },
    h(
      'header',
      null,
      icon('hubot'),
      h('strong', null, ` ${a.name}`),
      h('span', { class: 'muted' }, ` v${a.version} · ${a.orgName} · role: ${a.role.replace(/-/g, ' ')}`),
      a.local ? badge('ours', 'info') : null,
    ),
    h('p', null, a.description),
    h(
      'div',
      { class: 'facts' },
      fact('DID', h('code', null, shortId(a.did, 40))),
      fact('Reputation', `${a.reputation.toFixed(0)} / 100`),
      fact('Last seen', a.lastSeen ? time(a.lastSeen) : '—'),
      fact('Heartbeats', String(a.heartbeats)),
      fact('Credentials', a.credentials.join(', ') || '—'),
    ),
    h(
      'div',
      { class: 'skills' },
      a.skills.map((s) => h('span', { class: 'section-chip', title: s.tags.join(', ') }, s.id)),
    ),
    h('h3', null, 'Reputation history'),
    a.history.length ? sparkline([start, ...a.history.map((x) => x.value)]) : h('p', { class: 'muted' }, 'No scored case yet.'),
    h('h3', null, 'Claims'),
    a.claims.length
      ? h(
          'ul',
          { class: 'plain' },
          a.claims.map((c) => h('li', null, `${c.subtask} · ${shortId(c.case, 17)} · ${c.status}`)),
        )
      : h('p', { class: 'muted' }, 'None.'),
    h('h3', null, 'Learned routing (from the board)'),
    a.routing.length
      ? h(
          'table',
          { class: 'grid compact' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              ['Skill', 'Claimed', 'Delivered', 'Bids', 'Awards', 'Delivered of claimed'].map((x) => h('th', null, x)),
            ),
          ),
          h(
            'tbody',
            null,
            a.routing.map((r) =>
              h(
                'tr',
                null,
                h('td', null, r.skill),
                h('td', null, String(r.claimed)),
                h('td', null, String(r.delivered)),
                h('td', null, String(r.bids)),
                h('td', null, String(r.awards)),
                h(
                  'td',
                  { title: `estimated delivery rate ${(((r.delivered + 1) / (r.claimed + 2)) * 100).toFixed(0)} % (Beta(1,1) prior; few claims say little)` },
                  r.claimed ? `${r.delivered} of ${r.claimed}` : '—',
                ),
              ),
            ),
          ),
        )
      : h('p', { class: 'muted' }, 'No work routed yet.'),
  );
}

function fact(label: string, value: string | Node): HTMLElement {
  return h('div', { class: 'fact' }, h('span', { class: 'fact-label' }, label), h('span', { class: 'fact-value' }, value));
}

function render(el: HTMLElement, s: Services): () => void {
  const draw = (): void =>
    void s.api.get<AgentView[]>('agents').then((agents) => {
      clear(
        el,
        h(
          'div',
          { class: 'page wide' },
          h('h1', null, 'Agents'),
          h(
            'p',
            { class: 'muted' },
            'Cards learned from the board; reputation moves only by verified Shapley updates. Delivered of claimed counts the work each agent took and finished; the estimated rate (hover) uses a Beta(1,1) prior, so one claim says little.',
          ),
          h('div', { class: 'cards' }, agents.sort((a, b) => Number(b.local) - Number(a.local) || a.name.localeCompare(b.name)).map(card)),
        ),
      );
    });
  draw();
  return s.store.on('cases', draw);
}

contributions.registerSideBarView({
  id: 'agents',
  title: 'Agents',
  icon: 'hubot',
  order: 30,
  render(el, s) {
    const draw = (): void =>
      void s.api.get<AgentView[]>('agents').then((agents) =>
        clear(
          el,
          h(
            'div',
            { class: 'side-section' },
            h('vscode-button', { onclick: () => s.workbench.runCommand('murmur.openAgents') }, icon('hubot'), ' Open agent cards'),
          ),
          h(
            'ul',
            { class: 'plain list' },
            agents.map((a) =>
              h(
                'li',
                { class: a.local ? 'mine' : '' },
                icon(a.local ? 'hubot' : 'person'),
                ` ${a.name}`,
                h('span', { class: 'muted' }, ` ${a.orgName} · ${a.reputation.toFixed(0)}`),
              ),
            ),
          ),
        ),
      );
    draw();
    return s.store.on('cases', draw);
  },
});

contributions.registerCommand({
  id: 'murmur.openAgents',
  title: 'Open Agent Cards',
  category: 'Murmur',
  run: (s) => s.workbench.openEditor({ key: 'agents', title: 'Agents', icon: 'hubot', breadcrumbs: [s.store.session.org.name, 'Agents'], render }),
});
