import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newContentKey, openSection, sealSection, sectionAssociatedData } from '../../core/crypto/aead.js';
import type { SectionPosition } from '../../core/crypto/aead.js';
import { isMurmurError } from '../../core/common/errors.js';
import { seededRandom } from '../../core/common/random.js';
import { utf8 } from '../../core/common/encoding.js';

const position: SectionPosition = { case: 'case-1', subtask: 'st-genomics', author: 'did:peer:2.x#key-2', seq: 4, section: 'detail' };
const rejectsWithCrypto = (fn: () => unknown) => assert.throws(fn, (e: unknown) => isMurmurError(e, 'E_CRYPTO') && /did not open/.test((e as Error).message));

test('a sealed section opens with the right key and associated data', () => {
  const random = seededRandom('aead-1');
  const key = newContentKey(random);
  const ad = sectionAssociatedData(position);
  const sealed = sealSection(key, utf8('{"variant":"x"}'), ad, random);
  assert.equal(new TextDecoder().decode(openSection(key, sealed, ad)), '{"variant":"x"}');
  assert.equal(sealed.ciphertext.includes('variant'), false);
});

test('a sealed section does not open with another key', () => {
  const random = seededRandom('aead-2');
  const ad = sectionAssociatedData(position);
  const sealed = sealSection(newContentKey(random), utf8('secret'), ad, random);
  rejectsWithCrypto(() => openSection(newContentKey(random), sealed, ad));
});

test('a sealed section does not open at another board position (each AD field is bound)', () => {
  const random = seededRandom('aead-3');
  const key = newContentKey(random);
  const sealed = sealSection(key, utf8('secret'), sectionAssociatedData(position), random);
  const moved: SectionPosition[] = [
    { ...position, case: 'case-2' },
    { ...position, subtask: 'st-other' },
    { ...position, author: 'did:peer:2.y#key-2' },
    { ...position, seq: 5 },
    { ...position, section: 'summary' },
  ];
  for (const p of moved) rejectsWithCrypto(() => openSection(key, sealed, sectionAssociatedData(p)));
});

test('an altered ciphertext is detected', () => {
  const random = seededRandom('aead-4');
  const key = newContentKey(random);
  const ad = sectionAssociatedData(position);
  const sealed = sealSection(key, utf8('secret data'), ad, random);
  const bytes = Buffer.from(sealed.ciphertext, 'base64url');
  bytes[0]! ^= 1;
  rejectsWithCrypto(() => openSection(key, { ...sealed, ciphertext: bytes.toString('base64url') }, ad));
});

test('associated data is canonical JSON independent of field order, and rejects bad positions', () => {
  const a = sectionAssociatedData(position);
  const b = sectionAssociatedData({ section: 'detail', seq: 4, author: position.author, subtask: 'st-genomics', case: 'case-1' });
  assert.deepEqual(a, b);
  assert.equal(new TextDecoder().decode(a), '{"author":"did:peer:2.x#key-2","case":"case-1","section":"detail","seq":4,"subtask":"st-genomics"}');
  assert.throws(
    () => sectionAssociatedData({ ...position, seq: -1 }),
    (e: unknown) => isMurmurError(e, 'E_INPUT'),
  );
  assert.throws(
    () => sectionAssociatedData({ ...position, section: '' }),
    (e: unknown) => isMurmurError(e, 'E_INPUT'),
  );
});
