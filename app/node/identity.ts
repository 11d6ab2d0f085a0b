import type { Random } from '../../core/common/random.js';
import { didKeySigner } from '../../core/crypto/did-key.js';
import type { Unwrapper } from '../../core/crypto/hpke.js';
import type { Signer } from '../../core/crypto/signing.js';
import type { Presenter, RoleProver } from '../../core/agents/runtime/section-access.js';
import type { AgentProfile } from '../../core/agents/runtime/agent.js';

export type OrgKind = 'payer' | 'cds-vendor' | 'clia-laboratory' | 'pharmacovigilance';

export interface OrgSpec {
  id: string;
  name: string;
  kind: OrgKind;
  agents: AgentProfile[];
}

/** What an agent holds in its organization's wallet: a signer, and where privacy is on, more. */
export interface AgentKeys {
  did: string;
  signer: Signer;
  /** Opens key grants wrapped to the agent's X25519 key. */
  unwrap?: Unwrapper;
  /** Presents the agent's role credential and its organization's accreditation. */
  presenter?: Presenter;
  /** Proves the agent's role in zero knowledge (where the coalition issues such credentials). */
  roleProver?: RoleProver;
}

export interface OrgIdentity {
  did: string;
  agents: Map<string, AgentKeys>;
}

/**
 * Bare did:key identities: for simulations and baselines that run without credentials or
 * sealing (the fold then checks signatures and chains only).
 */
export function bareOrgIdentity(spec: OrgSpec, random: Random): OrgIdentity {
  const org = didKeySigner(random.bytes(32));
  return {
    did: org.did,
    agents: new Map(
      spec.agents.map((a) => {
        const s = didKeySigner(random.bytes(32));
        return [a.name, { did: s.did, signer: s }];
      }),
    ),
  };
}
