import assert from 'node:assert/strict';
import { test } from 'node:test';
import { envelopeId, bodyOf, type Envelope } from '../../core/board/envelope.js';
import type { Admission } from '../../core/board/fold.js';
import type { CoalitionState } from '../../core/coordination/case-state.js';
import { FoldBoard } from '../support/fold-board.js';
import { testSigner } from '../support/keys.js';

const M = testSigner('admission-member');

/** An admission stage that spends what it sees once, as presentation ledgers and nullifier sets do. */
function spendingAdmission(): { admission: Admission<CoalitionState>; spent: string[] } {
  const spent: string[] = [];
  return {
    spent,
    admission: async (_state, entry) => {
      const nonce = `${entry.envelope.author} ${entry.envelope.seq}`;
      if (spent.includes(nonce)) return { credential: { ok: false, reason: 'replayed' } };
      spent.push(nonce);
      return { credential: { ok: true, holder: M.did, role: 'r', organization: M.did, organizationKind: 'test' } };
    },
  };
}

/** What a board host can make of a member's envelope without its key: a copy whose signature fails. */
function badSignatureCopy(env: Envelope): Envelope {
  const sig = (env.sig[0] === 'A' ? 'B' : 'A') + env.sig.slice(1);
  return { ...env, sig, id: envelopeId(bodyOf(env), sig) };
}

const card = {
  name: 'member',
  description: 'test agent',
  version: '1',
  provider: { organization: 'org', did: M.did, kind: 'test' },
  capabilities: { streaming: false, pushNotifications: false },
  skills: [{ id: 'alpha', name: 'alpha', description: 'alpha', tags: [] }],
  did: M.did,
  role: 'r',
  credentials: [],
};

test("admission spends nothing for an envelope that fails authentication: the member's real envelope still verifies", async () => {
  const { admission, spent } = spendingAdmission();
  const b = new FoldBoard({ requireCredentials: true }, admission);
  const real = b.sign(M, { case: null, kind: 'AgentCard', header: card, sections: [] });
  const forged = await b.append(badSignatureCopy(real));
  assert.equal(forged.status, 'rejected');
  assert.equal(forged.reason, 'signature does not verify');
  assert.deepEqual(spent, [], 'the forged copy spent nothing');
  const accepted = await b.append(real);
  assert.equal(accepted.status, 'accepted');
  assert.ok(b.fold.state.cards.has(M.did));
  // A true replay (a store that kept a second copy) is still refused, and spends nothing either.
  const replay = await b.fold.admit({ index: b.fold.lastIndex + 1, at: b.clock.now(), envelope: real }, admission);
  assert.equal(replay.status, 'duplicate');
  assert.equal(spent.length, 1);
});

test("an envelope off its author's chain is refused before admission", async () => {
  const { admission, spent } = spendingAdmission();
  const b = new FoldBoard({ requireCredentials: true }, admission);
  b.sign(M, { case: null, kind: 'AgentCard', header: card, sections: [] }); // seq 1, withheld by the host
  const second = b.sign(M, { case: null, kind: 'AgentCard', header: card, sections: [] });
  const r = await b.append(second);
  assert.match(r.reason!, /skips ahead/);
  assert.deepEqual(spent, []);
});
