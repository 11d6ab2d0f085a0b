import { clear, h } from '../common/dom.js';

export interface PickItem {
  id: string;
  label: string;
  detail?: string;
}

/** The quick pick behind the command palette and the theme picker. */
export class QuickPick {
  private readonly input = h('input', { class: 'quick-input', type: 'text', 'aria-label': 'Quick pick', 'aria-controls': 'quick-list', spellcheck: 'false' });
  private readonly list = h('ul', { class: 'quick-list', id: 'quick-list', role: 'listbox' });
  private readonly box = h('div', { class: 'quick-pick', role: 'dialog', 'aria-label': 'Command palette', hidden: true }, this.input, this.list);
  private items: PickItem[] = [];
  private shown: PickItem[] = [];
  private selected = 0;
  private accept: ((id: string) => void) | undefined;

  constructor(parent: HTMLElement) {
    parent.append(this.box);
    this.input.addEventListener('input', () => this.filter());
    this.input.addEventListener('keydown', (e) => this.onKey(e));
    this.input.addEventListener('blur', () => setTimeout(() => this.hide(), 120));
  }

  get visible(): boolean {
    return !this.box.hidden;
  }

  show(placeholder: string, items: PickItem[], accept: (id: string) => void): void {
    this.items = items;
    this.accept = accept;
    this.input.placeholder = placeholder;
    this.input.value = '';
    this.box.hidden = false;
    this.filter();
    this.input.focus();
  }

  hide(): void {
    this.box.hidden = true;
  }

  private filter(): void {
    const q = this.input.value.toLowerCase().trim();
    this.shown = this.items.filter((i) => q.split(/\s+/).every((w) => i.label.toLowerCase().includes(w)));
    this.selected = 0;
    this.render();
  }

  private render(): void {
    clear(
      this.list,
      this.shown.map((item, i) =>
        h(
          'li',
          {
            role: 'option',
            class: i === this.selected ? 'selected' : '',
            'aria-selected': String(i === this.selected),
            onmousedown: (e: Event) => (e.preventDefault(), this.pick(i)),
          },
          h('span', null, item.label),
          item.detail ? h('span', { class: 'detail' }, item.detail) : null,
        ),
      ),
      this.shown.length ? null : h('li', { class: 'empty' }, 'Nothing matches'),
    );
  }

  private pick(i: number): void {
    const item = this.shown[i];
    this.hide();
    if (item) this.accept?.(item.id);
  }

  private onKey(e: KeyboardEvent): void {
    if (e.key === 'Escape') this.hide();
    else if (e.key === 'ArrowDown') this.selected = Math.min(this.shown.length - 1, this.selected + 1);
    else if (e.key === 'ArrowUp') this.selected = Math.max(0, this.selected - 1);
    else if (e.key === 'Enter') return this.pick(this.selected);
    else return;
    e.preventDefault();
    this.render();
  }
}
