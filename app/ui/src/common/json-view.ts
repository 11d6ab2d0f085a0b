import type * as MonacoApi from 'monaco-editor/editor/editor.api';
import { h } from './dom.js';

type MonacoNs = typeof MonacoApi;
let monaco: Promise<MonacoNs> | undefined;

/** Monaco (≈ 3 MB) loads only when the first JSON view opens. */
function loadMonaco(): Promise<MonacoNs> {
  monaco ??= (async () => {
    const [api, editorWorker, jsonWorker] = await Promise.all([
      import('monaco-editor/editor/editor.api'),
      import('monaco-editor/editor/editor.worker?worker'),
      import('monaco-editor/language/json/json.worker?worker'),
      import('monaco-editor/language/json/monaco.contribution'),
      // The JSON mode's chunk also carries editor contributions that register services
      // (code lens cache, inlay hints, suggest memories, action widget, tree DnD). Loaded
      // lazily, it registered them after the first editor had fixed the service set, so every
      // later editor threw "depends on UNKNOWN service" five times. Load it before any editor.
      import('monaco-editor/languages/features/json/jsonMode'),
    ]);
    (self as unknown as { MonacoEnvironment: unknown }).MonacoEnvironment = {
      getWorker: (_id: string, label: string) => (label === 'json' ? new jsonWorker.default() : new editorWorker.default()),
    };
    return api;
  })();
  return monaco;
}

function monacoTheme(): string {
  const t = document.body.dataset.theme;
  return t === 'light' ? 'vs' : t === 'hc' ? 'hc-black' : 'vs-dark';
}

/**
 * A read-only JSON view (entry headers, decrypted sections, FHIR resources). Shows the text at
 * once and upgrades to Monaco when it has loaded. Returns a disposer.
 */
export function jsonView(el: HTMLElement, value: unknown, label: string): () => void {
  const text = JSON.stringify(value, null, 2) ?? 'undefined';
  const pre = h('pre', { class: 'json-fallback', 'aria-label': label }, text);
  const host = h('div', { class: 'json-view', 'data-json': label }, pre);
  el.append(host);
  let disposed = false;
  let dispose = (): void => undefined;
  void loadMonaco().then((m) => {
    if (disposed) return;
    const lines = text.split('\n').length;
    host.style.height = `${Math.min(480, Math.max(60, lines * 19 + 12))}px`;
    pre.remove();
    const editor = m.editor.create(host, {
      value: text,
      language: 'json',
      readOnly: true,
      automaticLayout: true,
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      theme: monacoTheme(),
      fontSize: 12,
      lineNumbers: 'on',
      ariaLabel: label,
    });
    host.dataset.monaco = 'ready';
    const onTheme = (): void => m.editor.setTheme(monacoTheme());
    window.addEventListener('murmur-theme', onTheme);
    dispose = () => {
      window.removeEventListener('murmur-theme', onTheme);
      editor.getModel()?.dispose();
      editor.dispose();
    };
  });
  return () => {
    disposed = true;
    dispose();
  };
}
