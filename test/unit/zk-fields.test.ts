import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { circuitsDir } from '../../core/zk/artifacts.js';
import { BN254_R, TAGS, roleCode, toField } from '../../core/zk/fields.js';
import { allowedRoleSlots } from '../../core/zk/role.js';
import { isMurmurError } from '../../core/common/errors.js';

test('toField is deterministic, domain-separated and below the field order', () => {
  const a = toField('subtask', 'subtask-1');
  assert.equal(a, toField('subtask', 'subtask-1'));
  assert.notEqual(a, toField('board-key', 'subtask-1'));
  assert.notEqual(a, toField('subtask', 'subtask-2'));
  assert.ok(a < 2n ** 248n && a < BN254_R);
});

test('role codes are non-zero and allowed-role slots are canonical (sorted, padded with 0)', () => {
  assert.notEqual(roleCode('policy'), 0n);
  const s1 = allowedRoleSlots(['policy', 'drug-interaction']);
  const s2 = allowedRoleSlots(['drug-interaction', 'policy', 'policy']);
  assert.deepEqual(s1, s2);
  assert.equal(s1.length, 4);
  assert.deepEqual(s1.slice(2), ['0', '0']);
  assert.throws(
    () => allowedRoleSlots([]),
    (e) => isMurmurError(e, 'E_INPUT'),
  );
  assert.throws(
    () => allowedRoleSlots(['a', 'b', 'c', 'd', 'e']),
    (e) => isMurmurError(e, 'E_INPUT'),
  );
});

test('domain tags mirror the circuits', () => {
  assert.equal(TAGS.roleCredential, 0x6d75726d75723a726f6c652d637265643a7631n);
  // "murmur:clinical:v2": v2 dropped the in-circuit lab signature, so its commitments differ from v1's.
  assert.equal(TAGS.clinical, 0x6d75726d75723a636c696e6963616c3a7632n);
  const source = readFileSync(join(circuitsDir(), 'clinical_predicate.circom'), 'utf8');
  assert.equal(BigInt(/function CLINICAL_TAG\(\) \{ return (0x[0-9a-f]+); \}/.exec(source)?.[1] ?? '0'), TAGS.clinical);
});
