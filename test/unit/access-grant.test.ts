import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideAccess, disclosurePolicy, mayRead, policyMatrix } from '../../core/access/policy.js';
import { grantSectionKey, openKeyGrant, parseKeyGrant } from '../../core/access/key-grant.js';
import { AuditTrail, verifyAuditTrail } from '../../core/access/audit.js';
import { newContentKey, openSection, sealSection, sectionAssociatedData } from '../../core/crypto/aead.js';
import { createPresentation, verifyPresentation } from '../../core/identity/presentations.js';
import { ManualClock } from '../../core/common/clock.js';
import { isMurmurError } from '../../core/common/errors.js';
import { seededRandom } from '../../core/common/random.js';
import { utf8 } from '../../core/common/encoding.js';
import { DAY, T0, identityFixture } from './identity-fixtures.js';

const policy = disclosurePolicy({
  sections: [
    { subtask: 'st-genomics', section: 'detail', readers: ['drug-interaction'] },
    { subtask: 'st-genomics', section: 'summary', readers: ['policy', 'form', 'genomics-analyst'] },
  ],
});

test('the disclosure policy names readers per section; unlisted sections have none', () => {
  assert.ok(mayRead(policy, 'st-genomics', 'detail', 'drug-interaction'));
  assert.equal(mayRead(policy, 'st-genomics', 'detail', 'policy'), false);
  assert.equal(mayRead(policy, 'st-other', 'detail', 'drug-interaction'), false);
  assert.deepEqual(policyMatrix(policy)['drug-interaction'], ['st-genomics/detail']);
  assert.throws(
    () =>
      disclosurePolicy({
        sections: [
          { subtask: 'a', section: 'b', readers: [] },
          { subtask: 'a', section: 'b', readers: [] },
        ],
      }),
    (e: unknown) => isMurmurError(e, 'E_SCHEMA') && /sections\.1/.test((e as Error).message),
  );
});

test('request → verified presentation → policy → grant → reader opens the section; all audited', async () => {
  const f = await identityFixture();
  const random = seededRandom('grant-1');
  const clock = new ManualClock(T0 + DAY);
  const audit = new AuditTrail(f.lab.did, clock);
  // the author seals the summary section
  const key = newContentKey(random);
  const ad = sectionAssociatedData({ case: 'case-1', subtask: 'st-genomics', author: f.otherAgent.signingKeyId, seq: 3, section: 'summary' });
  const sealed = sealSection(key, utf8('{"criteria":"met"}'), ad, random);
  // the genomics agent asks to read it, proving its role
  const vp = await createPresentation({
    holder: f.agent.signer,
    credentials: [f.role, f.accreditation],
    challenge: 'nonce-7',
    domain: 'st-genomics',
    now: clock.now(),
  });
  const verdict = await verifyPresentation(
    vp,
    { challenge: 'nonce-7', domain: 'st-genomics', now: clock.now(), holder: f.agent.did },
    { registry: f.registry, status: f.status, ledger: new Set() },
  );
  audit.append({ kind: 'credential-check', actor: f.otherAgent.did, outcome: verdict.ok ? 'ok' : 'denied', counterparty: f.agent.did, subtask: 'st-genomics' });
  const summary = decideAccess(policy, { subtask: 'st-genomics', section: 'summary' }, verdict);
  assert.ok(summary.allow);
  const detail = decideAccess(policy, { subtask: 'st-genomics', section: 'detail' }, verdict);
  assert.deepEqual(detail, { allow: false, reason: 'role-not-allowed', detail: 'role "genomics-analyst" may not read st-genomics/detail' });
  audit.append({
    kind: 'denial',
    actor: f.otherAgent.did,
    outcome: 'denied',
    counterparty: f.agent.did,
    subtask: 'st-genomics',
    section: 'detail',
    reasons: [detail.allow ? '' : detail.reason],
  });

  const grant = await grantSectionKey({
    contentKey: key,
    case: 'case-1',
    subtask: 'st-genomics',
    section: 'summary',
    reader: f.agent.did,
    basis: { challenge: 'nonce-7', role: 'genomics-analyst' },
  });
  audit.append({
    kind: 'grant',
    actor: f.otherAgent.did,
    outcome: 'ok',
    counterparty: f.agent.did,
    case: 'case-1',
    subtask: 'st-genomics',
    section: 'summary',
  });
  const received = parseKeyGrant(JSON.parse(JSON.stringify(grant)));
  const opened = openSection(await openKeyGrant(received, f.agent.unwrap), sealed, ad);
  audit.append({ kind: 'decrypt', actor: f.agent.did, outcome: 'ok', case: 'case-1', subtask: 'st-genomics', section: 'summary' });
  assert.equal(new TextDecoder().decode(opened), '{"criteria":"met"}');
  assert.ok(verifyAuditTrail(audit.entries(), f.lab.did).ok);

  // another agent cannot open the grant, nor can the grant be retargeted to another section
  await assert.rejects(openKeyGrant(received, f.otherAgent.unwrap), (e: unknown) => isMurmurError(e, 'E_CRYPTO'));
  await assert.rejects(openKeyGrant({ ...received, section: 'detail' }, f.agent.unwrap), (e: unknown) => isMurmurError(e, 'E_CRYPTO'));
  assert.throws(
    () => parseKeyGrant({ ...received, wrapped: { ...received.wrapped, suite: 'RSA' } }),
    (e: unknown) => isMurmurError(e, 'E_SCHEMA') && /wrapped\.suite/.test((e as Error).message),
  );
});

test('a rejected presentation is denied with its reason codes', async () => {
  const f = await identityFixture();
  const vp = await createPresentation({ holder: f.agent.signer, credentials: [f.role, f.accreditation], challenge: 'n', domain: 'st-genomics', now: T0 + DAY });
  const verdict = await verifyPresentation(vp, { challenge: 'n', domain: 'st-genomics', now: T0 + 60 * DAY }, { registry: f.registry, status: f.status });
  assert.deepEqual(decideAccess(policy, { subtask: 'st-genomics', section: 'summary' }, verdict), {
    allow: false,
    reason: 'presentation-rejected',
    detail: 'expired',
  });
});
