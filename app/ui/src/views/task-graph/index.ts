import dagre from '@dagrejs/dagre';
import type { CaseView } from '../../../../node/console/protocol.js';
import { clear, h, shortId } from '../../common/dom.js';
import { contributions, type Services } from '../../workbench/contributions.js';

/** Task graph: the plan as a live DAG, with claims, artifacts and gaps drawn on it. */

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag: string, attrs: Record<string, string | number>, ...children: (Node | string)[]): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

function graph(c: CaseView, s: Services): SVGElement {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 28, ranksep: 70, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  const W = 260;
  const H = 64;
  for (const st of c.subtasks) g.setNode(st.id, { width: W, height: H });
  for (const gap of c.gaps) g.setNode(gap.id, { width: 170, height: 46 });
  for (const st of c.subtasks) for (const d of st.deps) if (g.hasNode(d)) g.setEdge(d, st.id, { kind: 'dep' });
  for (const gap of c.gaps) {
    if (g.hasNode(gap.subtask)) g.setEdge(gap.id, gap.subtask, { kind: 'gap' });
    for (const b of gap.blocks) if (g.hasNode(b)) g.setEdge(gap.subtask, b, { kind: 'dep' });
  }
  dagre.layout(g);
  const info = g.graph();
  // The viewBox holds the whole layout (with room for the thickest stroke), so nothing is clipped and the graph scales to fit.
  const width = (info.width ?? 400) + 24;
  const height = (info.height ?? 200) + 24;
  const root = svg('svg', {
    class: 'task-graph',
    role: 'img',
    'aria-label': `Task graph of ${c.id}`,
    viewBox: `-12 -12 ${width} ${height}`,
    'data-width': width,
    'data-height': height,
    preserveAspectRatio: 'xMinYMin meet',
  });
  root.append(
    svg(
      'defs',
      {},
      svg(
        'marker',
        { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
        svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow' }),
      ),
    ),
  );
  for (const e of g.edges()) {
    const edge = g.edge(e) as { points: { x: number; y: number }[]; kind?: string };
    const d = edge.points.map((p, i) => `${i ? 'L' : 'M'} ${p.x} ${p.y}`).join(' ');
    root.append(svg('path', { d, class: `edge ${edge.kind ?? 'dep'}`, 'marker-end': 'url(#arrow)' }));
  }
  for (const st of c.subtasks) {
    const n = g.node(st.id);
    const x = n.x - W / 2;
    const y = n.y - H / 2;
    const node = svg(
      'g',
      { class: `node ${st.status} ${st.mine ? 'mine' : ''} ${st.origin}`, 'data-node': st.id, transform: `translate(${x},${y})`, tabindex: 0 },
      svg('title', {}, `${st.title} — ${st.status}`),
      svg('rect', { width: W, height: H, rx: 6 }),
      svg('text', { x: 10, y: 19, class: 'node-title' }, st.id),
      svg('text', { x: 10, y: 37, class: 'node-sub' }, st.claimant ? `⚑ ${st.claimant.name} · ${st.claimant.orgName}` : `○ ${st.status}`),
      svg(
        'text',
        { x: 10, y: 54, class: 'node-sub' },
        st.artifact ? `▣ artifact #${st.artifact.index}${st.artifact.outcome ? ` · ${st.artifact.outcome.toUpperCase()}` : ''}` : `skill ${st.skill}`,
      ),
    );
    const openIt = (): void => (st.artifact ? s.workbench.runCommand('murmur.openEntry', st.artifact.id) : s.workbench.runCommand('murmur.openCase', c.id));
    node.addEventListener('click', openIt);
    node.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        openIt();
      }
    });
    node.setAttribute('role', 'button');
    node.setAttribute('aria-label', `${st.id}: ${st.status}${st.artifact ? `, artifact #${st.artifact.index}; Enter opens it` : ''}`);
    root.append(node);
  }
  for (const gap of c.gaps) {
    const n = g.node(gap.id);
    root.append(
      svg(
        'g',
        { class: `node gapnode ${gap.status}`, 'data-node': gap.id, transform: `translate(${n.x - 85},${n.y - 23})` },
        svg('title', {}, `gap ${gap.id} raised by ${gap.raisedBy.name}`),
        svg('rect', { width: 170, height: 46, rx: 23 }),
        svg('text', { x: 14, y: 19, class: 'node-title' }, `⚠ ${shortId(gap.id, 22)}`),
        svg('text', { x: 14, y: 36, class: 'node-sub' }, `${gap.reasonCode} · ${gap.status}${gap.winner ? ` → ${gap.winner.name}` : ''}`),
      ),
    );
  }
  return root;
}

function render(el: HTMLElement, s: Services, id: string): () => void {
  // 'fit': the whole graph in the editor's width; otherwise a zoom factor of its natural size.
  let zoom: 'fit' | number = 'fit';
  const apply = (host: HTMLElement): void => {
    const g = host.querySelector<SVGElement>('svg.task-graph');
    if (!g) return;
    const w = Number(g.dataset.width);
    const hh = Number(g.dataset.height);
    if (zoom === 'fit') {
      g.style.width = '100%';
      g.style.maxWidth = `${w * 1.5}px`;
      g.style.height = 'auto';
    } else {
      g.style.width = `${w * zoom}px`;
      g.style.maxWidth = 'none';
      g.style.height = `${hh * zoom}px`;
    }
    host.dataset.zoom = String(zoom);
  };
  const draw = (): void => {
    const c = s.store.caseById(id);
    if (!c) return void clear(el, h('p', null, 'No such case.'));
    const host = h('div', { class: 'graph-host', 'data-testid': 'task-graph' }, graph(c, s));
    const set = (z: 'fit' | number): void => ((zoom = z), apply(host));
    const step = (f: number): void =>
      set(Math.max(0.3, Math.min(3, (zoom === 'fit' ? host.clientWidth / Number(host.querySelector<SVGElement>('svg')?.dataset.width ?? 1) : zoom) * f)));
    clear(
      el,
      h(
        'div',
        { class: 'page' },
        h('h1', null, `Task graph · ${c.id}`),
        h(
          'div',
          { class: 'legend' },
          ['done', 'claimed', 'ready', 'waiting', 'blocked'].map((k) => h('span', { class: `legend-item ${k}` }, h('span', { class: 'swatch' }), k)),
          h('span', { class: 'legend-item gapnode' }, h('span', { class: 'swatch' }), 'capability gap'),
          h('span', { class: 'legend-item mine' }, h('span', { class: 'swatch' }), 'claimed by us'),
        ),
        h(
          'div',
          { class: 'toolbar graph-zoom' },
          h('vscode-button', { secondary: true, 'data-testid': 'graph-fit', onclick: () => set('fit') }, 'Fit'),
          h('vscode-button', { secondary: true, 'data-testid': 'graph-actual', onclick: () => set(1) }, '100 %'),
          h('vscode-button', { secondary: true, 'aria-label': 'Zoom out', onclick: () => step(1 / 1.25) }, '−'),
          h('vscode-button', { secondary: true, 'aria-label': 'Zoom in', 'data-testid': 'graph-zoom-in', onclick: () => step(1.25) }, '+'),
        ),
        host,
      ),
    );
    apply(host);
  };
  draw();
  return s.store.on('cases', draw);
}

contributions.registerCommand({
  id: 'murmur.openTaskGraph',
  title: 'Open Task Graph of the Latest Case',
  category: 'Murmur',
  keybinding: 'ctrl+alt+g',
  run(s, id) {
    const c = id ? s.store.caseById(id) : s.store.cases[0];
    if (!c) return s.workbench.notify('No case yet.');
    s.workbench.openEditor({
      key: `graph:${c.id}`,
      title: `Graph ${shortId(c.id, 12)}`,
      icon: 'type-hierarchy',
      breadcrumbs: [s.store.session.org.name, 'Cases', c.id, 'Task graph'],
      render: (el, sv) => render(el, sv, c.id),
    });
  },
});
