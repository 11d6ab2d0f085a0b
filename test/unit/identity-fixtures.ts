// Shared setup for identity tests: an accreditor, a lab accredited as a CLIA laboratory, and
// its genomics agent with a role credential. Everything offline; clock and randomness fixed.
import { seededRandom } from '../../core/common/random.js';
import type { AccreditationCredential, RoleCredential } from '../../core/identity/credentials.js';
import { issueAccreditation, issueRoleCredential } from '../../core/identity/credentials.js';
import { StatusList, StatusRegistry } from '../../core/identity/status-list.js';
import { trustRegistry } from '../../core/identity/trust-registry.js';
import type { TrustRegistry } from '../../core/identity/trust-registry.js';
import type { AgentIdentity, OrganizationIdentity } from '../../core/identity/wallet.js';
import { Wallet } from '../../core/identity/wallet.js';

export const T0 = Date.UTC(2026, 0, 1);
export const DAY = 86_400_000;

export interface Fixture {
  accreditor: OrganizationIdentity;
  lab: OrganizationIdentity;
  labWallet: Wallet;
  agent: AgentIdentity;
  otherAgent: AgentIdentity;
  accreditation: AccreditationCredential;
  role: RoleCredential;
  labStatus: StatusList;
  status: StatusRegistry;
  registry: TrustRegistry;
}

let fixture: Promise<Fixture> | undefined;

export function identityFixture(): Promise<Fixture> {
  fixture ??= (async () => {
    const random = seededRandom('identity-fixture');
    const accreditorWallet = Wallet.empty();
    const accreditor = await accreditorWallet.createOrganization(random);
    const labWallet = Wallet.empty();
    const lab = await labWallet.createOrganization(random);
    const agent = await labWallet.createAgent('genomics', random);
    const otherAgent = await labWallet.createAgent('intake', random);
    const accreditorStatus = new StatusList('urn:murmur:status:accreditor:1', accreditor.did);
    const labStatus = new StatusList('urn:murmur:status:lab:1', lab.did);
    const status = new StatusRegistry();
    status.put(accreditorStatus);
    status.put(labStatus);
    const accreditation = await issueAccreditation(
      accreditor.issuer,
      { organization: lab.did, organizationKind: 'clia-laboratory', organizationName: 'Synthetic Genomics Lab', accreditationNumber: '99D0000001' },
      { validFrom: T0, validUntil: T0 + 365 * DAY, status: accreditorStatus.allocate(), random },
    );
    const role = await issueRoleCredential(
      lab.issuer,
      { agent: agent.did, role: 'genomics-analyst' },
      { validFrom: T0, validUntil: T0 + 30 * DAY, status: labStatus.allocate(), random },
    );
    const registry = trustRegistry({
      accreditors: [{ did: accreditor.did, name: 'Synthetic Accreditation Body', accredits: ['clia-laboratory', 'covered-entity'] }],
      rolesByKind: { 'clia-laboratory': ['genomics-analyst', 'lab-intake'], payer: ['policy', 'form'] },
    });
    return { accreditor, lab, labWallet, agent, otherAgent, accreditation, role, labStatus, status, registry };
  })();
  return fixture;
}
