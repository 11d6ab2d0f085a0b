import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bodyOf, envelopeId, type Envelope } from '../../core/board/envelope.js';
import type { MemoryBoardStore } from '../../core/board/memory-store.js';
import type { BoardStore } from '../../core/board/store.js';
import type { StoredEntry } from '../../core/board/store.js';
import { CARD_DOMAIN, cardChallenge, claimChallenge } from '../../core/access/challenges.js';
import { sectionsDigest } from '../../core/coordination/rules/execution.js';
import { runCase, type Coalition } from '../../app/node/coalition.js';
import { charterFromJson, charterToJson, type Charter } from '../../app/node/charter.js';
import { credentialAdmission } from '../../core/access/admission.js';
import { attestRevocation } from '../../core/identity/revocation-attestation.js';
import { ACCESS_KINDS } from '../../core/access/rules.js';
import { BoardReplica } from '../../core/agents/runtime/replica.js';
import { northwindZolgensmaPolicy } from '../../core/agents/clinical/policy.js';
import { REFERENCE_CAPABILITIES } from '../../core/coordination/roles.js';
import { DEFAULT_BOARD_TIME } from '../../core/board/board-time.js';
import { chainResolvers, didKeyResolver } from '../../core/crypto/did-key.js';
import { didPeerResolver } from '../../core/crypto/did-peer.js';
import type { BundleDataPort } from '../support/bundle-port.js';
import { agentNamed, MEMORY_REF, memoryCoalition } from '../support/coalition.js';

/**
 * Attacks by a hostile member (the lab, signing with its own real keys) and a hostile board
 * host on a coalition of four org nodes with privacy on. Each must be refused by every
 * replica's fold, and the case must still reach its fault-free decision.
 */

async function withCoalition<T>(fn: (c: Coalition, store: MemoryBoardStore, port: BundleDataPort) => Promise<T>): Promise<T> {
  const { coalition, store, port } = await memoryCoalition('reference');
  try {
    return await fn(coalition, store, port);
  } finally {
    await coalition.stop();
  }
}

const labNode = (c: Coalition) => c.nodes.find((n) => n.spec.id === 'helix')!;
const presenterOf = (c: Coalition, org: string, name: string) => c.orgs!.find((o) => o.spec.id === org)!.identity.agents.get(name)!.presenter!;

/** The fault-free decision of the reference case: approved, with the CYP2D6 caveat. */
function assertReferenceDecision(result: Awaited<ReturnType<typeof runCase>>): void {
  assert.equal(result.outcome, 'approved');
  assert.ok(
    result.decision.caveats.some((x) => /metoclopramide/i.test(x.text)),
    'the pharmacogenomic caveat',
  );
  assert.equal(result.case.outcome?.subtask, 'coverage-determination');
}

/**
 * An auditor's re-fold of the whole board with the charter as it was issued (no local status
 * changes): its verdicts must equal the payer's, up to what the auditor folded.
 */
async function refoldAsAuditor(c: Coalition, store: BoardStore): Promise<{ audit: BoardReplica; charter: Charter }> {
  const charter = charterFromJson(JSON.parse(JSON.stringify(charterToJson(c.charter!))));
  const audit = new BoardReplica(
    store,
    chainResolvers(didKeyResolver, didPeerResolver),
    { genesisReputation: charter.genesisReputation, requireCredentials: true, requireSealed: true, capabilities: REFERENCE_CAPABILITIES },
    credentialAdmission({ registry: charter.registry, status: charter.status, ...(charter.zkIssuers ? { zkIssuers: charter.zkIssuers } : {}) }),
    ACCESS_KINDS,
    DEFAULT_BOARD_TIME,
  );
  await audit.catchUp();
  const upTo = audit.fold.lastIndex;
  const verdicts = (records: Iterable<{ index: number; status: string; reason?: string }>) =>
    [...records].filter((r) => r.index <= upTo).map((r) => `${r.index} ${r.status} ${r.reason ?? ''}`);
  assert.deepEqual(verdicts(audit.fold.records), verdicts(c.payer.replica.fold.records));
  return { audit, charter };
}

/** The verdict every node's fold reached on an envelope (they must agree). */
function verdictOf(c: Coalition, id: string): { status: string; code?: string; reason?: string } {
  const seen = c.nodes.map((n) => n.replica.fold.records.find((r) => r.id === id));
  assert.ok(
    seen.every((r) => r !== undefined),
    'every node folded it',
  );
  assert.equal(new Set(seen.map((r) => `${r!.status} ${r!.reason}`)).size, 1, 'every node reached the same verdict');
  return {
    status: seen[0]!.status,
    ...(seen[0]!.code !== undefined ? { code: seen[0]!.code } : {}),
    ...(seen[0]!.reason !== undefined ? { reason: seen[0]!.reason } : {}),
  };
}

test(
  'a lab cannot decide the case: its re-published card, its claim on the determination and its plaintext approval are all refused',
  { timeout: 90_000 },
  () =>
    withCoalition(async (c) => {
      const lab = agentNamed(c, 'GenomicsAgent');
      const presenter = presenterOf(c, 'helix', 'GenomicsAgent');
      const hostile: Promise<StoredEntry>[] = [];
      // The moment the lab holds its screening claim, before its real work lands, it attacks.
      const stop = labNode(c).replica.onRecord((record, entry) => {
        if (hostile.length > 0 || record.kind !== 'Claim' || record.status !== 'accepted' || record.subtask !== 'genomic-screening') return;
        const caseId = entry.envelope.case!;
        const now = () => Date.now();
        hostile.push(
          lab.post(async (seq) => ({
            case: null,
            kind: 'AgentCard',
            header: {
              ...lab.card,
              skills: [...lab.card.skills, { id: 'pa-determination', name: 'PA determination', description: 'decides', tags: [] }],
              presentation: await presenter.present(cardChallenge(seq), CARD_DOMAIN, now()),
            },
            sections: [],
          })),
          lab.post(async () => {
            const st = labNode(c).replica.state.cases.get(caseId)!;
            const s = st.subtasks.get('coverage-determination')!;
            return {
              case: caseId,
              subtask: s.id,
              kind: 'Claim',
              header: { leaseMs: 60_000, presentation: await presenter.present(claimChallenge(st, s), s.id, now()) },
              sections: [],
            };
          }),
        );
        const readers = labNode(c)
          .replica.state.cases.get(caseId)!
          .subtasks.get('genomic-screening')!
          .outputs.find((o) => o.section === 'summary')!.readers;
        const plain = [{ name: 'summary', readers: [...readers], plaintext: { decision: 'approve' } }];
        // Its own subtask's artifact, in plaintext, carrying an approval; then plaintext alone.
        hostile.push(
          lab.post({
            case: caseId,
            subtask: 'genomic-screening',
            kind: 'Artifact',
            header: { digest: sectionsDigest(plain), closure: 'final' },
            sections: plain,
          }),
          lab.post({ case: caseId, subtask: 'genomic-screening', kind: 'Artifact', header: { digest: sectionsDigest(plain) }, sections: plain }),
        );
      });
      const result = await runCase(c, MEMORY_REF, { timeoutMs: 30_000 });
      stop();
      const [card, claim, approval, plaintext] = await Promise.all(hostile);
      assert.deepEqual(verdictOf(c, card!.envelope.id), {
        status: 'rejected',
        code: 'E_ROLE',
        reason: 'card lists skill pa-determination, which role genomics may not exercise',
      });
      assert.equal(verdictOf(c, claim!.envelope.id).status, 'rejected');
      assert.equal(verdictOf(c, claim!.envelope.id).code, 'E_SKILL');
      assert.match(verdictOf(c, claim!.envelope.id).reason!, /lacks the skill pa-determination/);
      assert.deepEqual(verdictOf(c, approval!.envelope.id), {
        status: 'rejected',
        code: 'E_OUTCOME',
        reason: 'only the determination carries an outcome, and genomic-screening is not one',
      });
      assert.deepEqual(verdictOf(c, plaintext!.envelope.id), { status: 'rejected', code: 'E_DISCLOSURE', reason: 'section summary is not sealed' });
      assertReferenceDecision(result);
      assert.equal(result.case.subtasks.get('coverage-determination')!.artifact!.author, agentNamed(c, 'PolicyReasoner').did);
    }),
);

test("a board host cannot burn a member's credential: a bad-signature copy of its claim, stored first, spends nothing", { timeout: 90_000 }, () =>
  withCoalition(async (c, store) => {
    const lab = agentNamed(c, 'GenomicsAgent').did;
    const forged: Envelope[] = [];
    const append = store.append.bind(store);
    // The host stores a copy of the lab's first claim, with its signature altered, just before the real one.
    store.append = async (env) => {
      if (forged.length === 0 && env.kind === 'Claim' && env.author.startsWith(lab)) {
        const sig = (env.sig[0] === 'A' ? 'B' : 'A') + env.sig.slice(1);
        forged.push({ ...env, sig, id: envelopeId(bodyOf(env), sig) });
        await append(forged[0]!);
      }
      return append(env);
    };
    const result = await runCase(c, MEMORY_REF, { timeoutMs: 30_000 });
    assert.equal(forged.length, 1);
    assert.deepEqual(verdictOf(c, forged[0]!.id), { status: 'rejected', code: 'E_SIGNATURE', reason: 'signature does not verify' });
    const real = c.payer.replica.fold.records.find(
      (r) => r.kind === 'Claim' && r.author === forged[0]!.author && r.index > c.payer.replica.fold.records.find((x) => x.id === forged[0]!.id)!.index,
    )!;
    assert.deepEqual(verdictOf(c, real.id), { status: 'accepted' });
    assertReferenceDecision(result);
  }),
);

test(
  'a copy of an access request with its id but another signature, stored first, is refused by the store: the real one is stored, read as accepted, and granted',
  { timeout: 90_000 },
  () =>
    withCoalition(async (c, store) => {
      const forged: Envelope[] = [];
      const refusals: string[] = [];
      const append = store.append.bind(store);
      // The copy keeps the real envelope's id; only its signature is altered. Before the fix the
      // store took it, the real append became a no-op "duplicate", and the case stalled.
      store.append = async (env) => {
        if (forged.length === 0 && env.kind === 'AccessRequest') {
          forged.push({ ...env, sig: (env.sig[0] === 'A' ? 'B' : 'A') + env.sig.slice(1) });
          await append(forged[0]!).catch((e: Error) => refusals.push(e.message));
        }
        return append(env);
      };
      const result = await runCase(c, MEMORY_REF, { timeoutMs: 30_000 });
      assert.equal(forged.length, 1);
      assert.deepEqual(refusals, ['envelope rejected by the store: id: not the SHA-256 of its canonical content']);
      const id = forged[0]!.id;
      for (const n of c.nodes) {
        assert.deepEqual(
          n.replica.fold.records.filter((r) => r.id === id).map((r) => r.status),
          ['accepted'],
          `${n.spec.id} folded the real request once`,
        );
        assert.equal(n.replica.fold.record(id)?.status, 'accepted');
      }
      assertReferenceDecision(result);
    }),
);

test('one hiccup does not lock an agent out: after its Release the same agent claims again with a fresh challenge', { timeout: 90_000 }, () =>
  withCoalition(async (c, _store, port) => {
    port.failNext.add('helix'); // the lab's first read of the record fails: it releases its claim
    const result = await runCase(c, MEMORY_REF, { timeoutMs: 30_000 });
    const lab = agentNamed(c, 'GenomicsAgent').did;
    const mine = (kind: string) => c.payer.replica.fold.records.filter((r) => r.kind === kind && r.subtask === 'genomic-screening' && r.author.startsWith(lab));
    assert.deepEqual(
      mine('Release').map((r) => r.status),
      ['accepted'],
    );
    assert.deepEqual(
      mine('Claim').map((r) => [r.status, r.reason]),
      [
        ['accepted', undefined],
        ['accepted', undefined],
      ],
    );
    const [first, second] = mine('Claim').map((r) => c.payer.replica.entry(r.id)!.envelope.header.presentation as { proof?: { challenge?: string } });
    assert.notEqual(first!.proof?.challenge, second!.proof?.challenge, 'each attempt is bound to its own nonce');
    assertReferenceDecision(result);
  }),
);

test("a fabricated gap is rejected by the other members' nodes and withdrawn: it blocks the determination only briefly", { timeout: 90_000 }, () =>
  withCoalition(async (c) => {
    const lab = agentNamed(c, 'GenomicsAgent');
    let posted: Promise<StoredEntry> | undefined;
    const stop = labNode(c).replica.onRecord((record, entry) => {
      if (posted || record.kind !== 'Claim' || record.status !== 'accepted' || record.subtask !== 'genomic-screening') return;
      // A skill no card offers, blocking the determination: on its own it would never be awarded.
      const subtask = { id: 'oracle-consult', title: 'Consult the oracle', deps: ['genomic-screening'], blocks: ['coverage-determination'], outputs: [] };
      posted = lab.post({
        case: entry.envelope.case!,
        kind: 'Gap',
        header: { gap: 'gap-oracle', skill: 'oracle-consult', reasonCode: 'pgx-finding', subtask },
        sections: [],
      });
    });
    const result = await runCase(c, MEMORY_REF, { timeoutMs: 30_000 });
    stop();
    assert.deepEqual(verdictOf(c, (await posted!).envelope.id), { status: 'accepted' }, 'a member may raise a gap');
    const g = result.case.gaps.get('gap-oracle')!;
    assert.ok(g.withdrawn, 'withdrawn by validation');
    assert.ok(g.rejections.length >= 2);
    assert.deepEqual(g.endorsements, []);
    const real = result.case.gaps.get('gap-genomic-screening-1')!;
    assert.equal(real.status, 'awarded');
    assert.deepEqual(real.rejections, [], 'the real gap is not rejected');
    assertReferenceDecision(result);
  }),
);

test(
  "revocation is a signed board entry: only the issuer's organization posts it, and a re-fold from the charter as issued reaches the same verdicts",
  { timeout: 90_000 },
  () =>
    withCoalition(async (c, store) => {
      const helix = c.orgs!.find((o) => o.spec.id === 'helix')!;
      // The payer cannot revoke the lab's credential; the lab's organization can.
      const forged = await agentNamed(c, 'PolicyReasoner').post({
        case: null,
        kind: 'Revocation',
        header: { ...helix.statusOf('GenomicsAgent') },
        sections: [],
      });
      const real = await labNode(c).revoke(helix.statusOf('GenomicsAgent'));
      const caseId = await c.payer.submitCase(MEMORY_REF, northwindZolgensmaPolicy);
      const lab = agentNamed(c, 'GenomicsAgent').did;
      const labClaim = () => c.payer.replica.fold.records.find((r) => r.kind === 'Claim' && r.author.startsWith(lab) && r.case === caseId);
      for (let i = 0; i < 200 && !labClaim(); i++) await new Promise((r) => setTimeout(r, 100));
      await Promise.all(c.nodes.map((n) => n.replica.catchUp()));
      assert.deepEqual(verdictOf(c, forged.envelope.id), {
        status: 'rejected',
        code: 'E_NOT_PERMITTED',
        reason: 'only an agent of the issuing organization revokes its credentials',
      });
      assert.deepEqual(verdictOf(c, real.envelope.id), { status: 'accepted' });
      assert.equal(verdictOf(c, labClaim()!.id).status, 'rejected');
      assert.equal(verdictOf(c, labClaim()!.id).code, 'E_REVOKED');
      assert.match(verdictOf(c, labClaim()!.id).reason!, /revoked/);
      // An auditor re-folds the board with the charter as it was issued (no local revocations).
      const { audit } = await refoldAsAuditor(c, store);
      await audit.stop();
    }),
);

test(
  "a gap its author never settles blocks the determination only until it decays: members' Ticks move board time on a quiet board",
  { timeout: 90_000 },
  async () => {
    const halfLifeMs = 3_000;
    const { coalition: c, store } = await memoryCoalition('reference', { reducer: { gapDecay: { halfLifeMs, threshold: 0.25 } }, beaconMs: 500 });
    try {
      const lab = agentNamed(c, 'GenomicsAgent');
      let posted: Promise<StoredEntry> | undefined;
      // The lab raises a second, well-founded gap for the skill its real gap asks for, and never
      // announces or awards it: members endorse it (their workflow supports it), and then it only
      // decays. The board is quiet meanwhile: every other subtask is done, the determination waits.
      const stop = labNode(c).replica.onRecord((record, entry) => {
        if (posted || record.kind !== 'Claim' || record.status !== 'accepted' || record.subtask !== 'genomic-screening') return;
        const subtask = { id: 'pgx-second-look', title: 'Second look', deps: ['genomic-screening'], blocks: ['coverage-determination'], outputs: [] };
        posted = lab.post({
          case: entry.envelope.case!,
          kind: 'Gap',
          header: { gap: 'gap-unsettled', skill: 'drug-interaction-analysis', reasonCode: 'pgx-finding', subtask },
          sections: [],
        });
      });
      // The first bid on the real gap is held back until members judged the lab's second gap, so
      // the real award (which would make the second gap redundant, and rejected) comes after.
      const append = store.append.bind(store);
      store.append = async (env) => {
        if (env.kind === 'Bid') {
          for (let i = 0; i < 100 && !c.payer.replica.state.cases.values().next().value?.gaps.get('gap-unsettled')?.endorsements.length; i++)
            await new Promise((r) => setTimeout(r, 50));
        }
        return append(env);
      };
      const result = await runCase(c, MEMORY_REF, { timeoutMs: 45_000 });
      stop();
      assert.deepEqual(verdictOf(c, (await posted!).envelope.id), { status: 'accepted' });
      const g = result.case.gaps.get('gap-unsettled')!;
      assert.ok(g.endorsements.length >= 1 && !g.withdrawn && g.status === 'open', 'endorsed, never withdrawn, never awarded');
      const determination = c.payer.replica.fold.records.find((r) => r.id === result.case.subtasks.get('coverage-determination')!.artifact!.id)!;
      const supported = Math.max(g.raised.at, ...g.endorsedAt);
      assert.ok(determination.at >= supported + 2 * halfLifeMs, 'the determination waited for the gap to evaporate');
      const ticks = c.payer.replica.fold.records.filter((r) => r.kind === 'Tick' && r.status === 'accepted');
      assert.ok(ticks.length > 0 && ticks.every((t) => t.case === null), 'members ticked on the quiet board');
      assertReferenceDecision(result);
    } finally {
      await c.stop();
    }
  },
);

test(
  "an organization revokes its agent's zero-knowledge role credential on the board: later role proofs are refused, by every replica and by a re-fold",
  { timeout: 120_000 },
  async () => {
    const { coalition: c, store } = await memoryCoalition('reference', { zkRoles: true });
    try {
      const helix = labNode(c).did;
      const lab = agentNamed(c, 'GenomicsAgent').did;
      // Neither the payer (not the issuer) nor the lab (for an agent that is not its own) may revoke.
      const notIssuer = await agentNamed(c, 'PolicyReasoner').post({ case: null, kind: 'Revocation', header: { issuer: helix, holder: lab }, sections: [] });
      const notOwn = await labNode(c).revoke({ issuer: helix, holder: agentNamed(c, 'PolicyReasoner').did });
      const real = await labNode(c).revoke({ issuer: helix, holder: lab });
      const caseId = await c.payer.submitCase(MEMORY_REF, northwindZolgensmaPolicy);
      const labClaim = () => c.payer.replica.fold.records.find((r) => r.kind === 'Claim' && r.author.startsWith(lab) && r.case === caseId);
      const otherClaim = () =>
        c.payer.replica.fold.records.find((r) => r.kind === 'Claim' && !r.author.startsWith(lab) && r.case === caseId && r.status === 'accepted');
      for (let i = 0; i < 300 && !(labClaim() && otherClaim()); i++) await new Promise((r) => setTimeout(r, 100));
      await Promise.all(c.nodes.map((n) => n.replica.catchUp()));
      assert.deepEqual(verdictOf(c, notIssuer.envelope.id), {
        status: 'rejected',
        code: 'E_NOT_PERMITTED',
        reason: 'only an agent of the issuing organization revokes its credentials',
      });
      assert.deepEqual(verdictOf(c, notOwn.envelope.id), {
        status: 'rejected',
        code: 'E_NOT_PERMITTED',
        reason: 'the holder is not an agent of the issuing organization',
      });
      assert.deepEqual(verdictOf(c, real.envelope.id), { status: 'accepted' });
      assert.ok(c.payer.replica.entry(labClaim()!.id)!.envelope.header.roleProof, 'the claim carries a role proof');
      assert.deepEqual(verdictOf(c, labClaim()!.id), { status: 'rejected', code: 'E_REVOKED', reason: 'claim credentials: revoked' });
      // The other agents' role proofs are not touched: their claims are accepted.
      assert.ok(c.payer.replica.entry(otherClaim()!.id)!.envelope.header.roleProof, 'another agent claims with its role proof');
      const { audit } = await refoldAsAuditor(c, store);
      await audit.stop();
    } finally {
      await c.stop();
    }
  },
);

test(
  "the accreditor revokes the lab's accreditation on the board through a relayed attestation: the lab's later claims are refused by every replica and by a re-fold; forgeries are refused",
  { timeout: 90_000 },
  () =>
    withCoalition(async (c, store) => {
      const helix = c.orgs!.find((o) => o.spec.id === 'helix')!;
      const accreditor = c.accreditor!;
      const target = helix.accreditationStatus!;
      const lab = agentNamed(c, 'GenomicsAgent').did;
      const labCard = c.payer.replica.fold.records.find((r) => r.kind === 'AgentCard' && r.author.startsWith(lab))!;
      // The lab signs with its own key under the accreditor's key id; an attestation for the next
      // entry is moved onto the lab's; the lab (not an accreditor) attests its own agent's entry.
      const labSigner = helix.wallet.organization().issuer;
      const impostor = { keyId: accreditor.keyId, publicKey: labSigner.publicKey, sign: (d: Uint8Array) => labSigner.sign(d) };
      const forged = await labNode(c).relayAccreditorRevocation(attestRevocation(impostor, target));
      const moved = await labNode(c).relayAccreditorRevocation({
        ...attestRevocation(accreditor, { ...target, index: target.index + 1 }),
        index: target.index,
      });
      const notAccreditor = await labNode(c).relayAccreditorRevocation(attestRevocation(labSigner, helix.statusOf('GenomicsAgent')));
      // Any member relays the real one: here the payer.
      const real = await c.payer.relayAccreditorRevocation(attestRevocation(accreditor, target));
      const caseId = await c.payer.submitCase(MEMORY_REF, northwindZolgensmaPolicy);
      const labClaim = () => c.payer.replica.fold.records.find((r) => r.kind === 'Claim' && r.author.startsWith(lab) && r.case === caseId);
      for (let i = 0; i < 200 && !labClaim(); i++) await new Promise((r) => setTimeout(r, 100));
      await Promise.all(c.nodes.map((n) => n.replica.catchUp()));
      assert.deepEqual(verdictOf(c, forged.envelope.id), {
        status: 'rejected',
        code: 'E_CREDENTIAL',
        reason: 'accreditor attestation: the signature does not verify for this issuer, list and index',
      });
      assert.deepEqual(verdictOf(c, moved.envelope.id), verdictOf(c, forged.envelope.id));
      assert.deepEqual(verdictOf(c, notAccreditor.envelope.id), {
        status: 'rejected',
        code: 'E_NOT_PERMITTED',
        reason: 'accreditor attestation: the issuer is not an accreditor of the trust registry',
      });
      assert.deepEqual(verdictOf(c, real.envelope.id), { status: 'accepted' });
      // The lab's card, admitted with its accreditation before the revocation, stands.
      assert.ok(labCard.index < c.payer.replica.fold.records.find((r) => r.id === real.envelope.id)!.index);
      assert.deepEqual(verdictOf(c, labCard.id), { status: 'accepted' });
      assert.deepEqual(verdictOf(c, labClaim()!.id), { status: 'rejected', code: 'E_REVOKED', reason: 'claim credentials: revoked' });
      // An auditor re-folds the board with the charter as it was issued (the accreditation not revoked there).
      const { audit, charter } = await refoldAsAuditor(c, store);
      const entry = { type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListCredential: target.list, statusListIndex: String(target.index) };
      assert.equal(charter.status.check(entry, target.issuer), 'valid');
      assert.equal(audit.fold.records.find((r) => r.id === labClaim()!.id)!.code, 'E_REVOKED');
      await audit.stop();
    }),
);
