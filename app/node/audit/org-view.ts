import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditEntry } from '../../../core/access/audit.js';
import { MurmurError } from '../../../core/common/errors.js';
import type { OrgView } from '../console/projection.js';
import type { OrgKind, OrgRef } from '../console/protocol.js';
import { auditFiles, refold } from './board-state.js';

const KINDS: readonly OrgKind[] = ['payer', 'cds-vendor', 'clia-laboratory', 'pharmacovigilance'];

/**
 * One organization of a finished run as the console sees it, from the run's folder alone: the
 * board re-folded with the coalition's rules (board.db, charter.json), the organization's audit
 * trail (audit/<org>.jsonl, read as it is: a broken link is reported, not refused) and its
 * agents' cards on the board. Operator names come from the cleartext part of its sealed wallet
 * (wallets/<org>.json), when the run kept one; the board carries operator ids only.
 */
export async function orgViewOfRun(
  dataDir: string,
  orgId?: string,
): Promise<{ view: OrgView; directory: OrgRef[]; operators: { id: string; name: string }[] }> {
  const replica = await refold(dataDir);
  const trails = auditFiles(dataDir);
  const idOf = new Map<string, string>();
  for (const [id, entries] of trails) {
    const org = (entries[0] as Partial<AuditEntry> | undefined)?.org;
    if (typeof org === 'string') idOf.set(org, id);
  }
  const cards = [...replica.state.cards.values()].map((r) => r.card);
  const directory: OrgRef[] = [];
  for (const c of cards) {
    if (directory.some((d) => d.did === c.provider.did)) continue;
    const kind = KINDS.find((k) => k === c.provider.kind);
    if (!kind) continue;
    directory.push({
      id: idOf.get(c.provider.did) ?? c.provider.organization.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
      name: c.provider.organization,
      kind,
      did: c.provider.did,
    });
  }
  const self = orgId ? directory.find((d) => d.id === orgId) : directory.find((d) => d.kind === 'payer');
  if (!self)
    throw new MurmurError(
      'E_INPUT',
      `org: ${orgId ? `no organization "${orgId}" on this board` : 'no payer on this board'}; organizations: ${directory.map((d) => d.id).join(', ') || 'none'}`,
      { field: 'org' },
    );
  const entries = (trails.get(self.id) ?? []) as AuditEntry[];
  const view: OrgView = {
    spec: { id: self.id, name: self.name, kind: self.kind },
    did: self.did,
    replica,
    audit: { org: self.did, entries: () => entries },
    agents: cards.filter((c) => c.provider.did === self.did).map((card) => ({ did: card.did, card })),
    // A reviewer holds no keys: outcomes are sealed, so it sees what the closures say.
    knownOutcome: (x) => (x.outcome?.closure === 'open' ? 'pended' : undefined),
    knownAdjudication: (x) => (x.adjudication?.closure === 'open' ? 'info-requested' : undefined),
    adjudicationOf: async (x) => (x.adjudication?.closure === 'open' ? 'info-requested' : undefined),
  };
  return { view, directory, operators: operatorNames(dataDir, self.id) };
}

/** Operator ids and display names from a sealed wallet's cleartext (no passphrase needed or asked). */
function operatorNames(dataDir: string, org: string): { id: string; name: string }[] {
  const path = join(dataDir, 'wallets', `${org}.json`);
  if (!existsSync(path)) return [];
  try {
    const file = JSON.parse(readFileSync(path, 'utf8')) as { operators?: unknown; sealed?: { operators?: unknown } };
    const names = file.operators ?? file.sealed?.operators;
    if (!names || typeof names !== 'object') return [];
    return Object.entries(names as Record<string, unknown>)
      .filter((e): e is [string, string] => typeof e[1] === 'string')
      .map(([id, name]) => ({ id, name }))
      .sort((a, b) => a.id.localeCompare(b.id));
  } catch {
    throw new MurmurError('E_INPUT', `${path} is not a wallet file (JSON)`, { field: 'data-dir' });
  }
}
