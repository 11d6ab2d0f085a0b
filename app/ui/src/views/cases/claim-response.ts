import { clear, h, icon, shortId } from '../../common/dom.js';
import { jsonView } from '../../common/json-view.js';
import { contributions, type Services } from '../../workbench/contributions.js';

/**
 * The ClaimResponse as the PAS API serves it now: the FormBuilder's, or after an operator's
 * decision the one rebuilt on it. Downloadable as FHIR JSON.
 */

interface Served {
  claimResponse: { resourceType: 'ClaimResponse'; outcome?: string; disposition?: string };
  version: 'coalition' | 'adjudicated';
  entry?: { id: string; index: number };
}

function render(el: HTMLElement, s: Services, caseId: string): () => void {
  const disposers: (() => void)[] = [];
  let shown = '';
  const load = (): void => {
    const c = s.store.caseById(caseId);
    const key = `${c?.adjudication?.index ?? ''}:${c?.outcome ?? ''}:${c?.round ?? 0}`;
    if (key === shown) return;
    shown = key;
    void s.api.get<Served>(`cases/${encodeURIComponent(caseId)}/claim-response`).then(
      (r) => {
        disposers.splice(0).forEach((d) => d());
        const body = h('div', { 'data-section': 'claim-response' });
        const cr = r.claimResponse;
        clear(
          el,
          h(
            'div',
            { class: 'page' },
            h('h1', null, icon('file-code'), ` ClaimResponse · ${cr.outcome === 'queued' ? 'pended' : (cr.disposition ?? cr.outcome)}`),
            h(
              'p',
              { class: 'muted', 'data-testid': 'claim-response-version' },
              r.version === 'adjudicated'
                ? "The version the PAS API serves now: rebuilt on the operator's decision (the FormBuilder's earlier one stays on the board)."
                : `The version the PAS API serves now: the FormBuilder's${r.entry ? `, board entry #${r.entry.index}` : ''}.`,
            ),
            h(
              'div',
              { class: 'actions' },
              h(
                'a',
                {
                  class: 'button-link',
                  'data-testid': 'download-claim-response',
                  href: s.api.url(`cases/${encodeURIComponent(caseId)}/claim-response?download=1`),
                  download: `ClaimResponse-${caseId}.json`,
                },
                icon('desktop-download'),
                ' Download (FHIR JSON)',
              ),
              r.entry
                ? h(
                    'vscode-button',
                    { secondary: true, onclick: () => s.workbench.runCommand('murmur.openEntry', r.entry!.id) },
                    icon('note'),
                    ` Board entry #${r.entry.index}`,
                  )
                : null,
            ),
            body,
          ),
        );
        disposers.push(jsonView(body, cr, 'ClaimResponse'));
      },
      (e: unknown) => clear(el, h('p', { class: 'err' }, e instanceof Error ? e.message : String(e))),
    );
  };
  load();
  const off = s.store.on('cases', load);
  return () => {
    off();
    disposers.forEach((d) => d());
  };
}

contributions.registerCommand({
  id: 'murmur.openClaimResponse',
  title: 'Open ClaimResponse',
  category: 'Murmur',
  when: () => false,
  run(s, id) {
    if (!id) return;
    s.workbench.openEditor({
      key: `claim-response:${id}`,
      title: `ClaimResponse ${shortId(id, 13)}`,
      icon: 'file-code',
      breadcrumbs: [s.store.session.org.name, 'Cases', id, 'ClaimResponse'],
      render: (el, sv) => render(el, sv, id),
    });
  },
});
