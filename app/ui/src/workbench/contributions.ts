import type { Api } from '../platform/api.js';
import type { Store } from '../platform/store.js';

/**
 * What features contribute to the workbench. Each view folder registers its contributions in
 * its own index.ts; the workbench renders whatever is registered and knows no feature by name.
 */
export interface Services {
  api: Api;
  store: Store;
  workbench: WorkbenchService;
}

export type Disposable = () => void;

/** A view in the side bar, reached from the activity bar. */
export interface SideBarView {
  id: string;
  title: string;
  icon: string;
  order: number;
  render(el: HTMLElement, s: Services): Disposable | void;
  /** A count on the activity bar icon (e.g. cases to decide) and its meaning, for the tooltip. */
  badge?(s: Services): { count: number; title: string };
}

/** A view in the bottom panel (Problems, Output). */
export interface PanelView {
  id: string;
  title: string;
  icon: string;
  order: number;
  render(el: HTMLElement, s: Services): Disposable | void;
  /** A count for the tab (e.g. problems). */
  badge?(s: Services): number;
}

/** Something opened in an editor tab. `key` identifies it (opening it again focuses the tab). */
export interface EditorInput {
  key: string;
  title: string;
  icon: string;
  /** Where it sits, shown as breadcrumbs: e.g. [org, 'Cases', case id, 'Task graph']. */
  breadcrumbs: string[];
  render(el: HTMLElement, s: Services): Disposable | void;
}

export interface Command {
  id: string;
  title: string;
  category?: string;
  /** e.g. 'ctrl+shift+b' (ctrl means Cmd on macOS too). */
  keybinding?: string;
  run(s: Services, ...args: string[]): void | Promise<void>;
  /** Hidden from the palette when it returns false (e.g. payer-only). */
  when?(s: Services): boolean;
}

export interface StatusBarItem {
  id: string;
  align: 'left' | 'right';
  order: number;
  render(el: HTMLElement, s: Services): Disposable | void;
}

export interface WorkbenchService {
  openEditor(input: EditorInput): void;
  showSideBar(id: string): void;
  showPanel(id: string): void;
  runCommand(id: string, ...args: string[]): void;
  setTheme(theme: Theme): void;
  theme(): Theme;
  notify(message: string, kind?: 'info' | 'error'): void;
  /** A quick pick (the palette's list) of items; calls `accept` with the chosen id. */
  pick(placeholder: string, items: { id: string; label: string; detail?: string }[], accept: (id: string) => void): void;
}

export type Theme = 'dark' | 'light' | 'hc';

class Registry {
  readonly sideBar: SideBarView[] = [];
  readonly panel: PanelView[] = [];
  readonly commands: Command[] = [];
  readonly statusBar: StatusBarItem[] = [];

  registerSideBarView(v: SideBarView): void {
    this.sideBar.push(v);
  }
  registerPanelView(v: PanelView): void {
    this.panel.push(v);
  }
  registerCommand(c: Command): void {
    this.commands.push(c);
  }
  registerStatusBarItem(i: StatusBarItem): void {
    this.statusBar.push(i);
  }
}

export const contributions = new Registry();
