import type { FoldRecord } from '../../core/board/fold.js';
import type { StoredEntry } from '../../core/board/store.js';
import { authorDid } from '../../core/board/envelope.js';
import { acceptedHeader } from '../../core/coordination/kinds/draft.js';

/**
 * An independent check that no subtask was ever claimed by two agents at once: replays the
 * accepted claim-related records of the log with its own lease arithmetic (not the fold's
 * rules), and reports every claim accepted while another agent's claim was still live.
 */
export function doubleClaims(records: readonly FoldRecord[], entries: ReadonlyMap<number, StoredEntry>, maxHoldMs: number, awardLeaseMs: number): string[] {
  const holders = new Map<string, { did: string; claimAt: number; leaseMs: number; until: number }>();
  const gapSubtask = new Map<string, string>();
  const violations: string[] = [];
  for (const r of records) {
    if (r.status !== 'accepted' || !r.case) continue;
    const env = entries.get(r.index)!.envelope;
    const key = `${r.case}/${r.subtask ?? ''}`;
    const did = authorDid(r.author);
    const h = holders.get(key);
    switch (r.kind) {
      case 'Claim': {
        if (h && h.did !== did && h.until >= r.at) violations.push(`${key} claimed by two agents at board time ${r.at}`);
        const leaseMs = acceptedHeader('Claim', env).leaseMs;
        holders.set(key, { did, claimAt: r.at, leaseMs, until: r.at + leaseMs });
        break;
      }
      case 'Gap': {
        const h = acceptedHeader('Gap', env);
        gapSubtask.set(`${r.case}/${h.gap}`, h.subtask.id);
        break;
      }
      case 'Award': {
        // An award confers a claim on the gap's new subtask to the winner.
        const h = acceptedHeader('Award', env);
        const sub = `${r.case}/${gapSubtask.get(`${r.case}/${h.gap}`)}`;
        const prev = holders.get(sub);
        if (prev && prev.did !== h.winner && prev.until >= r.at) violations.push(`${sub} awarded while claimed`);
        holders.set(sub, { did: h.winner, claimAt: r.at, leaseMs: awardLeaseMs, until: r.at + awardLeaseMs });
        break;
      }
      case 'Heartbeat':
      case 'Checkpoint':
        if (h && h.did === did) h.until = Math.min(r.at + h.leaseMs, h.claimAt + maxHoldMs);
        break;
      case 'Release':
      case 'Artifact':
      case 'LeaseExpired':
        holders.delete(key);
        break;
    }
  }
  return violations;
}
