type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/** Builds an element: attributes (on* are listeners), then children (text or nodes). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Attrs | null, ...children: Child[]): HTMLElement;
export function h(tag: string, attrs?: Attrs | null, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

export function icon(name: string, label?: string): HTMLElement {
  return h('span', { class: `codicon codicon-${name}`, 'aria-hidden': label ? null : 'true', 'aria-label': label ?? null, role: label ? 'img' : null });
}

export function clear(el: HTMLElement, ...children: Child[]): HTMLElement {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function time(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function shortId(id: string, n = 10): string {
  return id.length > n ? `${id.slice(0, n)}…` : id;
}

export function badge(text: string | number, kind = ''): HTMLElement {
  return h('span', { class: `pill ${kind}` }, String(text));
}

/** The status a subtask or case is in, as a codicon and a colour class. */
export function statusIcon(status: string): HTMLElement {
  const map: Record<string, [string, string]> = {
    done: ['pass-filled', 'ok'],
    approved: ['pass-filled', 'ok'],
    claimed: ['sync', 'busy'],
    executing: ['sync', 'busy'],
    ready: ['circle-large-outline', ''],
    waiting: ['clock', 'muted'],
    blocked: ['debug-pause', 'warn'],
    pended: ['question', 'warn'],
    denied: ['error', 'err'],
    dissolved: ['archive', 'muted'],
    open: ['circle-outline', ''],
    announced: ['megaphone', 'warn'],
    awarded: ['check', 'ok'],
  };
  const [name, cls] = map[status] ?? ['circle-outline', ''];
  return h('span', { class: `codicon codicon-${name} status ${cls}`, title: status, 'aria-label': status, role: 'img' });
}
