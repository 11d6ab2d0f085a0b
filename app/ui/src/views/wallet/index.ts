import type { WalletView } from '../../../../node/console/protocol.js';
import { badge, clear, h, icon, shortId } from '../../common/dom.js';
import { contributions, type Services } from '../../workbench/contributions.js';

/** Wallet: this organization's DIDs, its agents' credentials and their status. */

function render(el: HTMLElement, s: Services): void {
  void s.api.get<WalletView>('wallet').then((w) =>
    clear(
      el,
      h(
        'div',
        { class: 'page wide' },
        h('h1', null, icon('key'), ` Wallet · ${w.org.name}`),
        h(
          'div',
          { class: 'facts' },
          h('div', { class: 'fact' }, h('span', { class: 'fact-label' }, 'Organization DID'), h('code', { class: 'fact-value wrap' }, w.org.did)),
          h('div', { class: 'fact' }, h('span', { class: 'fact-label' }, 'Keys'), h('span', { class: 'fact-value' }, w.keyStore)),
        ),
        w.agents.map((a) =>
          h(
            'section',
            { class: 'wallet-agent' },
            h('h2', null, icon('hubot'), ` ${a.name} · role: ${a.role.replace(/-/g, ' ')}`),
            h('p', null, h('code', { class: 'wrap' }, a.did)),
            h(
              'table',
              { class: 'grid', 'data-testid': 'credentials' },
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  ['Credential', 'Issuer', 'Claims', 'Valid from', 'Valid until', 'Status'].map((x) => h('th', null, x)),
                ),
              ),
              h(
                'tbody',
                null,
                a.credentials.map((c) =>
                  h(
                    'tr',
                    null,
                    h('td', null, c.type),
                    h('td', { title: c.issuer }, c.issuerName ?? shortId(c.issuer, 24)),
                    h(
                      'td',
                      null,
                      Object.entries(c.claims)
                        .map(([k, v]) => `${k}: ${v.startsWith('did:') ? shortId(v, 20) : v}`)
                        .join('; '),
                    ),
                    h('td', null, c.validFrom?.slice(0, 10) ?? '—'),
                    h('td', null, c.validUntil?.slice(0, 10) ?? '—'),
                    h('td', null, badge(c.status, c.status === 'valid' ? 'ok' : 'err')),
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

contributions.registerSideBarView({
  id: 'wallet',
  title: 'Wallet',
  icon: 'key',
  order: 40,
  render(el, s) {
    void s.api.get<WalletView>('wallet').then((w) =>
      clear(
        el,
        h('div', { class: 'side-section' }, h('vscode-button', { onclick: () => s.workbench.runCommand('murmur.openWallet') }, icon('key'), ' Open wallet')),
        h(
          'ul',
          { class: 'plain list' },
          w.agents.map((a) => h('li', null, icon('hubot'), ` ${a.name}`, h('span', { class: 'muted' }, ` ${a.credentials.length} credentials`))),
        ),
      ),
    );
  },
});

contributions.registerCommand({
  id: 'murmur.openWallet',
  title: 'Open Wallet',
  category: 'Murmur',
  run: (s) => s.workbench.openEditor({ key: 'wallet', title: 'Wallet', icon: 'key', breadcrumbs: [s.store.session.org.name, 'Wallet'], render }),
});
