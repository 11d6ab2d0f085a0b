import type { AuditView } from '../../../../node/console/protocol.js';
import { badge, clear, h, icon, shortId, time } from '../../common/dom.js';
import { contributions, type Services } from '../../workbench/contributions.js';

/** Audit: chain verification of the board and of this organization's trail, the trail, the PDF report. */

const EVENT_WORDS: Record<string, string> = {
  decrypt: 'read a section',
  grant: 'granted a key',
  denial: 'refused access',
  'credential-check': 'checked a credential',
  'fhir-read': 'read the patient record (FHIR)',
};

function render(el: HTMLElement, s: Services): void {
  const result = h('div', { class: 'verification', 'data-testid': 'verification' });
  const trail = h('div');
  const progress = h('vscode-progress-bar', { indeterminate: true, hidden: true, 'aria-label': 'Verifying' });
  const verify = async (): Promise<void> => {
    progress.hidden = false;
    try {
      const a = await s.api.get<AuditView>('audit');
      const b = a.board;
      clear(
        result,
        h(
          'div',
          { class: `verdict ${b.chainsIntact && a.trail.ok && !b.equivocations ? 'ok' : 'err'}`, 'data-testid': 'verdict' },
          icon(b.chainsIntact && a.trail.ok ? 'verified-filled' : 'error'),
          h('strong', null, b.chainsIntact && a.trail.ok && !b.equivocations ? ' Chain verified' : ' Verification failed'),
        ),
        h(
          'ul',
          { class: 'plain checks-list' },
          h(
            'li',
            null,
            icon('list-ordered'),
            ` ${b.entries} board entries (${b.accepted} accepted, ${b.rejected} rejected, ${b.duplicates} duplicates), head #${b.head}`,
          ),
          h(
            'li',
            null,
            icon(b.chainsIntact ? 'pass' : 'error'),
            ` ${b.authors} author chains ${b.chainsIntact ? 'intact (seq and prev)' : `broken: ${b.brokenChains.map((x) => `${x.author} #${x.index}`).join(', ')}`}`,
          ),
          h('li', null, icon(b.equivocations ? 'error' : 'pass'), ` ${b.equivocations} equivocations`),
          h('li', null, icon('symbol-key'), ' Merkle root ', h('code', { 'data-testid': 'merkle-root' }, b.merkleRoot)),
          h(
            'li',
            null,
            icon(a.trail.ok ? 'pass' : 'error'),
            a.trail.ok
              ? ` Audit trail: ${a.trail.count} entries, hash chain intact, head ${shortId(a.trail.head ?? '', 16)}`
              : ` Audit trail broken at entry ${a.trail.index}: ${a.trail.reason}`,
          ),
        ),
      );
      const link = (ref: { id: string; index: number } | undefined, label: string): HTMLElement | null =>
        ref
          ? h(
              'a',
              {
                href: '#',
                class: 'entry-link',
                'data-entry': ref.id,
                onclick: (ev: Event) => (ev.preventDefault(), s.workbench.runCommand('murmur.openEntry', ref.id)),
              },
              `${label} #${ref.index}`,
            )
          : null;
      clear(
        trail,
        h(
          'table',
          { class: 'grid compact audit', 'data-testid': 'audit-trail' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              ['# / time', 'Event', 'Who → with whom', 'Case · section', 'On what basis', 'Board entries', 'Outcome'].map((x) => h('th', null, x)),
            ),
          ),
          h(
            'tbody',
            null,
            a.entries.map((e) =>
              h(
                'tr',
                { 'data-kind': e.kind, title: `hash ${e.hash}` },
                h('td', { class: 'num' }, String(e.index), h('div', { class: 'muted' }, time(e.at))),
                h('td', null, EVENT_WORDS[e.kind] ?? e.kind),
                h(
                  'td',
                  null,
                  e.actor,
                  e.operator ? h('div', { class: 'operator', 'data-testid': 'read-for' }, `for ${e.operator}`) : null,
                  e.counterparty ? h('div', { class: 'muted' }, `→ ${e.counterparty}`) : null,
                ),
                h(
                  'td',
                  null,
                  [e.case ? shortId(e.case, 17) : '', e.subtask && e.subtask !== e.case ? e.subtask : '', e.section ?? ''].filter(Boolean).join(' · '),
                ),
                h('td', { class: 'basis' }, e.basis ?? (e.elements ?? e.reasons ?? []).join(', ')),
                h('td', { class: 'links' }, link(e.envelope, 'entry'), link(e.request, 'request'), link(e.grant, 'grant')),
                h('td', null, badge(e.outcome, e.outcome === 'ok' ? 'ok' : 'err')),
              ),
            ),
          ),
        ),
      );
    } finally {
      progress.hidden = true;
    }
  };
  const scope = h(
    'select',
    { 'data-testid': 'report-scope', 'aria-label': 'Report on' },
    h('option', { value: '' }, 'All cases'),
    s.store.cases.map((c) => h('option', { value: c.id }, `Case ${c.service} · ${c.id}`)),
  );
  const exportPdf = (): void => {
    const only = scope.value;
    const a = h('a', {
      href: s.api.url(`audit/report.pdf${only ? `?case=${encodeURIComponent(only)}` : ''}`),
      download: `murmur-audit-${s.store.session.org.id}${only ? `-${only}` : ''}.pdf`,
    });
    document.body.append(a);
    a.click();
    a.remove();
    s.workbench.notify('Exporting the audit report (PDF)…');
  };
  clear(
    el,
    h(
      'div',
      { class: 'page wide' },
      h('h1', null, icon('checklist'), ' Audit'),
      h(
        'div',
        { class: 'actions' },
        h('vscode-button', { 'data-testid': 'verify-chain', onclick: () => void verify() }, icon('verified'), ' Verify chain'),
        scope,
        h('vscode-button', { secondary: true, 'data-testid': 'export-report', onclick: exportPdf }, icon('file-pdf'), ' Export report (PDF)'),
      ),
      progress,
      result,
      h('h2', null, 'Audit trail of this organization'),
      trail,
    ),
  );
  void verify();
}

contributions.registerSideBarView({
  id: 'audit',
  title: 'Audit',
  icon: 'checklist',
  order: 60,
  render(el, s) {
    clear(
      el,
      h(
        'div',
        { class: 'side-section' },
        h('p', { class: 'muted' }, "Verify the board and this organization's audit trail, and export the report."),
        h('vscode-button', { onclick: () => s.workbench.runCommand('murmur.openAudit') }, icon('checklist'), ' Open audit'),
      ),
    );
    s.workbench.runCommand('murmur.openAudit');
  },
});

contributions.registerCommand({
  id: 'murmur.openAudit',
  title: 'Verify Chain and Open Audit',
  category: 'Murmur',
  keybinding: 'ctrl+alt+v',
  run: (s) => s.workbench.openEditor({ key: 'audit', title: 'Audit', icon: 'checklist', breadcrumbs: [s.store.session.org.name, 'Audit'], render }),
});
