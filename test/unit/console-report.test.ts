import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditReportPdf, type AuditReportInput } from '../../app/node/console/report.js';
import type { AgentView, CaseView } from '../../app/node/console/protocol.js';

/** The text a pdfkit page stream draws (standard fonts: WinAnsi hex strings in TJ arrays). */
function pdfText(pdf: Buffer): string {
  const s = pdf.toString('latin1');
  return [...s.matchAll(/\[((?:<[0-9a-f]+>\s*-?[\d.]*\s*)+)\]\s*TJ/g)]
    .map((m) => [...m[1]!.matchAll(/<([0-9a-f]+)>/g)].map((x) => Buffer.from(x[1]!, 'hex').toString('latin1')).join(''))
    .join(' ')
    .replace(/\s+/g, ' ')
    .replace(/- /g, '-'); // a cell wraps after a hyphen
}

const actor = { did: 'did:peer:2.x', name: 'PolicyReasoner', org: 'northwind', orgName: 'Northwind Health Plan' };
const pended = {
  id: 'case-0123456789ab',
  service: 'J3399',
  policy: 'northwind-zolgensma 2026.1',
  opened: { index: 6, at: Date.UTC(2026, 0, 5) },
  outcome: 'pended',
  adjudication: { outcome: 'approved', reasonCode: 'titer-documented', by: { ...actor, operator: 'Amara Okafor' }, index: 112, at: Date.UTC(2026, 0, 6) },
  current: { outcome: 'approved', coalition: 'pended' },
} as unknown as CaseView;

function input(entries: number): AuditReportInput {
  return {
    org: { id: 'northwind', name: 'Northwind Health Plan', kind: 'payer', did: 'did:prism:abc' },
    generatedAt: Date.UTC(2026, 0, 7),
    scope: `case ${pended.id}`,
    compress: false,
    audit: {
      board: {
        entries: 111,
        accepted: 111,
        rejected: 0,
        duplicates: 0,
        authors: 5,
        chainsIntact: true,
        brokenChains: [],
        equivocations: 0,
        merkleRoot: 'ab'.repeat(32),
        head: 111,
      },
      trail: { ok: true, count: entries, head: 'cd'.repeat(32) },
      entries: Array.from({ length: entries }, (_, i) => ({
        index: i,
        at: Date.UTC(2026, 0, 5) + i * 1000,
        kind: 'decrypt',
        actor: 'PolicyReasoner',
        outcome: 'ok',
        case: pended.id,
        subtask: 'genomic-screening',
        section: 'summary',
        hash: 'ef'.repeat(32),
        basis: 'role credential "policy-reasoner" of Northwind Health Plan, presented in the access request',
        envelope: { id: 'e'.repeat(64), index: 83 },
        request: { id: 'f'.repeat(64), index: 92 },
        grant: { id: 'a'.repeat(64), index: 93 },
      })),
    },
    matrices: [],
    cases: [pended],
    agents: [{ ...actor, role: 'policy-reasoner', credentials: ['RoleCredential'] } as unknown as AgentView],
    operators: [{ id: 'okafor', name: 'Amara Okafor' }],
  };
}

test('the audit report tabulates cases with operator decisions, actors and the trail with its grants, on numbered pages', async () => {
  const text = pdfText(await auditReportPdf(input(80)));
  for (const header of ['Case', 'Operator decision', 'Outcome now', 'Agent', 'Organization', 'Basis', 'Entries'])
    assert.ok(text.includes(header), `table header ${header}`);
  assert.ok(
    text.includes('approved (titer-documented) by Amara Okafor'),
    `the operator's decision by name: ${text.slice(text.indexOf('titer') - 40, text.indexOf('titer') + 80)}`,
  );
  assert.ok(
    text.includes('req #92') && text.includes('grant #93') && text.includes('role credential "policy-reasoner"'),
    'each read names its credential, access request and key grant',
  );
  const pages = [...text.matchAll(/page (\d+) of (\d+)/g)];
  assert.ok(pages.length >= 2, 'a long trail runs over several pages');
  assert.deepEqual(
    pages.map((m) => Number(m[1])),
    pages.map((_, i) => i + 1),
  );
  assert.ok(
    pages.every((m) => Number(m[2]) === pages.length),
    'every page says how many there are',
  );
});
