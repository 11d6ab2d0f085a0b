import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { CRYPTOSUITES, signingCryptosuite, verifyingCryptosuites } from './eddsa-suite.js';
import * as vc from '@digitalbazaar/vc';
import jsigs from 'jsonld-signatures';
import { z } from 'zod';
import { canonicalJson } from '../common/canonical.js';
import { sha256Hex } from '../common/hash.js';
import { MurmurError, errorMessage } from '../common/errors.js';
import type { Signer } from '../crypto/signing.js';
import type { AccreditationCredential, MurmurCredential, RoleCredential } from './credentials.js';
import { AccreditationCredentialSchema, RoleCredentialSchema, dataIntegritySigner, didOf, isoSeconds } from './credentials.js';
import { documentLoader } from './document-loader.js';
import type { StatusRegistry } from './status-list.js';
import type { Role, TrustRegistry } from './trust-registry.js';

/**
 * Verifiable presentations that prove an agent's right to claim or read a subtask:
 * challenge = a board nonce, domain = the subtask id, signed by the agent's did:peer
 * authentication key, carrying its RoleCredential and its organization's
 * AccreditationCredential. `verifyPresentation` returns a typed verdict with every reason.
 */
export const VerifiablePresentationSchema = z.object({
  '@context': z.array(z.string()).min(1),
  type: z.array(z.string()).refine((t) => t.includes('VerifiablePresentation'), 'type must include VerifiablePresentation'),
  holder: z.string().startsWith('did:'),
  verifiableCredential: z.array(z.record(z.string(), z.unknown())).min(1).max(8),
  proof: z.object({
    // eddsa-jcs-2022 signs the document's contexts into the proof (and checks them back).
    '@context': z.array(z.string()).min(1).max(8).optional(),
    type: z.literal('DataIntegrityProof'),
    cryptosuite: z.enum(CRYPTOSUITES),
    proofPurpose: z.literal('authentication'),
    verificationMethod: z.string(),
    challenge: z.string(),
    domain: z.string(),
    proofValue: z.string(),
    created: z.string().optional(),
  }),
});

export type VerifiablePresentation = z.infer<typeof VerifiablePresentationSchema>;

export async function createPresentation(input: {
  /** The agent's signer: keyId is its did:peer authentication key. */
  holder: Signer;
  credentials: readonly MurmurCredential[];
  /** A board nonce. */
  challenge: string;
  /** The subtask id. */
  domain: string;
  now: number;
}): Promise<VerifiablePresentation> {
  if (!input.challenge || !input.domain)
    throw new MurmurError('E_INPUT', 'presentation: challenge and domain are required', { field: !input.challenge ? 'challenge' : 'domain' });
  counted.created++;
  try {
    const presentation = vc.createPresentation({ verifiableCredential: [...input.credentials], holder: didOf(input.holder.keyId), now: isoSeconds(input.now) });
    const signed = await vc.signPresentation({
      presentation,
      suite: new DataIntegrityProof({ signer: dataIntegritySigner(input.holder), cryptosuite: signingCryptosuite, date: isoSeconds(input.now) }),
      challenge: input.challenge,
      domain: input.domain,
      documentLoader: documentLoader(),
    });
    return VerifiablePresentationSchema.parse(signed);
  } catch (e) {
    throw new MurmurError('E_SIGNATURE', `could not create the presentation: ${errorMessage(e)}`);
  }
}

export type RejectionCode =
  | 'malformed'
  | 'challenge-mismatch'
  | 'domain-mismatch'
  | 'replayed'
  | 'holder-mismatch'
  | 'missing-role-credential'
  | 'missing-accreditation'
  | 'subject-mismatch'
  | 'not-yet-valid'
  | 'expired'
  | 'revoked'
  | 'status-unknown'
  | 'wrong-role'
  | 'role-not-conferrable'
  | 'untrusted-accreditor'
  | 'proof-invalid';

export interface Rejection {
  code: RejectionCode;
  /** Names what is wrong (ids, roles, dates; never PHI, never key material). */
  message: string;
  credentialId?: string;
}

export type PresentationVerdict =
  | {
      ok: true;
      holder: string;
      role: Role;
      organization: string;
      organizationKind: string;
      accreditor: string;
      challenge: string;
      domain: string;
      credentialIds: string[];
    }
  | { ok: false; reasons: Rejection[] };

/** What the verifier expects: from the board (nonce), the subtask and the fold's time. */
export interface PresentationExpectations {
  challenge: string;
  domain: string;
  /** Board time (ms) at which validity is judged. */
  now: number;
  /** The DID the presentation must come from (the envelope author's DID), if known. */
  holder?: string;
  /** Roles that may do this (e.g. the readers of a section). Empty or absent: any role. */
  roles?: readonly Role[];
}

/** A set of consumed (challenge, holder) keys; a `Set<string>` will do. */
export interface ChallengeLedger {
  has(key: string): boolean;
  add(key: string): unknown;
}

export interface VerificationContext {
  registry: TrustRegistry;
  status: Pick<StatusRegistry, 'check'>;
  /**
   * Replay protection: a verified presentation consumes its (challenge, holder); the same
   * holder presenting the same challenge again is rejected as `replayed`. Omit for a check
   * without side effects.
   */
  ledger?: ChallengeLedger;
}

/**
 * The ledger's key for a (challenge, holder) pair: a digest, so each spent pair costs one flat
 * 64-character string; the JSON text itself was a tree of concatenated pieces that kept the
 * holder's whole key id alive, for every presentation ever spent.
 */
export function challengeKey(challenge: string, holder: string): string {
  return sha256Hex(canonicalJson([challenge, holder]));
}

function validityReasons(c: MurmurCredential, now: number, label: string): Rejection[] {
  const out: Rejection[] = [];
  if (Date.parse(c.validFrom) > now) out.push({ code: 'not-yet-valid', message: `${label} ${c.id} is not valid before ${c.validFrom}`, credentialId: c.id });
  if (Date.parse(c.validUntil) <= now) out.push({ code: 'expired', message: `${label} ${c.id} expired at ${c.validUntil}`, credentialId: c.id });
  return out;
}

function statusReasons(c: MurmurCredential, status: Pick<StatusRegistry, 'check'>, label: string): Rejection[] {
  if (!c.credentialStatus) return [];
  const s = status.check(c.credentialStatus, c.issuer);
  if (s === 'revoked') return [{ code: 'revoked', message: `${label} ${c.id} is revoked by its issuer`, credentialId: c.id }];
  if (s === 'unknown')
    return [
      {
        code: 'status-unknown',
        message: `${label} ${c.id}: status list ${c.credentialStatus.statusListCredential} is not held locally; cannot rule out revocation`,
        credentialId: c.id,
      },
    ];
  return [];
}

function firstError(e: unknown): string {
  if (!e) return 'unknown error';
  const nested = (e as { errors?: unknown[] }).errors;
  if (Array.isArray(nested) && nested.length > 0) return firstError(nested[0]);
  return errorMessage(e);
}

/** Forgets every remembered verification (tests that count verifications start clean). */
export function clearPresentationCache(): void {
  proofVerdicts.clear();
  credentialProofs.clear();
}

/** How many presentations this process created, verified in full, and judged from a kept verdict (benchmarks read it). */
const counted = { created: 0, verifiedFull: 0, verifiedReused: 0, credentialsFull: 0 };
export function presentationCounts(): Readonly<typeof counted> {
  return { ...counted };
}

/**
 * The proof check proper (RDFC canonicalization and Ed25519 over the presentation and each
 * credential): a pure function of the presentation, challenge, domain and time, since the
 * contexts are shipped and status is checked apart. Every replica in a process (the embedded
 * coalition's four nodes, a restarted node re-folding, the simulator's runs) verifies the
 * same entry with the same inputs, so the verdict is kept for the exact inputs it was reached
 * on (bounded, oldest dropped first).
 */
const proofVerdicts = new Map<string, Promise<ProofCheck>>();
const PROOF_VERDICTS_KEPT = 4_096;

/**
 * What is kept of a proof check: whether it held, and what failed. The library's full result
 * (every proof's purpose result and controller document) was ≈ 2.5 KB per kept verdict, held
 * for thousands of them; none of it is read after the verdict.
 */
interface ProofCheck {
  verified: boolean;
  failures: { credentialId?: string; message: string }[];
}

function proofCheckOf(result: vc.VerifyResult): ProofCheck {
  if (result.verified) return { verified: true, failures: [] };
  const failures: ProofCheck['failures'] = [];
  for (const c of result.credentialResults ?? [])
    if (!c.verified)
      failures.push({ message: `credential ${c.credentialId ?? '?'}: ${firstError(c.error)}`, ...(c.credentialId ? { credentialId: c.credentialId } : {}) });
  if (result.presentationResult && !result.presentationResult.verified)
    failures.push({ message: `presentation proof: ${firstError(result.presentationResult.error)}` });
  if (failures.length === 0) failures.push({ message: `presentation: ${firstError(result.error)}` });
  return { verified: false, failures };
}

/**
 * A credential's own proof (RDFC canonicalization and Ed25519 of the issuer) is a pure function
 * of its JSON text: the contexts are shipped, did:key resolves without I/O, status is checked
 * apart, and the one time-dependent part, the validity window, `verifyPresentation` judges on
 * every call before it gets here (at the board's time, with no clock skew, so more strictly
 * than the library's 300 s). An agent presents the same two credentials on every claim and
 * access request, so each credential's proof is checked once per process, not once per
 * presentation. Only a verified result is kept: a failure is checked again next time.
 */
const credentialProofs = new Map<string, Promise<{ verified: boolean; error?: unknown }>>();

function credentialProof(credential: object, now: string): Promise<{ verified: boolean; error?: unknown }> {
  const key = sha256Hex(canonicalJson(credential));
  const kept = credentialProofs.get(key);
  if (kept) return kept;
  counted.credentialsFull++;
  const verdict = vc.verifyCredential({
    credential,
    suite: verifyingCryptosuites.map((cryptosuite) => new DataIntegrityProof({ cryptosuite })),
    documentLoader: documentLoader(),
    now,
    checkStatus: async () => ({ verified: true }),
  });
  credentialProofs.set(key, verdict);
  void verdict.then((r) => {
    if (!r.verified) credentialProofs.delete(key);
  });
  if (credentialProofs.size > PROOF_VERDICTS_KEPT) credentialProofs.delete(credentialProofs.keys().next().value!);
  return verdict;
}

/**
 * What `vc.verify` does for a presentation (its shape, each credential's proof, then the
 * presentation's own proof for authentication with this challenge and domain), with each
 * credential's proof taken from `credentialProof`.
 */
async function presentationProofs(vp: VerifiablePresentation, challenge: string, domain: string, now: string): Promise<vc.VerifyResult> {
  vc._checkPresentation(vp);
  const credentialResults = await Promise.all(
    vp.verifiableCredential.map(async (c) => ({ ...(await credentialProof(c, now)), credentialId: typeof c.id === 'string' ? c.id : undefined })),
  );
  const presentationResult = await jsigs.verify(vp, {
    suite: verifyingCryptosuites.map((cryptosuite) => new DataIntegrityProof({ cryptosuite })),
    purpose: new jsigs.purposes.AuthenticationProofPurpose({ challenge, domain }),
    documentLoader: documentLoader(),
  });
  return {
    presentationResult,
    verified: credentialResults.every((r) => r.verified) && presentationResult.verified,
    credentialResults,
    error: presentationResult.error,
  };
}

function proofsOf(vp: VerifiablePresentation, challenge: string, domain: string, now: string): Promise<ProofCheck> {
  const key = sha256Hex(canonicalJson({ vp, challenge, domain, now }));
  const kept = proofVerdicts.get(key);
  if (kept) {
    counted.verifiedReused++;
    return kept;
  }
  counted.verifiedFull++;
  const verdict = (async (): Promise<ProofCheck> => {
    try {
      // Revocation was checked against the status lists before.
      return proofCheckOf(await presentationProofs(vp, challenge, domain, now));
    } catch (e) {
      return proofCheckOf({ verified: false, error: e });
    }
  })();
  proofVerdicts.set(key, verdict);
  if (proofVerdicts.size > PROOF_VERDICTS_KEPT) proofVerdicts.delete(proofVerdicts.keys().next().value!);
  return verdict;
}

/**
 * Verifies a presentation against what the verifier expects. Cheap structural checks run
 * first (shape, challenge, domain, replay, holder binding, roles, trust chain, validity
 * window, revocation); signatures are checked only when those pass (≈ 10–20 ms).
 */
export async function verifyPresentation(input: unknown, expect: PresentationExpectations, context: VerificationContext): Promise<PresentationVerdict> {
  const parsed = VerifiablePresentationSchema.safeParse(input);
  if (!parsed.success) {
    const path = parsed.error.issues[0]?.path.join('.') ?? '';
    return { ok: false, reasons: [{ code: 'malformed', message: `presentation: invalid field "${path}"` }] };
  }
  const vp = parsed.data;
  const reasons: Rejection[] = [];
  if (vp.proof.challenge !== expect.challenge) reasons.push({ code: 'challenge-mismatch', message: 'presentation challenge is not the expected board nonce' });
  if (vp.proof.domain !== expect.domain)
    reasons.push({ code: 'domain-mismatch', message: `presentation is bound to subtask "${vp.proof.domain}", expected "${expect.domain}"` });
  if (context.ledger?.has(challengeKey(vp.proof.challenge, vp.holder))) {
    reasons.push({ code: 'replayed', message: 'this holder already used this challenge: the presentation is a replay' });
  }
  if (didOf(vp.proof.verificationMethod) !== vp.holder)
    reasons.push({ code: 'holder-mismatch', message: 'presentation is signed by a key of another DID than its holder' });
  if (expect.holder !== undefined && expect.holder !== vp.holder)
    reasons.push({ code: 'holder-mismatch', message: 'presentation holder is not the expected agent (the envelope author)' });

  const roles: RoleCredential[] = [];
  const accreditations: AccreditationCredential[] = [];
  for (const [i, raw] of vp.verifiableCredential.entries()) {
    const types = Array.isArray(raw.type) ? raw.type : [];
    const schema = types.includes('RoleCredential')
      ? RoleCredentialSchema
      : types.includes('AccreditationCredential')
        ? AccreditationCredentialSchema
        : undefined;
    const r = schema?.safeParse(raw);
    if (!r?.success) {
      reasons.push({ code: 'malformed', message: `presentation: verifiableCredential.${i} is not a well-formed Murmur credential` });
      continue;
    }
    if (r.data.type[1] === 'RoleCredential') roles.push(r.data as RoleCredential);
    else accreditations.push(r.data as AccreditationCredential);
  }
  const role = roles.find((c) => c.credentialSubject.id === vp.holder);
  if (!role) {
    reasons.push({ code: 'missing-role-credential', message: 'presentation carries no role credential for its holder' });
    return { ok: false, reasons };
  }
  if (roles.some((c) => c.credentialSubject.id !== vp.holder))
    reasons.push({ code: 'subject-mismatch', message: 'a role credential in the presentation names another agent' });
  if (role.credentialSubject.memberOf !== role.issuer)
    reasons.push({ code: 'subject-mismatch', message: `role credential ${role.id}: memberOf is not its issuer`, credentialId: role.id });
  const roleName = role.credentialSubject.role;
  if (expect.roles && expect.roles.length > 0 && !expect.roles.includes(roleName)) {
    reasons.push({ code: 'wrong-role', message: `role "${roleName}" may not do this; allowed: ${expect.roles.join(', ')}`, credentialId: role.id });
  }
  const accreditation = accreditations.find((a) => a.credentialSubject.id === role.issuer);
  if (!accreditation) {
    reasons.push({ code: 'missing-accreditation', message: `no accreditation of the role credential's issuer is presented`, credentialId: role.id });
  } else {
    const kind = accreditation.credentialSubject.organizationKind;
    if (!context.registry.trustsAccreditor(accreditation.issuer, kind)) {
      reasons.push({
        code: 'untrusted-accreditor',
        message: `accreditation ${accreditation.id}: issuer is not trusted to accredit "${kind}"`,
        credentialId: accreditation.id,
      });
    }
    if (!context.registry.mayConferRole(kind, roleName)) {
      reasons.push({ code: 'role-not-conferrable', message: `an organization of kind "${kind}" may not confer role "${roleName}"`, credentialId: role.id });
    }
    reasons.push(...validityReasons(accreditation, expect.now, 'accreditation'), ...statusReasons(accreditation, context.status, 'accreditation'));
  }
  reasons.push(...validityReasons(role, expect.now, 'role credential'), ...statusReasons(role, context.status, 'role credential'));
  if (reasons.length > 0 || !accreditation) return { ok: false, reasons };

  const result = await proofsOf(vp, expect.challenge, expect.domain, isoSeconds(expect.now));
  if (!result.verified) return { ok: false, reasons: result.failures.map((f) => ({ code: 'proof-invalid', ...f })) };
  context.ledger?.add(challengeKey(vp.proof.challenge, vp.holder));
  return {
    ok: true,
    holder: vp.holder,
    role: roleName,
    organization: role.issuer,
    organizationKind: accreditation.credentialSubject.organizationKind,
    accreditor: accreditation.issuer,
    challenge: vp.proof.challenge,
    domain: vp.proof.domain,
    credentialIds: [role.id, accreditation.id],
  };
}

/** Checks one credential on its own (e.g. an organization's accreditation on joining). */
export async function verifyCredential(
  input: unknown,
  expect: { now: number },
  context: { status: Pick<StatusRegistry, 'check'>; registry?: TrustRegistry },
): Promise<{ ok: true; credential: MurmurCredential } | { ok: false; reasons: Rejection[] }> {
  const types = (input as { type?: unknown })?.type;
  const schema = Array.isArray(types) && types.includes('RoleCredential') ? RoleCredentialSchema : AccreditationCredentialSchema;
  const parsed = schema.safeParse(input);
  if (!parsed.success)
    return { ok: false, reasons: [{ code: 'malformed', message: `credential: invalid field "${parsed.error.issues[0]?.path.join('.') ?? ''}"` }] };
  const c = parsed.data as MurmurCredential;
  const reasons = [...validityReasons(c, expect.now, 'credential'), ...statusReasons(c, context.status, 'credential')];
  if (context.registry && c.type[1] === 'AccreditationCredential') {
    const kind = (c as AccreditationCredential).credentialSubject.organizationKind;
    if (!context.registry.trustsAccreditor(c.issuer, kind))
      reasons.push({ code: 'untrusted-accreditor', message: `accreditation ${c.id}: issuer is not trusted to accredit "${kind}"`, credentialId: c.id });
  }
  if (reasons.length > 0) return { ok: false, reasons };
  const result = await vc.verifyCredential({
    credential: c,
    suite: verifyingCryptosuites.map((cryptosuite) => new DataIntegrityProof({ cryptosuite })),
    documentLoader: documentLoader(),
    now: isoSeconds(expect.now),
    checkStatus: async () => ({ verified: true }),
  });
  if (!result.verified)
    return { ok: false, reasons: [{ code: 'proof-invalid', message: `credential ${c.id}: ${firstError(result.error)}`, credentialId: c.id }] };
  return { ok: true, credential: c };
}
