import { clear, h, icon } from '../common/dom.js';
import type { Api } from '../platform/api.js';
import type { Store } from '../platform/store.js';
import { contributions, type Command, type Disposable, type EditorInput, type Services, type Theme, type WorkbenchService } from './contributions.js';
import { QuickPick } from './palette.js';

interface OpenEditor {
  input: EditorInput;
  tab: HTMLElement;
  body: HTMLElement;
  dispose?: Disposable | void;
}

const THEMES: Theme[] = ['dark', 'light', 'hc'];
const THEME_NAMES: Record<Theme, string> = { dark: 'Dark', light: 'Light', hc: 'High Contrast' };

/**
 * The VS Code-style shell: activity bar, side bar, editor tabs with breadcrumbs, bottom panel,
 * status bar, command palette, keyboard shortcuts and themes. It renders the registered
 * contributions (workbench/contributions.ts) and knows no feature by name.
 */
/** Organization kinds in words (the ids are the charter's codes). */
export const KIND_WORDS: Readonly<Record<string, string>> = {
  payer: 'health plan',
  'cds-vendor': 'clinical-evidence vendor',
  'clia-laboratory': 'genomics laboratory (CLIA)',
  pharmacovigilance: 'pharmacovigilance',
};

export class Workbench implements WorkbenchService {
  private readonly services: Services;
  private readonly editors = new Map<string, OpenEditor>();
  private active: string | undefined;
  private sideBarView: string | undefined;
  private sideBarDispose: Disposable | void = undefined;
  private panelView: string | undefined;
  private panelDispose: Disposable | void = undefined;
  private currentTheme: Theme = 'dark';
  private readonly palette: QuickPick;

  private readonly activityBar = h('nav', { class: 'activitybar', role: 'tablist', 'aria-orientation': 'vertical', 'aria-label': 'Views' });
  private readonly sideBar = h('aside', { class: 'sidebar', 'aria-label': 'Side bar' });
  private readonly tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Editors' });
  private readonly breadcrumbs = h('div', { class: 'breadcrumbs', 'aria-label': 'Breadcrumbs' });
  private readonly editorBody = h('div', { class: 'editor-body' });
  private readonly panelTabs = h('div', { class: 'panel-tabs', role: 'tablist', 'aria-label': 'Panel' });
  private readonly panelBody = h('div', { class: 'panel-body' });
  private readonly panel = h('section', { class: 'panel', 'aria-label': 'Panel' }, this.panelTabs, this.panelBody);
  private readonly statusLeft = h('div', { class: 'status-left' });
  private readonly statusRight = h('div', { class: 'status-right' });
  private readonly toasts = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });

  constructor(
    private readonly root: HTMLElement,
    api: Api,
    store: Store,
  ) {
    this.services = { api, store, workbench: this };
    this.palette = new QuickPick(document.body);
  }

  mount(): void {
    const s = this.services;
    const org = s.store.session.org;
    document.title = `${org.name} — Murmur console`;
    const saved = new URL(location.href).searchParams.get('theme') ?? localStorage.getItem('murmur.theme');
    this.setTheme(THEMES.includes(saved as Theme) ? (saved as Theme) : 'dark');

    const title = h(
      'header',
      { class: 'titlebar' },
      h('span', { class: 'title-org' }, icon('organization'), ` ${org.name}`),
      h(
        'button',
        { class: 'command-center', 'data-testid': 'command-center', onclick: () => this.runCommand('workbench.action.showCommands') },
        icon('search'),
        ' Search commands',
        h('kbd', null, 'Ctrl+Shift+P'),
      ),
      h(
        'span',
        { class: 'title-kind', 'data-testid': 'signed-in' },
        KIND_WORDS[org.kind] ?? org.kind,
        ' · ',
        s.store.session.operator
          ? h(
              'span',
              {
                title: s.store.session.operator.signedInAt
                  ? `Signed in by key at ${new Date(s.store.session.operator.signedInAt).toLocaleTimeString()}; the session ends at ${new Date(s.store.session.operator.expiresAt ?? 0).toLocaleTimeString()}`
                  : '',
              },
              icon('account'),
              ` ${s.store.session.operator.name} `,
              h('button', { class: 'link-button', 'data-testid': 'sign-out', onclick: () => this.runCommand('murmur.signOut') }, 'Sign out'),
            )
          : h(
              'span',
              { title: "Opened with the organization's launch token: you can read, but decisions need an operator's sign-in link" },
              'not signed in as an operator',
            ),
      ),
    );
    const editorArea = h('main', { class: 'editor-area' }, this.tabs, this.breadcrumbs, this.editorBody);
    const status = h('footer', { class: 'statusbar', 'aria-label': 'Status bar' }, this.statusLeft, this.statusRight);
    clear(this.root, title, this.activityBar, this.sideBar, editorArea, this.panel, status, this.toasts, ...this.sashes());
    this.root.removeAttribute('aria-busy');

    this.registerBuiltins();
    for (const v of [...contributions.sideBar].sort((a, b) => a.order - b.order)) {
      this.activityBar.append(
        h(
          'button',
          { class: 'activity', role: 'tab', 'data-view': v.id, title: v.title, 'aria-label': v.title, onclick: () => this.toggleSideBar(v.id) },
          icon(v.icon),
          h('span', { class: 'activity-badge', 'data-testid': `badge-${v.id}` }),
        ),
      );
    }
    this.activityBar.append(
      h('div', { class: 'activity-spacer' }),
      h(
        'button',
        {
          class: 'activity',
          title: 'Color theme',
          'aria-label': 'Color theme',
          'data-testid': 'theme-button',
          onclick: () => this.runCommand('workbench.action.selectTheme'),
        },
        icon('color-mode'),
      ),
    );
    for (const v of [...contributions.panel].sort((a, b) => a.order - b.order)) {
      const count = h('span', { class: 'pill count' });
      this.panelTabs.append(
        h('button', { class: 'panel-tab', role: 'tab', 'data-panel': v.id, onclick: () => this.showPanel(v.id) }, v.title.toUpperCase(), count),
      );
    }
    this.panelTabs.append(
      h('div', { class: 'activity-spacer' }),
      h('button', { class: 'icon-button', title: 'Hide panel (Ctrl+J)', 'aria-label': 'Hide panel', onclick: () => this.togglePanel() }, icon('close')),
    );
    const updateBadges = (): void => {
      for (const v of contributions.sideBar) {
        const b = v.badge?.(s);
        const button = this.activityBar.querySelector<HTMLElement>(`[data-view="${v.id}"]`);
        const el = button?.querySelector('.activity-badge');
        if (!button || !el) continue;
        el.textContent = b?.count ? String(b.count) : '';
        button.title = b?.count ? `${v.title} (${b.title})` : v.title;
      }
      for (const v of contributions.panel) {
        const el = this.panelTabs.querySelector(`[data-panel="${v.id}"] .count`);
        const n = v.badge?.(s) ?? 0;
        if (el) el.textContent = n ? String(n) : '';
      }
    };
    s.store.on('board', updateBadges);
    s.store.on('cases', updateBadges);
    updateBadges();
    for (const item of [...contributions.statusBar].sort((a, b) => a.order - b.order)) {
      const el = h('div', { class: 'status-item', 'data-status': item.id });
      (item.align === 'left' ? this.statusLeft : this.statusRight).append(el);
      item.render(el, s);
    }
    const first = [...contributions.sideBar].sort((a, b) => a.order - b.order)[0];
    if (first) this.showSideBar(first.id);
    const firstPanel = [...contributions.panel].sort((a, b) => a.order - b.order)[0];
    if (firstPanel) this.showPanel(firstPanel.id);
    this.renderEmptyEditor();
    window.addEventListener('keydown', (e) => this.onKey(e));
  }

  /** The two sashes: side bar width and panel height, dragged or keyed, kept per browser. */
  private sashes(): HTMLElement[] {
    const make = (name: 'side-w' | 'panel-h', min: number, max: () => number, initial: number): HTMLElement => {
      const vertical = name === 'side-w';
      let size = Number(localStorage.getItem(`murmur.${name}`)) || initial;
      const sash = h('div', {
        class: `sash ${vertical ? 'sash-side' : 'sash-panel'}`,
        role: 'separator',
        tabindex: 0,
        'aria-orientation': vertical ? 'vertical' : 'horizontal',
        'aria-label': vertical ? 'Resize the side bar' : 'Resize the panel',
        'data-testid': `sash-${name}`,
      });
      const set = (v: number): void => {
        size = Math.round(Math.max(min, Math.min(max(), v)));
        this.root.style.setProperty(`--${name}`, `${size}px`);
        sash.setAttribute('aria-valuenow', String(size));
        localStorage.setItem(`murmur.${name}`, String(size));
      };
      set(size);
      sash.addEventListener('pointerdown', (e) => {
        e.preventDefault();
        sash.setPointerCapture(e.pointerId);
        sash.classList.add('dragging');
        const start = vertical ? e.clientX : e.clientY;
        const from = size;
        const move = (m: PointerEvent): void => set(vertical ? from + (m.clientX - start) : from - (m.clientY - start));
        const up = (): void => {
          sash.classList.remove('dragging');
          sash.removeEventListener('pointermove', move);
          sash.removeEventListener('pointerup', up);
        };
        sash.addEventListener('pointermove', move);
        sash.addEventListener('pointerup', up);
      });
      sash.addEventListener('keydown', (e) => {
        const step = e.shiftKey ? 50 : 10;
        const grow: Record<string, number> = vertical ? { ArrowRight: step, ArrowLeft: -step } : { ArrowUp: step, ArrowDown: -step };
        const d = grow[e.key];
        if (d === undefined) return;
        e.preventDefault();
        set(size + d);
      });
      return sash;
    };
    return [
      make('side-w', 160, () => Math.max(200, window.innerWidth * 0.5), 280),
      make('panel-h', 60, () => Math.max(120, window.innerHeight * 0.7), Math.min(200, Math.round(window.innerHeight * 0.25))),
    ];
  }

  private registerBuiltins(): void {
    const add = (c: Command): void => contributions.registerCommand(c);
    add({ id: 'workbench.action.showCommands', title: 'Show All Commands', category: 'View', keybinding: 'ctrl+shift+p', run: () => this.showPalette() });
    add({ id: 'workbench.action.showCommandsF1', title: 'Show All Commands', keybinding: 'f1', run: () => this.showPalette(), when: () => false });
    add({
      id: 'workbench.action.toggleSidebarVisibility',
      title: 'Toggle Primary Side Bar Visibility',
      category: 'View',
      keybinding: 'ctrl+b',
      run: () => void this.root.classList.toggle('no-sidebar'),
    });
    add({ id: 'workbench.action.togglePanel', title: 'Toggle Panel Visibility', category: 'View', keybinding: 'ctrl+j', run: () => this.togglePanel() });
    add({
      id: 'workbench.action.closeActiveEditor',
      title: 'Close Editor',
      category: 'View',
      keybinding: 'alt+w',
      run: () => void (this.active && this.closeEditor(this.active)),
    });
    add({ id: 'workbench.action.nextEditor', title: 'Open Next Editor', category: 'View', keybinding: 'ctrl+pagedown', run: () => this.cycleEditor(1) });
    add({ id: 'workbench.action.previousEditor', title: 'Open Previous Editor', category: 'View', keybinding: 'ctrl+pageup', run: () => this.cycleEditor(-1) });
    add({ id: 'workbench.action.selectTheme', title: 'Color Theme', category: 'Preferences', keybinding: 'ctrl+k ctrl+t', run: () => this.pickTheme() });
    add({
      id: 'murmur.signOut',
      title: 'Sign Out',
      category: 'Account',
      when: () => !!this.services.store.session.operator,
      run: async (s) => {
        await s.api.signOut();
        location.reload();
      },
    });
    for (const t of THEMES)
      add({ id: `workbench.action.theme.${t}`, title: `Color Theme: ${THEME_NAMES[t]}`, category: 'Preferences', run: () => this.setTheme(t) });
  }

  // ── services ──────────────────────────────────────────────────────────────────────────

  openEditor(input: EditorInput): void {
    let open = this.editors.get(input.key);
    if (!open) {
      const tab = h(
        'div',
        {
          class: 'tab',
          role: 'tab',
          'data-key': input.key,
          title: input.breadcrumbs.join(' › '),
          onclick: () => this.activate(input.key),
          onauxclick: () => this.closeEditor(input.key),
        },
        icon(input.icon),
        h('span', { class: 'tab-label' }, input.title),
        h(
          'button',
          { class: 'tab-close', 'aria-label': `Close ${input.title}`, onclick: (e: Event) => (e.stopPropagation(), this.closeEditor(input.key)) },
          icon('close'),
        ),
      );
      const body = h('div', { class: 'editor', 'data-editor': input.key, role: 'tabpanel' });
      this.tabs.append(tab);
      this.editorBody.append(body);
      open = { input, tab, body };
      this.editors.set(input.key, open);
      open.dispose = input.render(body, this.services);
    }
    this.activate(input.key);
  }

  showSideBar(id: string): void {
    const v = contributions.sideBar.find((x) => x.id === id);
    if (!v) return;
    this.root.classList.remove('no-sidebar');
    if (this.sideBarView === id) return;
    if (typeof this.sideBarDispose === 'function') this.sideBarDispose();
    this.sideBarView = id;
    for (const b of this.activityBar.querySelectorAll<HTMLElement>('[data-view]')) {
      b.classList.toggle('active', b.dataset.view === id);
      b.setAttribute('aria-selected', String(b.dataset.view === id));
    }
    const body = h('div', { class: 'sidebar-body', 'data-sidebar': id });
    clear(this.sideBar, h('div', { class: 'sidebar-title' }, v.title.toUpperCase()), body);
    this.sideBarDispose = v.render(body, this.services);
  }

  showPanel(id: string): void {
    const v = contributions.panel.find((x) => x.id === id);
    if (!v) return;
    this.root.classList.remove('no-panel');
    if (this.panelView === id) return;
    if (typeof this.panelDispose === 'function') this.panelDispose();
    this.panelView = id;
    for (const b of this.panelTabs.querySelectorAll<HTMLElement>('[data-panel]')) {
      b.classList.toggle('active', b.dataset.panel === id);
      b.setAttribute('aria-selected', String(b.dataset.panel === id));
    }
    const body = h('div', { class: 'panel-view', 'data-panel-view': id });
    clear(this.panelBody, body);
    this.panelDispose = v.render(body, this.services);
  }

  runCommand(id: string, ...args: string[]): void {
    const c = contributions.commands.find((x) => x.id === id);
    if (!c) return;
    Promise.resolve(c.run(this.services, ...args)).catch((e: unknown) => this.notify(e instanceof Error ? e.message : String(e), 'error'));
  }

  setTheme(theme: Theme): void {
    this.currentTheme = theme;
    document.body.classList.remove(...THEMES.map((t) => `theme-${t}`));
    document.body.classList.add(`theme-${theme}`);
    document.body.dataset.theme = theme;
    localStorage.setItem('murmur.theme', theme);
    window.dispatchEvent(new CustomEvent('murmur-theme', { detail: theme }));
  }

  pick(placeholder: string, items: { id: string; label: string; detail?: string }[], accept: (id: string) => void): void {
    this.palette.show(placeholder, items, accept);
  }

  theme(): Theme {
    return this.currentTheme;
  }

  notify(message: string, kind: 'info' | 'error' = 'info'): void {
    const t = h('div', { class: `toast ${kind}` }, icon(kind === 'error' ? 'error' : 'info'), ' ', message);
    this.toasts.append(t);
    setTimeout(() => t.remove(), 6000);
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────

  private activate(key: string): void {
    const open = this.editors.get(key);
    if (!open) return;
    this.active = key;
    for (const e of this.editors.values()) {
      const on = e.input.key === key;
      e.tab.classList.toggle('active', on);
      e.tab.setAttribute('aria-selected', String(on));
      e.body.hidden = !on;
    }
    this.editorBody.querySelector('.editor-empty')?.remove();
    // Tabs that overflow scroll; the active one is brought into view.
    open.tab.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    clear(
      this.breadcrumbs,
      open.input.breadcrumbs.flatMap((b, i) => [i ? icon('chevron-right') : null, h('span', { class: 'crumb' }, b)]),
    );
  }

  private closeEditor(key: string): void {
    const open = this.editors.get(key);
    if (!open) return;
    if (typeof open.dispose === 'function') open.dispose();
    open.tab.remove();
    open.body.remove();
    this.editors.delete(key);
    if (this.active === key) {
      const next = [...this.editors.keys()].at(-1);
      this.active = undefined;
      if (next) this.activate(next);
      else {
        clear(this.breadcrumbs);
        this.renderEmptyEditor();
      }
    }
  }

  private cycleEditor(step: number): void {
    const keys = [...this.editors.keys()];
    if (!keys.length || !this.active) return;
    this.activate(keys[(keys.indexOf(this.active) + step + keys.length) % keys.length]!);
  }

  private renderEmptyEditor(): void {
    if (this.editors.size) return;
    const s = this.services.store.session;
    this.editorBody.append(
      h(
        'div',
        { class: 'editor-empty' },
        h('div', { class: 'watermark' }, icon('broadcast')),
        h('h1', null, 'Murmur'),
        h('p', null, `${s.org.name}'s console. Open a case from the explorer, or:`),
        h(
          'dl',
          { class: 'shortcuts' },
          [
            ['Show All Commands', 'Ctrl+Shift+P'],
            ['Toggle Side Bar', 'Ctrl+B'],
            ['Toggle Panel', 'Ctrl+J'],
            ['Color Theme', 'Ctrl+K Ctrl+T'],
          ].map(([t, k]) => [h('dt', null, t!), h('dd', null, h('kbd', null, k!))]),
        ),
      ),
    );
  }

  private toggleSideBar(id: string): void {
    if (this.sideBarView === id && !this.root.classList.contains('no-sidebar')) this.root.classList.add('no-sidebar');
    else this.showSideBar(id);
  }

  private togglePanel(): void {
    this.root.classList.toggle('no-panel');
  }

  private showPalette(): void {
    const items = contributions.commands
      .filter((c) => !c.when || c.when(this.services))
      .map((c) => ({ id: c.id, label: `${c.category ? `${c.category}: ` : ''}${c.title}`, detail: c.keybinding ? formatKey(c.keybinding) : '' }))
      .sort((a, b) => a.label.localeCompare(b.label));
    this.palette.show('Type the name of a command to run', items, (id) => this.runCommand(id));
  }

  private pickTheme(): void {
    this.palette.show(
      'Select Color Theme',
      THEMES.map((t) => ({ id: t, label: THEME_NAMES[t], detail: t === this.currentTheme ? 'current' : '' })),
      (id) => this.setTheme(id as Theme),
    );
  }

  private chord: string | undefined;

  private onKey(e: KeyboardEvent): void {
    if (this.palette.visible) return;
    const parts = [e.ctrlKey || e.metaKey ? 'ctrl' : '', e.shiftKey ? 'shift' : '', e.altKey ? 'alt' : '', e.key.toLowerCase()].filter(Boolean);
    if (['control', 'shift', 'alt', 'meta'].includes(e.key.toLowerCase())) return;
    const key = parts.join('+');
    const combo = this.chord ? `${this.chord} ${key}` : key;
    const command = contributions.commands.find((c) => c.keybinding === combo);
    if (command) {
      e.preventDefault();
      this.chord = undefined;
      this.runCommand(command.id);
      return;
    }
    if (contributions.commands.some((c) => c.keybinding?.startsWith(`${combo} `))) {
      e.preventDefault();
      this.chord = combo;
      return;
    }
    this.chord = undefined;
  }
}

export function formatKey(k: string): string {
  return k
    .split(' ')
    .map((c) =>
      c
        .split('+')
        .map((p) => (p.length === 1 ? p.toUpperCase() : p[0]!.toUpperCase() + p.slice(1)))
        .join('+'),
    )
    .join(' ');
}
