import { verifyAuditTrail } from '../../../core/access/audit.js';
import { auditFiles, foldIntegrity } from './board-state.js';

export interface Finding {
  ok: boolean;
  subject: string;
  detail: string;
}

/**
 * Checks a run's board (signatures, ids, author chains, equivocation) and every
 * organization's audit trail (hash chain), naming the first broken link of each.
 */
export async function verifyRun(dataDir: string): Promise<{ ok: boolean; findings: Finding[] }> {
  const findings: Finding[] = [];
  const { records, fold } = await foldIntegrity(dataDir);
  const broken = records.find((r) => r.status === 'rejected');
  const authors = new Set(records.map((r) => r.author)).size;
  findings.push(
    broken
      ? { ok: false, subject: 'board', detail: `first broken link: entry #${broken.index} (${broken.kind}): ${broken.reason}` }
      : { ok: true, subject: 'board', detail: `${records.length} entries by ${authors} authors: every signature and author chain holds` },
  );
  if (fold.equivocations.length > 0) {
    const e = fold.equivocations[0]!;
    findings.push({ ok: false, subject: 'board', detail: `equivocation at entry #${e.index}: two envelopes with seq ${e.seq} from one author` });
  }
  for (const [org, entries] of auditFiles(dataDir)) {
    const v = verifyAuditTrail(entries);
    findings.push(
      v.ok
        ? { ok: true, subject: `audit ${org}`, detail: `${v.count} entries, hash chain intact (head ${v.head.slice(0, 16)}…)` }
        : { ok: false, subject: `audit ${org}`, detail: `first broken link: entry ${v.index}: ${v.reason}` },
    );
  }
  return { ok: findings.every((f) => f.ok), findings };
}
