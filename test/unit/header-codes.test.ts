import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KIND_DEFS } from '../../core/coordination/kinds/registry.js';

const did = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const hash = 'a'.repeat(64);
const sentence = 'Patient is a CYP2D6 poor metabolizer';

/** Each header field that once took a sentence, with a valid header around it. */
const FIELDS: { kind: keyof typeof KIND_DEFS; field: string; header: (v: string) => Record<string, unknown>; code: string }[] = [
  { kind: 'Release', field: 'reason', header: (v) => ({ reason: v }), code: 'work-failed' },
  { kind: 'Checkpoint', field: 'step', header: (v) => ({ progress: 0.5, step: v }), code: 'analysis' },
  { kind: 'Vote', field: 'topic', header: (v) => ({ topic: v, choice: 'yes' }), code: 'close-proposals' },
  { kind: 'Vote', field: 'choice', header: (v) => ({ topic: 'commit-plan', choice: v }), code: hash },
  {
    kind: 'Gap',
    field: 'reasonCode',
    header: (v) => ({ gap: 'gap-x', skill: 'drug-interaction', reasonCode: v, subtask: { id: 'review', title: 'Review', deps: [], blocks: [] } }),
    code: 'pgx-finding',
  },
  {
    kind: 'Bid',
    field: 'justification',
    header: (v) => ({ gap: 'gap-x', cost: 0.2, quality: 0.9, latency: 0.2, trust: 1, credentials: [], justification: v }),
    code: 'cpic-label-guidance',
  },
  { kind: 'Award', field: 'justification', header: (v) => ({ gap: 'gap-x', winner: did, bid: hash, score: 0.7, justification: v }), code: 'highest-score' },
];

test('cleartext headers take codes, never sentences: every field that took free text refuses it', () => {
  for (const f of FIELDS) {
    const schema = KIND_DEFS[f.kind].header;
    assert.ok(schema.safeParse(f.header(f.code)).success, `${f.kind}.${f.field} takes the code ${f.code.slice(0, 20)}`);
    const refused = schema.safeParse(f.header(sentence));
    assert.equal(refused.success, false, `${f.kind}.${f.field} refuses a sentence`);
    assert.deepEqual(refused.error!.issues[0]!.path, [f.field]);
  }
});
