import type { CoalitionState } from '../coordination/case-state.js';
import type { StatusRegistry } from '../identity/status-list.js';

/** The key a revoked credential's status entry is held under in the folded state. */
export function revocationKey(issuer: string, list: string, index: number): string {
  return `${issuer} ${list}#${index}`;
}

/** The key an agent's revocation by its issuing organization is held under (all its credentials, ZK roles too). */
export function holderRevocationKey(issuer: string, holder: string): string {
  return `${issuer} holder ${holder}`;
}

/** Whether `issuer` revoked its agent `holder` on the board before this point of the log. */
export function holderRevoked(state: CoalitionState, issuer: string, holder: string): boolean {
  return state.revocations.has(holderRevocationKey(issuer, holder));
}

/** How a presentation's credential status is checked: the charter's lists and the board's revocations. */
export type StatusView = Pick<StatusRegistry, 'check'>;

/**
 * The status lists as of a point in the log: the charter's lists (what was revoked when the
 * coalition was chartered) with every Revocation the board holds before that point. Every
 * replica folds the same entries, so every replica, and an audit's re-fold, agrees.
 */
export function boardStatus(charter: StatusView, state: CoalitionState): StatusView {
  return {
    check(entry, issuer) {
      const base = charter.check(entry, issuer);
      if (base !== 'valid') return base;
      const e = entry as { statusListCredential: string; statusListIndex: string };
      return state.revocations.has(revocationKey(issuer, e.statusListCredential, Number(e.statusListIndex))) ? 'revoked' : 'valid';
    },
  };
}
