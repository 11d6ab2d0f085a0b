// Appends envelopes to a SQLite board as fast as it can, printing each id once the append
// is acknowledged, until it is killed (test/unit/board-store.test.ts kills it mid-write).
import { signEnvelope } from '../../core/board/envelope.js';
import { SqliteBoardStore } from '../../core/board/sqlite-store.js';
import { testSigner } from './keys.js';

const store = new SqliteBoardStore(process.argv[2]!);
const signer = testSigner('killed-writer');
let prev: string | null = null;
for (let seq = 1; seq < 1_000_000; seq++) {
  const env = signEnvelope(signer, { case: 'c-kill', kind: 'Heartbeat', seq, prev, at: seq, header: {}, sections: [] });
  await store.append(env);
  prev = env.id;
  process.stdout.write(`${env.id}\n`);
}
