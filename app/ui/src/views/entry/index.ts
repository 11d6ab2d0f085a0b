import type { EntryDetail, SectionContent, SectionView } from '../../../../node/console/protocol.js';
import { badge, clear, h, icon, shortId, time } from '../../common/dom.js';
import { jsonView } from '../../common/json-view.js';
import { ApiFailure } from '../../platform/api.js';
import { contributions, type Services } from '../../workbench/contributions.js';

/**
 * Entry and artifact viewer: the cleartext header, and each section decrypted where this
 * organization may read it, or a lock with the reason (policy, missing grant) where not.
 */

function render(el: HTMLElement, s: Services, id: string, open?: string): () => void {
  const disposers: (() => void)[] = [];
  clear(el, h('div', { class: 'page' }, h('vscode-progress-ring', { 'aria-label': 'Loading entry' })));
  void s.api.get<EntryDetail>(`entries/${id}`).then(
    (d) => {
      const e = d.entry;
      const sections = h('div', { class: 'sections' });
      const page = h(
        'div',
        { class: 'page' },
        h('h1', null, icon('note'), ` ${e.kind} #${e.index}`, ' ', badge(e.status, e.status === 'accepted' ? 'ok' : 'err')),
        h(
          'div',
          { class: 'facts' },
          fact('Author', `${e.author.name} · ${e.author.orgName}`),
          fact('Case', e.case ?? '—'),
          fact('Subtask', e.subtask ?? '—'),
          fact('Board time', time(e.at)),
          fact('Entry id', h('code', null, shortId(e.id, 24))),
          fact('Author chain', `seq ${d.seq}, prev ${d.prev ? shortId(d.prev, 12) : 'genesis'}`),
          fact('Signature', `${e.signature} (Ed25519, ${shortId(d.signatureValue, 16)})`),
          fact('Proof', e.proof),
          e.reason ? fact('Rejected', e.reason) : null,
        ),
        h('p', null, e.text),
        h('h2', null, 'Header (cleartext, PHI-free)'),
      );
      const headerHost = h('div');
      page.append(headerHost, h('h2', null, 'Sections'), sections);
      clear(el, page);
      disposers.push(jsonView(headerHost, d.header, 'header'));
      if (!d.sections.length) sections.append(h('p', { class: 'muted' }, 'This entry has no sections.'));
      for (const sec of d.sections) sections.append(sectionBlock(s, id, sec, disposers, sec.name === open));
    },
    (err: unknown) => clear(el, h('p', { class: 'err' }, err instanceof Error ? err.message : String(err))),
  );
  return () => disposers.forEach((d) => d());
}

function sectionBlock(s: Services, id: string, sec: SectionView, disposers: (() => void)[], autoOpen: boolean): HTMLElement {
  const body = h('div', { class: 'section-body' });
  const block = h(
    'div',
    { class: `section ${sec.access.readable ? 'readable' : 'locked'}`, 'data-section': sec.name },
    h(
      'div',
      { class: 'section-head' },
      icon(sec.access.readable ? (sec.sealed ? 'unlock' : 'eye') : 'lock'),
      h('strong', null, ` ${sec.name}`),
      h('span', { class: 'muted' }, ` · readers: ${sec.readers.join(', ') || 'none'} · ${sec.sealed ? 'sealed (AES-256-GCM)' : 'plaintext'}`),
    ),
    body,
  );
  const lock = (reason: string, message: string): void =>
    void clear(
      body,
      h(
        'div',
        { class: 'lock', 'data-testid': 'lock', 'data-reason': reason },
        icon('lock'),
        h(
          'div',
          null,
          h('strong', null, reason === 'policy' ? 'Not readable under the disclosure policy' : reason === 'missing-grant' ? 'No key grant' : 'Access refused'),
          h('p', null, message),
        ),
      ),
    );
  if (!sec.access.readable) {
    lock(sec.access.reason, sec.access.message);
    return block;
  }
  const openIt = async (): Promise<void> => {
    clear(
      body,
      h('vscode-progress-bar', { indeterminate: true, 'aria-label': `Decrypting ${sec.name}` }),
      h('span', { class: 'muted' }, 'Requesting a key grant and decrypting…'),
    );
    try {
      const c = await s.api.get<SectionContent>(`entries/${id}/sections/${sec.name}`);
      clear(body);
      disposers.push(jsonView(body, c.content, sec.name));
    } catch (e) {
      if (e instanceof ApiFailure && e.status === 403) lock(e.reason ?? 'refused', e.message);
      else clear(body, h('p', { class: 'err' }, e instanceof Error ? e.message : String(e)));
    }
  };
  clear(body, h('vscode-button', { 'data-testid': `open-${sec.name}`, onclick: () => void openIt() }, icon('unlock'), ` Decrypt and show ${sec.name}`));
  if (autoOpen) void openIt();
  return block;
}

function fact(label: string, value: string | Node): HTMLElement {
  return h('div', { class: 'fact' }, h('span', { class: 'fact-label' }, label), h('span', { class: 'fact-value' }, value));
}

contributions.registerCommand({
  id: 'murmur.openEntry',
  title: 'Open Entry',
  category: 'Murmur',
  when: () => false,
  run(s, id, section) {
    if (!id) return;
    const e = s.store.board.find((x) => x.id === id);
    s.workbench.openEditor({
      key: `entry:${id}`,
      title: e ? `${e.kind} #${e.index}` : shortId(id),
      icon: 'note',
      breadcrumbs: [s.store.session.org.name, 'Board', ...(e?.case ? [e.case] : []), e ? `${e.kind} #${e.index}` : shortId(id)],
      render: (el, sv) => render(el, sv, id, section),
    });
  },
});
