import { clear, h, icon } from '../../common/dom.js';
import { contributions } from '../../workbench/contributions.js';

/** Status bar items: organization and connection, progress of long operations, board head. */

contributions.registerStatusBarItem({
  id: 'org',
  align: 'left',
  order: 10,
  render(el, s) {
    const draw = (): void =>
      void clear(
        el,
        icon(s.store.connected ? 'broadcast' : 'debug-disconnect'),
        ` ${s.store.session.org.name}`,
        h('span', { class: 'muted-status' }, s.store.connected ? ' · live' : ' · reconnecting'),
      );
    draw();
    return s.store.on('connection', draw);
  },
});

contributions.registerStatusBarItem({
  id: 'progress',
  align: 'left',
  order: 20,
  render(el, s) {
    const draw = (): void => {
      const running = [...s.store.progress.values()].filter((p) => p.state === 'running');
      const last = [...s.store.progress.values()].at(-1);
      if (running.length) {
        const p = running[0]!;
        clear(
          el,
          h('span', { class: 'codicon codicon-sync codicon-modifier-spin' }),
          ` ${p.title}${p.total ? ` ${p.done}/${p.total}` : ''}`,
          h('vscode-progress-bar', {
            class: 'status-progress',
            value: p.done,
            max: p.total ?? 1,
            indeterminate: !p.total,
            'aria-label': p.title,
            'data-testid': 'progress',
          }),
        );
      } else if (last) clear(el, icon(last.state === 'done' ? 'check' : 'error'), ` ${last.title}: ${last.state}`);
      else clear(el);
    };
    draw();
    return s.store.on('progress', draw);
  },
});

contributions.registerStatusBarItem({
  id: 'cases',
  align: 'left',
  order: 30,
  render(el, s) {
    const draw = (): void => {
      const mine = s.store.cases.filter((c) => c.mine);
      const decide = mine.filter((c) => c.work.state === 'to-decide');
      const overdue = mine.filter((c) => c.work.overdue);
      clear(
        el,
        h(
          'button',
          { class: 'status-button', 'data-testid': 'status-worklist', title: 'Show the cases', onclick: () => s.workbench.showSideBar('cases') },
          icon('briefcase'),
          ` ${s.store.cases.length} ${s.store.cases.length === 1 ? 'case' : 'cases'}`,
          decide.length ? ` · ${decide.length} to decide` : '',
          overdue.length ? h('span', { class: 'status-warn' }, ` · ${overdue.length} overdue`) : '',
        ),
      );
    };
    draw();
    return s.store.on('cases', draw);
  },
});

contributions.registerStatusBarItem({
  id: 'head',
  align: 'right',
  order: 10,
  render(el, s) {
    const draw = (): void => void clear(el, icon('list-ordered'), ` board #${s.store.board.at(-1)?.index ?? 0}`);
    draw();
    return s.store.on('board', draw);
  },
});

contributions.registerStatusBarItem({
  id: 'theme',
  align: 'right',
  order: 20,
  render(el, s) {
    const draw = (): void =>
      void clear(
        el,
        h(
          'button',
          { class: 'status-button', onclick: () => s.workbench.runCommand('workbench.action.selectTheme') },
          icon('color-mode'),
          ` ${({ dark: 'Dark', light: 'Light', hc: 'High contrast' } as const)[s.workbench.theme()]}`,
        ),
      );
    draw();
    window.addEventListener('murmur-theme', draw);
    return () => window.removeEventListener('murmur-theme', draw);
  },
});
