import type { ProblemView } from '../../../../node/console/protocol.js';
import { clear, h, icon } from '../../common/dom.js';
import { contributions, type Services } from '../../workbench/contributions.js';

/** Problems: rejected entries, expired claims, deadlocks, equivocation, open gaps. */

let last: ProblemView[] = [];

function render(el: HTMLElement, s: Services): () => void {
  const draw = (): void =>
    void s.api.get<ProblemView[]>('problems').then((problems) => {
      last = problems;
      clear(
        el,
        problems.length
          ? h(
              'ul',
              { class: 'problems', 'data-testid': 'problems' },
              problems.map((p) =>
                h(
                  'li',
                  { class: p.severity, onclick: () => p.entry && s.workbench.runCommand('murmur.openEntry', p.entry) },
                  icon(p.severity === 'error' ? 'error' : p.severity === 'warning' ? 'warning' : 'info'),
                  ` ${p.message}`,
                  h('span', { class: 'muted' }, ` ${p.kind}${p.case ? ` · ${p.case}` : ''}`),
                ),
              ),
            )
          : h('p', { class: 'muted', 'data-testid': 'problems' }, 'No problems have been detected on the board.'),
      );
    });
  draw();
  return s.store.on('cases', draw);
}

contributions.registerPanelView({
  id: 'problems',
  title: 'Problems',
  icon: 'warning',
  order: 10,
  render,
  badge: () => last.filter((p) => p.severity !== 'info').length,
});
contributions.registerCommand({
  id: 'murmur.showProblems',
  title: 'Focus Problems',
  category: 'View',
  keybinding: 'ctrl+shift+m',
  run: (s) => s.workbench.showPanel('problems'),
});
