// A failure is not remembered as an answer: a DID resolution that failed, or a section read that
// timed out or met a store error, is tried again on the next call (issue 18). A refusal on the
// board is final and stays remembered.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MurmurError } from '../../core/common/errors.js';
import { cachedResolver, type ControllerDocument } from '../../core/identity/dids.js';
import { SectionReader } from '../../app/node/console/disclosure.js';
import type { StoredEntry } from '../../core/board/store.js';

test('a DID resolution that failed is tried again; a resolved document is kept', async () => {
  let calls = 0;
  const doc = { id: 'did:peer:2.x' } as ControllerDocument;
  const resolve = cachedResolver(async () => {
    calls++;
    if (calls === 1) throw new Error('resolver not loaded yet');
    return doc;
  });
  assert.equal(await resolve('did:peer:2.x'), undefined, 'the failed resolution answers undefined');
  assert.equal(await resolve('did:peer:2.x'), doc, 'and the next call resolves');
  assert.equal(await resolve('did:peer:2.x'), doc);
  assert.equal(calls, 2, 'the resolved document is cached');
});

const did = 'did:key:z6Mkreader';
const entry = {
  index: 7,
  envelope: { id: 'e'.repeat(64), author: 'did:key:z6Mkauthor#k', sections: [{ name: 'genomics', readers: ['lab'] }] },
} as unknown as StoredEntry;

function reader(readEntry: () => Promise<unknown>, timeoutMs = 50): SectionReader {
  const p = { node: { agents: [{ did, card: { role: 'lab' }, readEntry }] }, roles: () => ['lab'], self: { name: 'Helix' } };
  return new SectionReader(p as unknown as ConstructorParameters<typeof SectionReader>[0], timeoutMs);
}

test('a section read that met a store error or no grant in time is tried again on the next read', async () => {
  const outcomes: (() => Promise<unknown>)[] = [
    () => Promise.reject(new MurmurError('E_STORE', 'board store: read failed')),
    () => new Promise(() => undefined), // no grant arrives within the timeout
    async () => ({ variant: 'CYP2D6*4' }),
  ];
  const r = reader(() => outcomes.shift()!());
  await assert.rejects(r.read(entry, 'genomics'), (e: unknown) => e instanceof MurmurError && e.code === 'E_STORE');
  await assert.rejects(r.read(entry, 'genomics'), (e: unknown) => e instanceof MurmurError && e.details.reason === 'missing-grant');
  assert.equal(r.view(entry, entry.envelope.sections[0]!).access.readable, true, 'the view does not lock the section for a late grant');
  assert.deepEqual((await r.read(entry, 'genomics')).content, { variant: 'CYP2D6*4' });
});

test('a refused access request stays refused', async () => {
  let calls = 0;
  const r = reader(async () => {
    calls++;
    throw new MurmurError('E_CRYPTO', 'the grantor refused the presentation');
  });
  await assert.rejects(r.read(entry, 'genomics'), (e: unknown) => e instanceof MurmurError && e.details.reason === 'refused');
  await assert.rejects(r.read(entry, 'genomics'), (e: unknown) => e instanceof MurmurError && e.details.reason === 'refused');
  assert.equal(calls, 1, 'the refusal on the board is not asked again');
  assert.equal(r.view(entry, entry.envelope.sections[0]!).access.readable, false);
});
