import { z } from 'zod';
import { canonicalBytes, canonicalJson } from '../common/canonical.js';
import { fromBase64url, toBase64url } from '../common/encoding.js';
import { sha256Hex } from '../common/hash.js';
import type { KeyResolver, Signer } from '../crypto/signing.js';
import { ed25519Verify, vouchedKey } from '../crypto/signing.js';
import {
  rememberSignedHere,
  rememberVerified,
  rememberVerifiedObject,
  signedHereUnder,
  verifiedFingerprint,
  wasVerified,
  wasVerifiedObject,
} from './verified-cache.js';
import { ALL_KINDS, GLOBAL_KINDS, type Kind } from './kinds.js';

export const ENVELOPE_VERSION = 1;

/**
 * A section holds content for some readers: `plaintext` where the content is public to the
 * coalition, or `sealed` (AEAD ciphertext whose content key is wrapped per reader by a
 * KeyGrant). The board never needs to read a section.
 */
export const SectionSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'section names are lower-case words joined by hyphens'),
    readers: z.array(z.string().min(1)).max(32),
    plaintext: z.unknown().optional(),
    sealed: z.object({ alg: z.string(), nonce: z.string(), ciphertext: z.string(), keyId: z.string() }).strict().optional(),
  })
  .strict()
  .refine((s) => (s.plaintext === undefined) !== (s.sealed === undefined), {
    message: 'a section holds exactly one of plaintext or sealed',
  });
export type Section = z.infer<typeof SectionSchema>;

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 hex digest');
const Id = z.string().regex(/^[A-Za-z0-9._:-]{1,80}$/, 'expected an id of letters, digits and . _ : -');

/** What an author writes and signs. */
export const EnvelopeBodySchema = z
  .object({
    v: z.literal(ENVELOPE_VERSION),
    case: Id.nullable(),
    subtask: Id.optional(),
    kind: z.enum(ALL_KINDS as [Kind, ...Kind[]]),
    author: z.string().min(8).max(512),
    seq: z.number().int().min(1),
    prev: Hex64.nullable(),
    at: z.number().int().nonnegative(),
    header: z.record(z.string(), z.unknown()),
    sections: z.array(SectionSchema).max(16),
  })
  .strict();
export type EnvelopeBody = z.infer<typeof EnvelopeBodySchema>;

export const EnvelopeSchema = EnvelopeBodySchema.extend({
  sig: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'expected a base64url Ed25519 signature'),
  id: Hex64,
}).strict();
export type Envelope = z.infer<typeof EnvelopeSchema>;

/** The id is the hash of the canonical signed envelope: any change to any byte changes it. */
export function envelopeId(body: EnvelopeBody, sig: string): string {
  return sha256Hex(canonicalBytes({ ...body, sig }));
}

/**
 * The canonical (RFC 8785) texts of a body and of the body with its signature, built from one
 * serialization of each member: the signed bytes and the id's preimage share every member but
 * `sig`, so canonicalizing both whole did the costly part (the sections) twice. Same rules as
 * `canonicalize`: keys sorted by UTF-16 code units, undefined members left out.
 */
export function canonicalTexts(body: EnvelopeBody, sig: string): { body: string; signed: string } {
  const members = canonicalMembers(body);
  return { body: `{${members.map((m) => m.text).join(',')}}`, signed: withSignature(members, sig) };
}

type Member = { k: string; text: string };

function canonicalMembers(body: EnvelopeBody): Member[] {
  const record = body as unknown as Record<string, unknown>;
  return Object.keys(record)
    .filter((k) => record[k] !== undefined && k !== 'sig')
    .sort()
    .map((k) => ({ k, text: `${JSON.stringify(k)}:${canonicalJson(record[k])}` }));
}

function withSignature(members: Member[], sig: string): string {
  const sigMember = { k: 'sig', text: `"sig":${JSON.stringify(sig)}` };
  const at = members.findIndex((m) => m.k > 'sig');
  const withSig = at < 0 ? [...members, sigMember] : [...members.slice(0, at), sigMember, ...members.slice(at)];
  return `{${withSig.map((m) => m.text).join(',')}}`;
}

/**
 * Envelopes `signEnvelope` made in this process, whose id is their content's hash by
 * construction: a store need not hash them again (nothing changes an envelope once signed; a
 * store keeps its own parsed copy).
 */
const signedObjects = new WeakSet<object>();

export function signEnvelope(signer: Signer, body: Omit<EnvelopeBody, 'v' | 'author'>): Envelope {
  const full: EnvelopeBody = { v: ENVELOPE_VERSION, author: signer.keyId, ...body };
  if (full.case === null && !GLOBAL_KINDS.includes(full.kind)) {
    throw new Error(`a ${full.kind} envelope belongs to a case`);
  }
  // One canonical serialization of the members for both the signed bytes and the id.
  const members = canonicalMembers(full);
  const sig = toBase64url(signer.sign(Buffer.from(`{${members.map((m) => m.text).join(',')}}`, 'utf8')));
  const env = { ...full, sig, id: sha256Hex(withSignature(members, sig)) };
  signedObjects.add(env);
  const key = vouchedKey(signer);
  if (key) rememberSignedHere(env.id, key);
  return env;
}

/**
 * Whether an envelope's id is the SHA-256 of its canonical content. A store keeps one envelope
 * per id, so it must not take a copy whose id is borrowed: a writer storing such a copy of a
 * real envelope first would make the real one a "duplicate", dropped though acknowledged.
 */
export function idMatchesContent(env: Envelope): boolean {
  return signedObjects.has(env) || idCheck(signedText(env), env.id) === undefined;
}

/** The id's preimage: the canonical envelope with its signature (without the body's own text). */
function signedText(env: Envelope): string {
  return withSignature(canonicalMembers(bodyOf(env)), env.sig);
}

export function bodyOf(env: Envelope): EnvelopeBody {
  const { sig: _sig, id: _id, ...body } = env;
  return body;
}

function idCheck(signedText: string, id: string): Extract<EnvelopeCheck, { ok: false }> | undefined {
  return sha256Hex(signedText) === id ? undefined : { ok: false, code: 'E_ID', reason: 'id does not match the envelope content' };
}

export type EnvelopeCheck = { ok: true } | { ok: false; code: 'E_ID' | 'E_SIGNATURE' | 'E_SCOPE'; reason: string };

/**
 * Stateless checks: id integrity, signature, case scoping. Chain checks need the fold.
 * An envelope this process has already checked in full (JSON-identical, same author key) skips
 * the canonicalization, id hash and signature; see verified-cache.ts for why that is sound.
 */
export function checkEnvelope(env: Envelope, keys: KeyResolver): EnvelopeCheck {
  const publicKey = keys.resolveVerificationKey(env.author);
  if (!publicKey || !wasVerifiedObject(env, publicKey)) {
    const fingerprint = publicKey ? verifiedFingerprint(env, publicKey) : undefined;
    if (!fingerprint || !wasVerified(fingerprint)) {
      // Signed here by the keystore under this very key: the id check alone (see verified-cache.ts).
      const failed = publicKey && signedHereUnder(env.id, publicKey) ? idCheck(signedText(env), env.id) : authenticity(env, publicKey);
      if (failed) return failed;
      rememberVerified(fingerprint!);
    }
    rememberVerifiedObject(env, publicKey!);
  }
  if ((env.case === null) !== GLOBAL_KINDS.includes(env.kind)) {
    return { ok: false, code: 'E_SCOPE', reason: `${env.kind} ${env.case === null ? 'needs' : 'takes no'} case` };
  }
  return { ok: true };
}

/**
 * The costly half of `checkEnvelope`: the id recomputed from the canonical content and the
 * signature verified under `publicKey`. Pure and self-contained, so a worker thread runs the
 * same code on a copy of the envelope (app/node/verify-pool.ts). Undefined when both hold.
 */
export function authenticity(env: Envelope, publicKey: Uint8Array | undefined): Extract<EnvelopeCheck, { ok: false }> | undefined {
  const texts = canonicalTexts(bodyOf(env), env.sig);
  const badId = idCheck(texts.signed, env.id);
  if (badId) return badId;
  if (!publicKey) return { ok: false, code: 'E_SIGNATURE', reason: 'author key cannot be resolved' };
  if (!ed25519Verify(publicKey, Buffer.from(texts.body, 'utf8'), fromBase64url(env.sig))) {
    return { ok: false, code: 'E_SIGNATURE', reason: 'signature does not verify' };
  }
  return undefined;
}

/** The DID (without fragment) of an author key id. */
export function authorDid(keyId: string): string {
  const hash = keyId.indexOf('#');
  return hash === -1 ? keyId : keyId.slice(0, hash);
}
