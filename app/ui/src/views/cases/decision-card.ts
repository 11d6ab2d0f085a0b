import type { CurrentOutcome, DecisionCard, EvidenceLink, MissingDocumentView } from '../../../../node/console/protocol.js';
import { clear, h, icon, time } from '../../common/dom.js';
import type { Services } from '../../workbench/contributions.js';

/**
 * The decision card: why the case stands where it does, criterion by criterion, with the
 * entries each result rests on as links, what is missing (LOINC), the caveats and the PAS
 * answer the provider now receives. The raw determination stays one click away ("view source").
 */

const RESULT: Record<string, { label: string; icon: string; cls: string }> = {
  met: { label: 'Met', icon: 'pass-filled', cls: 'ok' },
  'not-met': { label: 'Not met', icon: 'error', cls: 'err' },
  missing: { label: 'Missing', icon: 'question', cls: 'warn' },
  review: { label: 'Needs review', icon: 'eye', cls: 'warn' },
};

export function outcomeWord(o: string): string {
  return o === 'waiting-for-provider' ? 'WAITING FOR PROVIDER' : o.toUpperCase();
}

/** "decided by … at …, coalition said …" for an operator's decision. */
export function decidedLine(cur: CurrentOutcome): string | null {
  if (!cur.decidedBy) return null;
  const who = cur.decidedBy.operator ? `${cur.decidedBy.operator} (signed by ${cur.decidedBy.name})` : cur.decidedBy.name;
  const verb =
    cur.outcome === 'waiting-for-provider'
      ? `information requested by ${who} at ${time(cur.at ?? 0)}; waiting for the provider since then`
      : `decided by ${who} at ${time(cur.at ?? 0)}`;
  return `${verb} (${cur.reasonCode ?? ''}), coalition said ${(cur.coalition ?? 'nothing').toUpperCase()}`;
}

function entryLink(s: Services, l: EvidenceLink): HTMLElement {
  const proof = l.proof
    ? h(
        'span',
        { class: `proof ${l.proof === 'verified' ? 'ok' : l.proof === 'failed' ? 'err' : 'muted'}` },
        icon(l.proof === 'verified' ? 'verified-filled' : l.proof === 'failed' ? 'unverified' : 'pass'),
        ' ',
      )
    : null;
  return h(
    'a',
    {
      href: '#',
      class: 'evidence-link',
      'data-entry': l.entry,
      onclick: (e: Event) => (e.preventDefault(), s.workbench.runCommand('murmur.openEntry', l.entry)),
    },
    proof,
    l.label,
  );
}

export function missingText(m: MissingDocumentView): string {
  const code = m.code ? `${m.system?.includes('loinc') ? 'LOINC ' : ''}${m.code}${m.display ? ` ${m.display}` : ''}` : '';
  return code ? `${code} — ${m.description}` : m.description;
}

export function renderDecisionCard(host: HTMLElement, s: Services, caseId: string): void {
  clear(host, h('vscode-progress-ring', { 'aria-label': 'Loading the decision' }));
  void s.api.get<DecisionCard>(`cases/${encodeURIComponent(caseId)}/decision`).then(
    (d) => clear(host, cardBody(s, d)),
    (e: unknown) => clear(host, h('p', { class: 'err' }, e instanceof Error ? e.message : String(e))),
  );
}

function cardBody(s: Services, d: DecisionCard): HTMLElement {
  const card = h('section', { class: 'decision-card', 'data-testid': 'decision-card' });
  const head = h('h2', null, icon('law'), ' Decision');
  card.append(head);
  if (!d.readable) {
    card.append(
      h(
        'div',
        { class: 'lock', 'data-testid': 'decision-locked' },
        icon('lock'),
        h('div', null, h('strong', null, 'The reasons are not readable here'), h('p', null, d.message ?? '')),
      ),
    );
    return card;
  }
  const counts = new Map<string, number>();
  for (const c of d.criteria ?? []) counts.set(c.status, (counts.get(c.status) ?? 0) + 1);
  card.append(
    h(
      'p',
      { class: 'decision-summary' },
      `The coalition ${d.coalitionOutcome === 'pended' ? 'pended' : d.coalitionOutcome} the request against ${d.policy?.id} ${d.policy?.version}: `,
      [...counts.entries()].map(([k, n]) => `${n} ${RESULT[k]?.label.toLowerCase() ?? k}`).join(', '),
      '. ',
      d.determination ? entryLink(s, { ...d.determination, label: 'View source' }) : null,
    ),
  );
  const line = decidedLine(d.current);
  if (line) card.append(h('p', { class: 'decided', 'data-testid': 'decided-line' }, icon('person'), ' ', line));
  card.append(
    h(
      'table',
      { class: 'grid criteria', 'data-testid': 'criteria' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ['Result', 'Criterion', 'Reason', 'Evidence'].map((x) => h('th', null, x)),
        ),
      ),
      h(
        'tbody',
        null,
        (d.criteria ?? []).map((c) => {
          const r = RESULT[c.status] ?? { label: c.status, icon: 'circle-outline', cls: '' };
          return h(
            'tr',
            { 'data-criterion': c.id, 'data-result': c.status },
            h('td', { class: `result ${r.cls}` }, icon(r.icon), ` ${r.label}`),
            h(
              'td',
              null,
              h('strong', null, c.title),
              h(
                'div',
                { class: 'muted' },
                `evaluated by the ${c.evaluatedBy === 'lab' ? 'laboratory' : 'payer'}${c.x12Reason ? ` · X12 reason ${c.x12Reason}` : ''}`,
              ),
            ),
            h('td', null, c.reason, c.missing ? h('div', { class: 'warn' }, icon('file'), ` Send: ${missingText(c.missing)}`) : null),
            h(
              'td',
              null,
              h(
                'ul',
                { class: 'evidence' },
                c.evidence.map((l) => h('li', null, entryLink(s, l))),
              ),
            ),
          );
        }),
      ),
    ),
  );
  if (d.missing.length) {
    card.append(
      h('h3', null, 'Documents the provider must send'),
      h(
        'ul',
        { class: 'missing', 'data-testid': 'missing-documents' },
        d.missing.map((m) => h('li', null, icon('file'), ' ', missingText(m))),
      ),
    );
  }
  if (d.caveats?.length) {
    card.append(
      h('h3', null, 'Caveats'),
      h(
        'ul',
        { class: 'caveats', 'data-testid': 'caveats' },
        d.caveats.map((k) =>
          h('li', null, icon('warning'), ` ${k.text}${k.drugs?.length ? ` (${k.drugs.join(', ')})` : ''} `, k.source ? entryLink(s, k.source) : null),
        ),
      ),
    );
  }
  if (d.evidence) {
    card.append(
      h(
        'p',
        { class: 'muted' },
        `Clinical evidence: GRADE certainty ${d.evidence.certainty}; trials ${d.evidence.trials.join(', ')} `,
        d.evidence.source ? entryLink(s, d.evidence.source) : null,
      ),
    );
  }
  if (d.reviewAction) {
    const ra = d.reviewAction;
    card.append(
      h(
        'h3',
        null,
        `PAS answer the provider receives (${d.claimResponse?.version === 'adjudicated' ? "the operator's decision" : "the coalition's decision"})`,
      ),
      h(
        'div',
        { class: 'review-action', 'data-testid': 'review-action' },
        h('div', null, h('strong', null, `reviewAction ${ra.code}`), ` ${ra.display} · ${ra.number} · outcome ${ra.outcome}`),
        h('div', null, ra.disposition),
        ra.reasons.length
          ? h(
              'ul',
              null,
              ra.reasons.map((r) => h('li', null, r.x12 ? h('code', null, `X12 ${r.x12}`) : null, ` ${r.text}`)),
            )
          : null,
      ),
    );
  }
  return card;
}
