import assert from 'node:assert/strict';
import { test } from 'node:test';
import { systemClock } from '../../core/common/clock.js';
import { memoryLogger, type LogRecord } from '../../core/common/log.js';
import { seededRandom } from '../../core/common/random.js';
import { chainResolvers, didKeyResolver } from '../../core/crypto/did-key.js';
import { didPeerResolver } from '../../core/crypto/did-peer.js';
import { runCase } from '../../app/node/coalition.js';
import { OrgNode } from '../../app/node/org-node.js';
import { noForms, noProofs } from '../../core/agents/ports.js';
import { MEMORY_REF, memoryCoalition } from '../support/coalition.js';

const recordsOf = (n: OrgNode): string[] => n.replica.fold.records.map((r) => `${r.index} ${r.id} ${r.status}`);

// A restarted node folds the whole board again from its first entry. Its agents must not act
// on that partial view: one that did signed, e.g., a Bid for the first case at the seq its
// replayed chain had reached then, a seq the board already held (an equivocation).
test('a node restarted over a board that holds its chains acts only once caught up: no seq signed twice, same fold', async () => {
  const { coalition: c, port, store } = await memoryCoalition('reference');
  const org = c.orgs!.find((o) => o.spec.id === 'vigilant')!;
  const old = c.nodes.find((n) => n.spec.id === 'vigilant')!;
  let restarted: OrgNode | undefined;
  const log: LogRecord[] = [];
  try {
    assert.equal((await runCase(c, MEMORY_REF)).outcome, 'approved');
    await old.stop();
    // The same organization and keys, a fresh process: nothing in memory but what the board holds.
    restarted = new OrgNode({
      spec: org.spec,
      identity: org.identity,
      store,
      keys: chainResolvers(didKeyResolver, didPeerResolver),
      data: port.forOrg(org.spec.id),
      forms: noForms,
      proofs: noProofs,
      clock: systemClock,
      random: seededRandom(2),
      logger: memoryLogger(log),
      reducer: { genesisReputation: c.charter!.genesisReputation },
      charter: c.charter!,
    });
    await restarted.start();
    // Its agents did not even try to act during the replay (a post then is refused, and logged).
    assert.deepEqual(
      log.filter((r) => r.level === 'warn' || r.level === 'error').map((r) => r.event),
      [],
    );
    assert.equal((await runCase(c, MEMORY_REF)).outcome, 'approved');
    await Promise.all([c.payer.replica.catchUp(), restarted.replica.catchUp()]);
    assert.deepEqual(c.payer.replica.fold.rejected(), []);
    assert.deepEqual(c.payer.replica.fold.equivocations, []);
    assert.deepEqual(recordsOf(restarted), recordsOf(c.payer));
  } finally {
    await c.stop();
    await restarted?.stop();
  }
});
