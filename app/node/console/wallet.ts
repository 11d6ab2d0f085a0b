import type { StatusRegistry } from '../../../core/identity/status-list.js';
import type { Projection } from './projection.js';
import type { CredentialView, WalletView } from './protocol.js';

interface LooseCredential {
  type?: string[];
  issuer?: string | { id?: string };
  validFrom?: string;
  validUntil?: string;
  credentialSubject?: Record<string, unknown>;
  credentialStatus?: unknown;
}

/**
 * The organization's wallet as its console shows it: its DID, its agents' DIDs and the
 * credentials they present on the board (read from their agent cards' presentations, which
 * are PHI-free), with each credential's status (status list, validity period).
 */
export function walletView(p: Projection, opts: { status?: StatusRegistry; now: number; keyStore: string }): WalletView {
  const issuerNames = new Map<string, string>();
  const agents = p.node.agents.map((agent) => {
    const ref = p.state.cards.get(agent.did)?.ref;
    const header = (ref ? p.node.replica.entry(ref.id)?.envelope.header : undefined) as
      { presentation?: { verifiableCredential?: LooseCredential[] | LooseCredential } } | undefined;
    const vcs = header?.presentation?.verifiableCredential;
    const list = Array.isArray(vcs) ? vcs : vcs ? [vcs] : [];
    const credentials: CredentialView[] = list.map((vc) => {
      const issuer = typeof vc.issuer === 'string' ? vc.issuer : (vc.issuer?.id ?? '?');
      const subject = vc.credentialSubject ?? {};
      const claims: Record<string, string> = {};
      for (const [k, v] of Object.entries(subject)) if (k !== 'id' && (typeof v === 'string' || typeof v === 'number')) claims[k] = String(v);
      if (typeof subject.organizationName === 'string' && typeof subject.id === 'string') issuerNames.set(subject.id, subject.organizationName);
      const until = vc.validUntil ? Date.parse(vc.validUntil) : undefined;
      const listed = opts.status && vc.credentialStatus ? opts.status.check(vc.credentialStatus, issuer) : 'unknown';
      const status: CredentialView['status'] = listed === 'revoked' ? 'revoked' : until !== undefined && until < opts.now ? 'expired' : listed;
      return {
        type: (vc.type ?? []).filter((t) => t !== 'VerifiableCredential').join(', ') || 'VerifiableCredential',
        issuer,
        subject: typeof subject.id === 'string' ? subject.id : '?',
        claims,
        ...(vc.validFrom ? { validFrom: vc.validFrom } : {}),
        ...(vc.validUntil ? { validUntil: vc.validUntil } : {}),
        status,
      };
    });
    return { name: agent.card.name, did: agent.did, role: agent.card.role, credentials };
  });
  for (const a of agents) {
    for (const c of a.credentials) {
      const name = issuerNames.get(c.issuer) ?? (c.issuer === p.self.did ? p.self.name : undefined);
      if (name) c.issuerName = name;
      else if (c.type.includes('Accreditation')) c.issuerName = 'accreditor (trust registry)';
    }
  }
  return { org: p.self, agents, keyStore: opts.keyStore };
}
