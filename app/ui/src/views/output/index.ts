import type { LogLine } from '../../../../node/console/protocol.js';
import { clear, h, time } from '../../common/dom.js';
import { contributions, type Services } from '../../workbench/contributions.js';

/** Output: the board trace (T0–T6) and the node's and agents' logs. */

function logLine(l: LogLine): string {
  const fields = Object.entries(l.fields)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  return `${time(l.at)} [${l.level}] ${l.source}: ${l.event} ${fields}`;
}

function render(el: HTMLElement, s: Services): () => void {
  const channel = h(
    'select',
    { class: 'channel', 'aria-label': 'Output channel' },
    h('option', { value: 'trace' }, 'Board trace (T0–T6)'),
    h('option', { value: 'logs' }, 'Node and agents'),
  ) as HTMLSelectElement;
  const pre = h('pre', { class: 'output', 'data-testid': 'output' });
  const draw = (): void => {
    const lines =
      channel.value === 'trace'
        ? s.store.board
            .filter((e) => e.case)
            .map(
              (e) =>
                `${e.phase ?? '··'} #${String(e.index).padStart(3)} ${`${e.author.orgName} / ${e.author.name}`.padEnd(42)} ${e.text}${e.status === 'rejected' ? ` [rejected: ${e.reason}]` : ''}`,
            )
        : s.store.logs.map(logLine);
    pre.textContent = lines.join('\n') || '(nothing yet)';
    pre.scrollTop = pre.scrollHeight;
  };
  channel.addEventListener('change', draw);
  clear(el, h('div', { class: 'output-bar' }, channel), pre);
  draw();
  const a = s.store.on('board', draw);
  const b = s.store.on('logs', draw);
  return () => (a(), b());
}

contributions.registerPanelView({ id: 'output', title: 'Output', icon: 'output', order: 20, render });
contributions.registerCommand({
  id: 'murmur.showOutput',
  title: 'Focus Output',
  category: 'View',
  keybinding: 'ctrl+shift+u',
  run: (s) => s.workbench.showPanel('output'),
});
