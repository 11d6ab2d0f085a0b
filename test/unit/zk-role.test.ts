import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../core/common/random.js';
import { isMurmurError } from '../../core/common/errors.js';
import { newZkSigningKey, signPoseidon, type ZkSigningKey } from '../../core/zk/babyjub.js';
import { defaultZkBackend } from '../../core/zk/backend.js';
import { shutdownZk, type ZkProof } from '../../core/zk/prover.js';
import {
  issueZkRoleCredential,
  newZkHolder,
  proveRole,
  verifyRoleProof,
  verifyZkRoleCredential,
  type RoleProofContext,
  type ZkHolder,
  type ZkRoleCredential,
} from '../../core/zk/role.js';

const NOW = Date.UTC(2026, 0, 15, 12);
const DAY = 86_400_000;
const ctx: RoleProofContext = {
  subtaskId: 'subtask-genomics-detail',
  requesterKey: 'did:key:z6MkRequesterA',
  now: NOW,
  allowedRoles: ['drug-interaction', 'policy'],
};

describe('zk role credential', () => {
  let issuer: ZkSigningKey;
  let holder: ZkHolder;
  let cred: ZkRoleCredential;
  let valid: ZkProof;

  before(async () => {
    await defaultZkBackend(); // builds or loads the cached keys once
    const random = seededRandom('zk-role-test');
    issuer = await newZkSigningKey(random);
    holder = await newZkHolder(random);
    cred = await issueZkRoleCredential(issuer, { role: 'drug-interaction', expiresAt: NOW + 30 * DAY, holderId: holder.id });
    valid = await proveRole(cred, holder, ctx);
  });
  after(() => shutdownZk());

  const expected = (over: Partial<Parameters<typeof verifyRoleProof>[1]> = {}): Parameters<typeof verifyRoleProof>[1] => ({
    ...ctx,
    issuerPublicKey: issuer.publicKey,
    ...over,
  });

  test('the issued credential carries a valid issuer signature', async () => {
    assert.equal(await verifyZkRoleCredential(cred), true);
  });

  test('a valid proof verifies and yields a nullifier; it reveals neither expiry, holder nor which allowed role', async () => {
    const v = await verifyRoleProof(valid, expected());
    assert.deepEqual(v, { ok: true, nullifier: valid.publicSignals[0] });
    const { allowedRoleSlots } = await import('../../core/zk/role.js');
    assert.deepEqual(valid.publicSignals.slice(3, 7), allowedRoleSlots(ctx.allowedRoles));
    for (const secret of [String(cred.expiresAt), cred.holderId, holder.secret, cred.signature.S]) assert.ok(!valid.publicSignals.includes(secret));
  });

  test('the nullifier is stable per holder and subtask, and differs across subtasks', async () => {
    const again = await proveRole(cred, holder, ctx);
    assert.equal(again.publicSignals[0], valid.publicSignals[0]);
    const other = await proveRole(cred, holder, { ...ctx, subtaskId: 'subtask-other' });
    assert.notEqual(other.publicSignals[0], valid.publicSignals[0]);
  });

  test('a wrong role cannot be proven', async () => {
    const billing = await issueZkRoleCredential(issuer, { role: 'billing', expiresAt: NOW + DAY, holderId: holder.id });
    await assert.rejects(proveRole(billing, holder, ctx), (e) => isMurmurError(e, 'E_INPUT'));
  });

  test('an expired credential cannot be proven (expiry equal to now included)', async () => {
    const expired = await issueZkRoleCredential(issuer, { role: 'policy', expiresAt: NOW - 1, holderId: holder.id });
    await assert.rejects(proveRole(expired, holder, ctx), (e) => isMurmurError(e, 'E_INPUT'));
    const atNow = await issueZkRoleCredential(issuer, { role: 'policy', expiresAt: NOW, holderId: holder.id });
    await assert.rejects(proveRole(atNow, holder, ctx), (e) => isMurmurError(e, 'E_INPUT'));
  });

  test('a forged issuer signature is rejected', async () => {
    const forger = await newZkSigningKey(seededRandom('forger'));
    const own = await issueZkRoleCredential(forger, { role: 'policy', expiresAt: NOW + DAY, holderId: holder.id });
    // Claiming the trusted issuer's key with the forger's signature: no witness exists.
    const claimed: ZkRoleCredential = { ...own, issuer: issuer.publicKey };
    assert.equal(await verifyZkRoleCredential(claimed), false);
    await assert.rejects(proveRole(claimed, holder, ctx), (e) => isMurmurError(e, 'E_INPUT'));
    // A genuine proof under the forger's own key is refused by a verifier expecting the issuer.
    const p = await proveRole(own, holder, ctx);
    assert.deepEqual(await verifyRoleProof(p, expected()), { ok: false, reason: 'issuer-mismatch' });
    // A signature over different attributes does not transfer.
    const sigOther = await signPoseidon(issuer, 12345n);
    await assert.rejects(proveRole({ ...cred, signature: sigOther }, holder, ctx), (e) => isMurmurError(e, 'E_INPUT'));
  });

  test('another holder cannot use the credential (holder secret bound)', async () => {
    const thief = await newZkHolder(seededRandom('thief'));
    await assert.rejects(proveRole(cred, thief, ctx), (e) => isMurmurError(e, 'E_INPUT'));
  });

  test('a proof replayed for another subtask is rejected', async () => {
    assert.deepEqual(await verifyRoleProof(valid, expected({ subtaskId: 'subtask-other' })), { ok: false, reason: 'subtask-mismatch' });
    // Rewriting the public signal to the other subtask breaks the proof.
    const other = await proveRole(cred, holder, { ...ctx, subtaskId: 'subtask-other' });
    const forged = { proof: valid.proof, publicSignals: [...valid.publicSignals] };
    forged.publicSignals[8] = other.publicSignals[8] as string;
    forged.publicSignals[0] = other.publicSignals[0] as string;
    assert.deepEqual(await verifyRoleProof(forged, expected({ subtaskId: 'subtask-other' })), { ok: false, reason: 'invalid-proof' });
  });

  test('a proof replayed by another key is rejected', async () => {
    assert.deepEqual(await verifyRoleProof(valid, expected({ requesterKey: 'did:key:z6MkRequesterB' })), { ok: false, reason: 'key-mismatch' });
    const otherKey = await proveRole(cred, holder, { ...ctx, requesterKey: 'did:key:z6MkRequesterB' });
    const forged = { proof: valid.proof, publicSignals: [...valid.publicSignals] };
    forged.publicSignals[9] = otherKey.publicSignals[9] as string;
    assert.deepEqual(await verifyRoleProof(forged, expected({ requesterKey: 'did:key:z6MkRequesterB' })), { ok: false, reason: 'invalid-proof' });
  });

  test('tampered public inputs are rejected', async () => {
    const shifted = { proof: valid.proof, publicSignals: [...valid.publicSignals] };
    shifted.publicSignals[7] = String(NOW + 1);
    assert.deepEqual(await verifyRoleProof(shifted, expected({ now: NOW + 1 })), { ok: false, reason: 'invalid-proof' });
    const nul = { proof: valid.proof, publicSignals: [...valid.publicSignals] };
    nul.publicSignals[0] = '1';
    assert.deepEqual(await verifyRoleProof(nul, expected()), { ok: false, reason: 'invalid-proof' });
    const badProof = { proof: { ...valid.proof, pi_a: [valid.proof.pi_c[0], valid.proof.pi_c[1], '1'] }, publicSignals: valid.publicSignals };
    assert.equal((await verifyRoleProof(badProof, expected())).ok, false);
  });

  test('the verifier uses its own allowed roles, time and issuer', async () => {
    assert.deepEqual(await verifyRoleProof(valid, expected({ allowedRoles: ['policy'] })), { ok: false, reason: 'roles-mismatch' });
    assert.deepEqual(await verifyRoleProof(valid, expected({ now: NOW + 60_000 })), { ok: false, reason: 'time-mismatch' });
    assert.equal((await verifyRoleProof(valid, expected({ now: NOW + 60_000, maxClockSkewMs: 60_000 }))).ok, true);
    assert.deepEqual(await verifyRoleProof({ proof: valid.proof }, expected()), { ok: false, reason: 'malformed' });
    assert.deepEqual(await verifyRoleProof(null, expected()), { ok: false, reason: 'malformed' });
  });
});
