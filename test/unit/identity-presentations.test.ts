import { test } from 'node:test';
import assert from 'node:assert/strict';
import { issueRoleCredential } from '../../core/identity/credentials.js';
import type { PresentationVerdict, RejectionCode, VerificationContext } from '../../core/identity/presentations.js';
import { clearPresentationCache, createPresentation, presentationCounts, verifyCredential, verifyPresentation } from '../../core/identity/presentations.js';
import { cachedVerifyKeys, clearVerifyKeyCache } from '../../core/crypto/signing.js';
import { StatusRegistry } from '../../core/identity/status-list.js';
import { trustRegistry } from '../../core/identity/trust-registry.js';
import { Wallet } from '../../core/identity/wallet.js';
import { seededRandom } from '../../core/common/random.js';
import { DAY, T0, identityFixture } from './identity-fixtures.js';

const NOW = T0 + DAY;
const expect = { challenge: 'nonce-1', domain: 'st-genomics', now: NOW, roles: ['genomics-analyst'] };

function codes(v: PresentationVerdict): RejectionCode[] {
  assert.equal(v.ok, false, 'expected a rejection');
  return v.ok ? [] : v.reasons.map((r) => r.code);
}

async function context(): Promise<VerificationContext> {
  const f = await identityFixture();
  return { registry: f.registry, status: f.status, ledger: new Set<string>() };
}

test('a valid presentation verifies with a typed verdict', async () => {
  const f = await identityFixture();
  const vp = await createPresentation({
    holder: f.agent.signer,
    credentials: [f.role, f.accreditation],
    challenge: 'nonce-1',
    domain: 'st-genomics',
    now: NOW,
  });
  const v = await verifyPresentation(vp, { ...expect, holder: f.agent.did }, await context());
  assert.ok(v.ok, JSON.stringify(v));
  assert.equal(v.role, 'genomics-analyst');
  assert.equal(v.organization, f.lab.did);
  assert.equal(v.organizationKind, 'clia-laboratory');
  assert.equal(v.accreditor, f.accreditor.did);
});

test('an expired role credential fails with reason "expired"', async () => {
  const f = await identityFixture();
  const vp = await createPresentation({
    holder: f.agent.signer,
    credentials: [f.role, f.accreditation],
    challenge: 'nonce-1',
    domain: 'st-genomics',
    now: NOW,
  });
  const v = await verifyPresentation(vp, { ...expect, now: T0 + 31 * DAY }, await context());
  assert.deepEqual(codes(v), ['expired']);
  assert.match(v.ok ? '' : v.reasons[0]!.message, /role credential .* expired at 2026-01-31T00:00:00Z/);
});

test('a revoked role credential fails with reason "revoked"; an unknown status list fails closed', async () => {
  const f = await identityFixture();
  const random = seededRandom('revoke');
  const entry = f.labStatus.allocate();
  const role = await issueRoleCredential(
    f.lab.issuer,
    { agent: f.agent.did, role: 'genomics-analyst' },
    { validFrom: T0, validUntil: T0 + 30 * DAY, status: entry, random },
  );
  const vp = await createPresentation({ holder: f.agent.signer, credentials: [role, f.accreditation], challenge: 'nonce-1', domain: 'st-genomics', now: NOW });
  assert.ok((await verifyPresentation(vp, expect, await context())).ok);
  f.labStatus.revoke(Number(entry.statusListIndex));
  const v = await verifyPresentation(vp, expect, await context());
  assert.deepEqual(codes(v), ['revoked']);
  const noLists = await verifyPresentation(vp, expect, { registry: f.registry, status: new StatusRegistry() });
  assert.deepEqual(codes(noLists), ['status-unknown', 'status-unknown']);
});

test('a wrong-role credential fails with reason "wrong-role"', async () => {
  const f = await identityFixture();
  const vp = await createPresentation({
    holder: f.agent.signer,
    credentials: [f.role, f.accreditation],
    challenge: 'nonce-1',
    domain: 'st-genomics',
    now: NOW,
  });
  const v = await verifyPresentation(vp, { ...expect, roles: ['drug-interaction'] }, await context());
  assert.deepEqual(codes(v), ['wrong-role']);
  assert.match(v.ok ? '' : v.reasons[0]!.message, /role "genomics-analyst" may not do this; allowed: drug-interaction/);
});

test('a role the organization kind may not confer, or an untrusted accreditor, is rejected', async () => {
  const f = await identityFixture();
  const role = await issueRoleCredential(f.lab.issuer, { agent: f.agent.did, role: 'policy' }, { validFrom: T0, validUntil: T0 + DAY * 30 });
  const vp = await createPresentation({ holder: f.agent.signer, credentials: [role, f.accreditation], challenge: 'nonce-1', domain: 'st-genomics', now: NOW });
  assert.deepEqual(codes(await verifyPresentation(vp, { ...expect, roles: [] }, await context())), ['role-not-conferrable']);
  const strangers = trustRegistry({ accreditors: [], rolesByKind: { 'clia-laboratory': ['genomics-analyst'] } });
  const vp2 = await createPresentation({
    holder: f.agent.signer,
    credentials: [f.role, f.accreditation],
    challenge: 'nonce-1',
    domain: 'st-genomics',
    now: NOW,
  });
  assert.deepEqual(codes(await verifyPresentation(vp2, expect, { registry: strangers, status: f.status })), ['untrusted-accreditor']);
});

test('a replayed presentation is rejected: same challenge reused, or another domain', async () => {
  const f = await identityFixture();
  const ctx = await context();
  const vp = await createPresentation({
    holder: f.agent.signer,
    credentials: [f.role, f.accreditation],
    challenge: 'nonce-1',
    domain: 'st-genomics',
    now: NOW,
  });
  assert.ok((await verifyPresentation(vp, expect, ctx)).ok);
  assert.deepEqual(codes(await verifyPresentation(vp, expect, ctx)), ['replayed']);
  assert.deepEqual(codes(await verifyPresentation(vp, { ...expect, domain: 'st-other' }, await context())), ['domain-mismatch']);
  assert.deepEqual(codes(await verifyPresentation(vp, { ...expect, challenge: 'nonce-2' }, await context())), ['challenge-mismatch']);
});

test('a presentation edited after signing, or presented by another agent, is rejected', async () => {
  const f = await identityFixture();
  const vp = await createPresentation({
    holder: f.agent.signer,
    credentials: [f.role, f.accreditation],
    challenge: 'nonce-1',
    domain: 'st-genomics',
    now: NOW,
  });
  // retarget the proof to another domain without re-signing: the signature no longer holds
  const forged = { ...vp, proof: { ...vp.proof, domain: 'st-other' } };
  const v = await verifyPresentation(forged, { ...expect, domain: 'st-other' }, await context());
  assert.deepEqual(codes(v), ['proof-invalid']);
  // an edited role inside the credential breaks the issuer's signature
  const edited = structuredClone(vp);
  (edited.verifiableCredential[0] as { credentialSubject: { role: string } }).credentialSubject.role = 'genomics-analyst';
  (edited.verifiableCredential[0] as { validUntil: string }).validUntil = '2027-01-01T00:00:00Z';
  assert.ok(codes(await verifyPresentation(edited, expect, await context())).includes('proof-invalid'));
  // another agent of the same lab cannot present the genomics agent's credential
  const stolen = await createPresentation({
    holder: f.otherAgent.signer,
    credentials: [f.role, f.accreditation],
    challenge: 'nonce-1',
    domain: 'st-genomics',
    now: NOW,
  });
  assert.ok(codes(await verifyPresentation(stolen, expect, await context())).includes('missing-role-credential'));
  assert.deepEqual(codes(await verifyPresentation(vp, { ...expect, holder: f.otherAgent.did }, await context())), ['holder-mismatch']);
  assert.deepEqual(codes(await verifyPresentation({ hello: 1 }, expect, await context())), ['malformed']);
});

test('a role credential issued by an unaccredited organization is rejected', async () => {
  const f = await identityFixture();
  const rogueWallet = Wallet.empty();
  const rogue = await rogueWallet.createOrganization(seededRandom('rogue'));
  const role = await issueRoleCredential(rogue.issuer, { agent: f.agent.did, role: 'genomics-analyst' }, { validFrom: T0, validUntil: T0 + 30 * DAY });
  const vp = await createPresentation({ holder: f.agent.signer, credentials: [role, f.accreditation], challenge: 'nonce-1', domain: 'st-genomics', now: NOW });
  assert.deepEqual(codes(await verifyPresentation(vp, expect, await context())), ['missing-accreditation']);
});

test('verifyCredential checks one credential: valid, expired, untrusted', async () => {
  const f = await identityFixture();
  const ok = await verifyCredential(f.accreditation, { now: NOW }, { status: f.status, registry: f.registry });
  assert.ok(ok.ok);
  const late = await verifyCredential(f.accreditation, { now: T0 + 400 * DAY }, { status: f.status });
  assert.equal(late.ok ? '' : late.reasons[0]!.code, 'expired');
  const untrusted = await verifyCredential(f.accreditation, { now: NOW }, { status: f.status, registry: trustRegistry({ accreditors: [], rolesByKind: {} }) });
  assert.equal(untrusted.ok ? '' : untrusted.reasons[0]!.code, 'untrusted-accreditor');
});

test('a proof check kept from an earlier verification never answers for edited bytes, another time or a spent challenge', async () => {
  const f = await identityFixture();
  const vp = await createPresentation({
    holder: f.agent.signer,
    credentials: [f.role, f.accreditation],
    challenge: 'nonce-1',
    domain: 'st-genomics',
    now: NOW,
  });
  // Another replica in the same process verifies the same entry: the same verdict.
  assert.ok((await verifyPresentation(vp, expect, await context())).ok);
  assert.ok((await verifyPresentation(structuredClone(vp), expect, await context())).ok);
  // The same bytes with one field edited are checked afresh, and refused.
  const edited = structuredClone(vp);
  (edited.proof as { created?: string }).created = '2026-01-05T00:00:00Z';
  assert.deepEqual(codes(await verifyPresentation(edited, expect, await context())), ['proof-invalid']);
  // A credential given a longer life than issued: its proof and the presentation's (which covers it) fail.
  const longer = structuredClone(vp);
  longer.verifiableCredential[0]!.validUntil = '2027-01-01T00:00:00Z';
  assert.deepEqual(codes(await verifyPresentation(longer, expect, await context())), ['proof-invalid', 'proof-invalid']);
  const resigned = structuredClone(vp);
  resigned.proof.proofValue = `${resigned.proof.proofValue.slice(0, -4)}AAAA`;
  assert.deepEqual(codes(await verifyPresentation(resigned, expect, await context())), ['proof-invalid']);
  // Later, once the credential has expired, the kept check does not stand in for the time check.
  assert.deepEqual(codes(await verifyPresentation(vp, { ...expect, now: T0 + 31 * DAY }, await context())), ['expired']);
  // A replica that has spent the challenge still refuses the replay.
  const ctx = await context();
  assert.ok((await verifyPresentation(vp, expect, ctx)).ok);
  assert.deepEqual(codes(await verifyPresentation(vp, expect, ctx)), ['replayed']);
});

test('a credential checked once is not taken on trust when edited and presented again under a fresh, valid holder signature', async () => {
  const f = await identityFixture();
  const present = (credentials: Parameters<typeof createPresentation>[0]['credentials'], challenge: string) =>
    createPresentation({ holder: f.agent.signer, credentials, challenge, domain: 'st-genomics', now: NOW });
  const before = presentationCounts().credentialsFull;
  assert.ok((await verifyPresentation(await present([f.role, f.accreditation], 'nonce-a'), { ...expect, challenge: 'nonce-a' }, await context())).ok);
  // A second presentation of the same two credentials: both credential proofs come from the first check.
  assert.ok((await verifyPresentation(await present([f.role, f.accreditation], 'nonce-b'), { ...expect, challenge: 'nonce-b' }, await context())).ok);
  assert.ok(presentationCounts().credentialsFull - before <= 2);
  // The holder signs a presentation over an edited role credential: its own proof holds, the
  // issuer's does not, and the edited credential is named.
  const edited = structuredClone(f.role);
  edited.validUntil = new Date(T0 + 29 * DAY).toISOString().replace(/\.\d+Z$/, 'Z');
  const v = await verifyPresentation(await present([edited, f.accreditation], 'nonce-c'), { ...expect, challenge: 'nonce-c' }, await context());
  assert.deepEqual(codes(v), ['proof-invalid']);
  assert.equal(v.ok ? '' : v.reasons[0]!.credentialId, f.role.id);
  // A presentation that is not a VerifiablePresentation's shape is refused before any proof.
  const vp = await present([f.role, f.accreditation], 'nonce-d');
  assert.deepEqual(
    codes(await verifyPresentation({ ...vp, '@context': ['https://example.org/other'] }, { ...expect, challenge: 'nonce-d' }, await context())),
    ['proof-invalid'],
  );
});

test("a presentation's signatures are checked through the kept key objects, not a key rebuilt per verify", async () => {
  const f = await identityFixture();
  const vp = await createPresentation({
    holder: f.agent.signer,
    credentials: [f.role, f.accreditation],
    challenge: 'nonce-k',
    domain: 'st-genomics',
    now: NOW,
  });
  clearPresentationCache();
  clearVerifyKeyCache();
  const v = await verifyPresentation(vp, { ...expect, challenge: 'nonce-k', holder: f.agent.did }, await context());
  assert.ok(v.ok, JSON.stringify(v));
  // The holder's key and both issuers' (the lab's, the accreditor's): the library's own
  // verifier built a KeyObject from the bytes on every signature and kept none.
  assert.equal(cachedVerifyKeys(), 3);
});

// New proofs are eddsa-jcs-2022 (canonical JSON); a credential issued earlier under
// eddsa-rdfc-2022 (canonical RDF) must still verify, and an edit must still break either.
test('proofs are made with eddsa-jcs-2022; an eddsa-rdfc-2022 credential issued before still verifies, and edited fails', async () => {
  const f = await identityFixture();
  assert.equal(f.role.proof.cryptosuite, 'eddsa-jcs-2022');
  const presentation = await createPresentation({
    holder: f.agent.signer,
    credentials: [f.role, f.accreditation],
    challenge: 'n-jcs',
    domain: 'st-jcs',
    now: NOW,
  });
  assert.equal(presentation.proof.cryptosuite, 'eddsa-jcs-2022');

  const vc = await import('@digitalbazaar/vc');
  const { DataIntegrityProof } = await import('@digitalbazaar/data-integrity');
  const { cryptosuite: rdfc } = await import('@digitalbazaar/eddsa-rdfc-2022-cryptosuite');
  const { dataIntegritySigner } = await import('../../core/identity/credentials.js');
  const { documentLoader } = await import('../../core/identity/document-loader.js');
  const { proof: _proof, ...unsigned } = f.accreditation;
  const earlier = (await vc.issue({
    credential: { ...unsigned, id: 'urn:murmur:credential:rdfc-earlier' },
    suite: new DataIntegrityProof({ signer: dataIntegritySigner(f.accreditor.issuer), cryptosuite: rdfc, date: unsigned.validFrom }),
    documentLoader: documentLoader(),
  })) as typeof f.accreditation;
  assert.equal(earlier.proof.cryptosuite, 'eddsa-rdfc-2022');
  const ok = await verifyCredential(earlier, { now: NOW }, { status: f.status, registry: f.registry });
  assert.ok(ok.ok, JSON.stringify(ok));
  const edited = { ...earlier, credentialSubject: { ...earlier.credentialSubject, organizationName: 'Someone Else' } };
  const bad = await verifyCredential(edited, { now: NOW }, { status: f.status, registry: f.registry });
  assert.equal(bad.ok ? '' : bad.reasons[0]!.code, 'proof-invalid');
});
