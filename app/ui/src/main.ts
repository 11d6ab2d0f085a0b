import '@vscode/codicons/dist/codicon.css';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-tree/index.js';
import '@vscode-elements/elements/dist/vscode-tree-item/index.js';
import './workbench/workbench.css';
import './views/all.js';
import { h } from './common/dom.js';
import { Api } from './platform/api.js';
import { Store } from './platform/store.js';
import { Workbench } from './workbench/workbench.js';

async function boot(): Promise<void> {
  const root = document.getElementById('workbench')!;
  const api = new Api();
  const store = new Store(api);
  try {
    await api.signIn();
    await store.start();
  } catch (e) {
    root.removeAttribute('aria-busy');
    root.replaceChildren(
      h('div', { class: 'boot-error', role: 'alert' }, h('h1', null, 'Cannot open the console'), h('p', null, e instanceof Error ? e.message : String(e))),
    );
    return;
  }
  new Workbench(root, api, store).mount();
}

void boot();
