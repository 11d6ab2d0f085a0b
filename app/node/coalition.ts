import type { BatchVerify } from '../../core/board/batch-verify.js';
import { join } from 'node:path';
import type { BoardStore } from '../../core/board/store.js';
import type { Clock } from '../../core/common/clock.js';
import { systemClock } from '../../core/common/clock.js';
import { MurmurError } from '../../core/common/errors.js';
import type { Logger } from '../../core/common/log.js';
import { silentLogger } from '../../core/common/log.js';
import type { Random } from '../../core/common/random.js';
import { cryptoRandom } from '../../core/common/random.js';
import { chainResolvers, didKeyResolver } from '../../core/crypto/did-key.js';
import { didPeerResolver } from '../../core/crypto/did-peer.js';
import { memoizedResolver, type Signer } from '../../core/crypto/signing.js';
import type { CaseState } from '../../core/coordination/case-state.js';
import type { ReducerConfig } from '../../core/coordination/reducer.js';
import { northwindZolgensmaPolicy, type CoveragePolicy } from '../../core/agents/clinical/policy.js';
import type { Decision, FhirResource } from '../../core/agents/clinical/types.js';
import { noForms, noProofs, type CaseDataRef, type ClinicalDataPort, type PasFormPort } from '../../core/agents/ports.js';
import { credentialedCoalition, type Charter, type CredentialedOrg } from './charter.js';
import { bareOrgIdentity, type OrgIdentity, type OrgSpec } from './identity.js';
import { OrgNode } from './org-node.js';
import type { KeyVault } from '../../core/agents/runtime/section-access.js';
import { clinicalProofPort } from './zk-port.js';
import { newZkSigningKey } from '../../core/zk/index.js';
import { REFERENCE_ORGS, STARTING_REPUTATION } from './reference-coalition.js';

export interface CoalitionOptions {
  store: BoardStore;
  /** Each organization's FHIR adapter (in the embedded default they read one server). */
  data: (org: OrgSpec) => ClinicalDataPort;
  forms: PasFormPort;
  orgs?: readonly OrgSpec[];
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /**
   * Selective disclosure and credentials (default on): DIDs from wallets, verifiable
   * presentations on cards and claims, sealed sections, key grants, audit trails. Off runs
   * the same coordination with did:key signatures and plaintext sections (a baseline).
   */
  privacy?: boolean;
  /**
   * Zero-knowledge clinical predicates: the lab proves the genetic and titer criteria, the
   * payer verifies (default off: the circuit keys take minutes to build the first time).
   */
  proofs?: boolean;
  /** Zero-knowledge role proofs instead of presentations on claims and access requests. */
  zkRoles?: boolean;
  /** Folder for each organization's audit trail (`<id>.jsonl`); in memory when absent. */
  auditDir?: string;
  /** Folder for the tree heads each organization signs as a witness of the board (`<id>.jsonl`); none when absent. */
  headsDir?: string;
  /** Folder for each organization's frozen settled cases (`<id>.cold.db`); all in memory when absent. */
  coldDir?: string;
  /** Where the replicas check signatures of long catch-ups (verify-pool.ts); in line when absent. */
  batchVerify?: BatchVerify;
  /** How long a quiet board waits for members' Ticks while a case is open (OrgNode.beaconMs). */
  beaconMs?: number;
  /** Fold settings every node shares (e.g. a short inputs deadline in tests). */
  reducer?: Omit<Partial<ReducerConfig>, 'genesisReputation'>;
  /** Credential options for tests (e.g. a wrong role or an expired credential). */
  roleOverride?: (agentName: string) => { role?: string; validUntil?: number } | undefined;
  /** Identities made before (a restarted run's, from its data folder): used instead of new ones. */
  identities?: { charter: Charter; identities: OrgIdentity[]; orgs?: CredentialedOrg[] };
  /** Where each organization keeps the content keys it sealed with (in memory when absent). */
  vault?: (org: OrgSpec) => KeyVault;
}

export interface Coalition {
  nodes: OrgNode[];
  payer: OrgNode;
  charter?: Charter;
  /** The organizations' wallets (privacy on). */
  orgs?: CredentialedOrg[];
  /** The accreditor's issuing key, when this coalition made its identities (it signs accreditation revocations). */
  accreditor?: Signer;
  stop(): Promise<void>;
}

/** Starts every organization's node on one board (the embedded, single-machine default). */
export async function startCoalition(o: CoalitionOptions): Promise<Coalition> {
  const orgs = o.orgs ?? REFERENCE_ORGS;
  const random = o.random ?? cryptoRandom;
  const clock = o.clock ?? systemClock;
  let charter: Charter | undefined;
  let credentialed: CredentialedOrg[] | undefined;
  let accreditor: Signer | undefined;
  let identities: OrgIdentity[];
  if (o.identities) {
    charter = o.identities.charter;
    credentialed = o.identities.orgs;
    identities = o.identities.identities;
  } else if (o.privacy ?? true) {
    const made = await credentialedCoalition(orgs, {
      random,
      clock,
      ...(o.zkRoles ? { zkRoles: true } : {}),
      ...(o.roleOverride ? { roleOverride: o.roleOverride } : {}),
    });
    charter = made.charter;
    credentialed = made.orgs;
    accreditor = made.accreditor;
    identities = made.orgs.map((x) => x.identity);
  } else {
    identities = orgs.map((spec) => bareOrgIdentity(spec, random));
  }
  const keys = memoizedResolver(chainResolvers(didKeyResolver, didPeerResolver));
  const genesis: Record<string, number> = {};
  orgs.forEach((spec, i) => {
    for (const a of spec.agents) {
      const rep = STARTING_REPUTATION[a.name];
      if (rep !== undefined) genesis[identities[i]!.agents.get(a.name)!.did] = rep;
    }
  });
  if (charter) charter.genesisReputation = genesis;
  const proofPorts = o.proofs
    ? await Promise.all(orgs.map(async (spec) => clinicalProofPort(spec.kind === 'clia-laboratory' ? await newZkSigningKey(random) : undefined, random)))
    : undefined;
  const nodes = orgs.map(
    (spec, i) =>
      new OrgNode({
        spec,
        identity: identities[i]!,
        store: o.store,
        keys,
        data: o.data(spec),
        forms: spec.kind === 'payer' ? o.forms : noForms,
        clock,
        random,
        logger: o.logger ?? silentLogger,
        reducer: { ...o.reducer, genesisReputation: genesis },
        ...(o.beaconMs !== undefined ? { beaconMs: o.beaconMs } : {}),
        ...(charter ? { charter } : {}),
        ...(o.auditDir ? { auditPath: join(o.auditDir, `${spec.id}.jsonl`) } : {}),
        ...(o.headsDir ? { headsPath: join(o.headsDir, `${spec.id}.jsonl`) } : {}),
        ...(o.coldDir ? { coldPath: join(o.coldDir, `${spec.id}.cold.db`) } : {}),
        ...(o.batchVerify ? { batchVerify: o.batchVerify } : {}),
        ...(o.vault ? { vault: o.vault(spec) } : {}),
        proofs: proofPorts ? proofPorts[i]! : noProofs,
      }),
  );
  for (const n of nodes) await n.start();
  const payer = nodes.find((n) => n.spec.kind === 'payer');
  if (!payer) throw new MurmurError('E_INPUT', 'a coalition needs a payer organization');
  return {
    nodes,
    payer,
    ...(charter ? { charter } : {}),
    ...(credentialed ? { orgs: credentialed } : {}),
    ...(accreditor ? { accreditor } : {}),
    stop: async () => void (await Promise.all(nodes.map((n) => n.stop()))),
  };
}

export interface CaseResult {
  caseId: string;
  outcome: Decision['outcome'];
  decision: Decision;
  claimResponse: FhirResource;
  case: CaseState;
}

/** Opens a case at the payer and resolves when the coalition has dissolved and scored it. */
export async function runCase(
  coalition: Coalition,
  ref: CaseDataRef,
  opts: { policy?: CoveragePolicy; service?: { system: string; code: string }; priority?: 'standard' | 'expedited'; timeoutMs?: number } = {},
): Promise<CaseResult> {
  const caseId = await coalition.payer.submitCase(ref, opts.policy ?? northwindZolgensmaPolicy, undefined, opts.service, opts.priority);
  return awaitCase(coalition, caseId, opts.timeoutMs);
}

/** Resolves when a case already on the board (this run's, or an earlier run's) is dissolved and scored. */
export async function awaitCase(coalition: Coalition, caseId: string, timeoutMs = 60_000): Promise<CaseResult> {
  const payer = coalition.payer;
  const c = await waitFor(payer, caseId, (x) => x.reputation !== undefined, timeoutMs);
  const read = (subtask: string, name: string): Promise<unknown> => payer.readArtifact(c, subtask, name);
  const decision = (await read('coverage-determination', 'decision')) as Decision | undefined;
  const claimResponse = (await read('pas-response', 'claim-response')) as FhirResource | undefined;
  if (!decision || !claimResponse || !c.outcome) throw new MurmurError('E_INTERNAL', `case ${caseId} ended without a decision`);
  return { caseId, outcome: decision.outcome, decision, claimResponse, case: c };
}

function waitFor(node: OrgNode, caseId: string, done: (c: CaseState) => boolean, timeoutMs: number): Promise<CaseState> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const c = node.replica.state.cases.get(caseId);
      if (c && done(c)) {
        stop();
        clearTimeout(timer);
        resolve(c);
        return true;
      }
      return false;
    };
    const stop = node.replica.onRecord(() => void check());
    const timer = setTimeout(() => {
      stop();
      const c = node.replica.state.cases.get(caseId);
      reject(new MurmurError('E_TIMEOUT', `case ${caseId} did not finish within ${timeoutMs} ms (status ${c?.status ?? 'unknown'})`));
    }, timeoutMs);
    check();
  });
}
