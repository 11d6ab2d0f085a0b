import type { Admission, Evidence } from '../board/fold.js';
import { authorDid } from '../board/envelope.js';
import type { StoredEntry } from '../board/store.js';
import type { CoalitionState } from '../coordination/case-state.js';
import type { CredentialEvidence } from '../coordination/rules/context.js';
import { verifyPresentation, type PresentationVerdict } from '../identity/presentations.js';
import type { StatusRegistry } from '../identity/status-list.js';
import type { TrustRegistry } from '../identity/trust-registry.js';
import { accessChallenge, CARD_DOMAIN, cardChallenge, claimChallenge, targetOf } from './challenges.js';

export interface CredentialAdmissionOptions {
  registry: TrustRegistry;
  status: StatusRegistry;
  /** Called for every presentation checked (for the org's audit trail). */
  onCheck?: (entry: StoredEntry, verdict: PresentationVerdict) => void;
}

/**
 * The admission stage for credentials: verifies the presentation an AgentCard, Claim or
 * AccessRequest carries against the nonce and domain the log implies, at board time, with
 * replay protection. Its verdict becomes the entry's evidence for the fold's rules.
 */
export function credentialAdmission(o: CredentialAdmissionOptions): Admission<CoalitionState> {
  // Consumed (challenge, holder) pairs: rebuilt identically by every replica from the log.
  const ledger = new Set<string>();
  return async (state, entry): Promise<Evidence> => {
    const env = entry.envelope;
    const header = env.header as { presentation?: unknown; target?: string; section?: string };
    if (header.presentation === undefined) return {};
    const expected = expectation(state, entry, header);
    if (!expected) return { credential: { ok: false, reason: 'nothing this presentation could be bound to' } satisfies CredentialEvidence };
    const verdict = await verifyPresentation(
      header.presentation,
      { ...expected, now: entry.at, holder: authorDid(env.author) },
      { registry: o.registry, status: o.status, ledger },
    );
    o.onCheck?.(entry, verdict);
    const credential: CredentialEvidence = verdict.ok
      ? { ok: true, holder: verdict.holder, role: verdict.role, organization: verdict.organization, organizationKind: verdict.organizationKind }
      : { ok: false, reason: verdict.reasons.map((r) => r.code).join(', ') };
    return { credential };
  };
}

function expectation(
  state: CoalitionState,
  entry: StoredEntry,
  header: { target?: string; section?: string },
): { challenge: string; domain: string } | undefined {
  const env = entry.envelope;
  if (env.kind === 'AgentCard') return { challenge: cardChallenge(env.seq), domain: CARD_DOMAIN };
  const c = env.case ? state.cases.get(env.case) : undefined;
  if (!c) return undefined;
  if (env.kind === 'Claim') {
    const s = env.subtask ? c.subtasks.get(env.subtask) : undefined;
    return s ? { challenge: claimChallenge(c, s), domain: s.id } : undefined;
  }
  if (env.kind === 'AccessRequest' && header.target && header.section) {
    const t = targetOf(c, header.target, header.section);
    return t ? { challenge: accessChallenge(header.target, header.section), domain: t.subtask } : undefined;
  }
  return undefined;
}
