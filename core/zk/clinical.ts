/**
 * Clinical predicates over a lab's signed Poseidon commitment. The lab commits to a case's
 * attributes (with a random salt), signs the commitment with its BabyJubJub key and proves that
 * the committed values meet a policy's thresholds; verifiers never see the values.
 *
 *   commitment = Poseidon(CLINICAL_TAG, caseTag, ageMonths, smn1Copies, smn2Copies,
 *                         titerDenominator, salt),  caseTag = toField('case', caseId)
 */
import { MurmurError } from '../common/errors.js';
import type { Random } from '../common/random.js';
import { cryptoRandom } from '../common/random.js';
import { proverFor, verifierFor, type ZkCallOptions } from './backend.js';
import { poseidon, signPoseidon, verifyPoseidonSignature, type BabyJubPublicKey, type EddsaSignature, type ZkSigningKey } from './babyjub.js';
import { TAGS, dec, toField } from './fields.js';
import { parseGroth16Proof, parsePublicSignals, type ZkProof } from './prover.js';

/** Integers in [0, 2^32). PHI: never log these. */
export interface ClinicalAttributes {
  ageMonths: number;
  smn1Copies: number;
  smn2Copies: number;
  /** Anti-AAV9 antibody titer as its denominator: 1:50 → 50; 0 when none detected. */
  titerDenominator: number;
}

/** The policy's thresholds (public). Integers in [0, 2^32). */
export interface ClinicalThresholds {
  maxAgeMonths: number;
  maxSmn1Copies: number;
  minSmn2Copies: number;
  maxSmn2Copies: number;
  maxTiterDenominator: number;
}

/** What the lab posts: PHI-free. */
export interface ClinicalCommitment {
  caseId: string;
  /** Decimal field element. */
  commitment: string;
  lab: BabyJubPublicKey;
  signature: EddsaSignature;
}

/** What the lab keeps private: the values and the salt that open the commitment. */
export interface ClinicalOpening {
  attributes: ClinicalAttributes;
  salt: string;
}

export interface ClinicalExpectation {
  labPublicKey: BabyJubPublicKey;
  thresholds: ClinicalThresholds;
  caseId: string;
  /** If given, the proof must be about exactly this commitment (e.g. the one the lab posted). */
  commitment?: string;
}

export type ClinicalProofRejection = 'malformed' | 'lab-mismatch' | 'case-mismatch' | 'thresholds-mismatch' | 'commitment-mismatch' | 'invalid-proof';

export interface ClinicalProofVerdict {
  ok: boolean;
  reason?: ClinicalProofRejection;
  /** The commitment (decimal) the valid proof is about. */
  commitment?: string;
}

const ATTRIBUTE_KEYS = ['ageMonths', 'smn1Copies', 'smn2Copies', 'titerDenominator'] as const;
const THRESHOLD_KEYS = ['maxAgeMonths', 'maxSmn1Copies', 'minSmn2Copies', 'maxSmn2Copies', 'maxTiterDenominator'] as const;
/** Public signal layout of circuits/clinical_predicate.circom. */
const SIG = { commitment: 0, labAx: 1, labAy: 2, caseTag: 3, thresholds: 4 } as const;
export const CLINICAL_PUBLIC_SIGNALS = 4 + THRESHOLD_KEYS.length;

function u32(v: unknown, field: string): bigint {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= 2 ** 32) {
    throw new MurmurError('E_INPUT', `${field} must be an integer in [0, 2^32)`, { field });
  }
  return BigInt(v);
}

async function commitmentOf(caseId: string, a: ClinicalAttributes, salt: bigint): Promise<bigint> {
  const values = ATTRIBUTE_KEYS.map((k) => u32(a[k], `attributes.${k}`));
  return poseidon([TAGS.clinical, toField('case', caseId), ...values, salt]);
}

/** The lab commits to a case's attributes and signs the commitment. */
export async function commitClinical(
  labKey: ZkSigningKey,
  caseId: string,
  attributes: ClinicalAttributes,
  random: Random = cryptoRandom,
): Promise<{ commitment: ClinicalCommitment; opening: ClinicalOpening }> {
  let salt = 0n;
  for (const b of random.bytes(31)) salt = (salt << 8n) | BigInt(b);
  const c = await commitmentOf(caseId, attributes, salt);
  const signature = await signPoseidon(labKey, c);
  return {
    commitment: { caseId, commitment: dec(c), lab: labKey.publicKey, signature },
    opening: { attributes: { ...attributes }, salt: dec(salt) },
  };
}

/** Checks the lab's signature on a posted commitment, outside the circuit. */
export function verifyClinicalCommitment(c: ClinicalCommitment): Promise<boolean> {
  if (!/^[0-9]{1,78}$/.test(c.commitment)) return Promise.resolve(false);
  return verifyPoseidonSignature(c.lab, BigInt(c.commitment), c.signature);
}

export function thresholdSignals(t: ClinicalThresholds): string[] {
  return THRESHOLD_KEYS.map((k) => dec(u32(t[k], `thresholds.${k}`)));
}

/** The circuit input for a predicate proof (exposed for tests and other provers). */
export function clinicalCircuitInput(c: ClinicalCommitment, opening: ClinicalOpening, thresholds: ClinicalThresholds): Record<string, unknown> {
  const t = thresholdSignals(thresholds);
  const a = opening.attributes;
  return {
    labAx: c.lab.x,
    labAy: c.lab.y,
    caseTag: dec(toField('case', c.caseId)),
    maxAgeMonths: t[0],
    maxSmn1Copies: t[1],
    minSmn2Copies: t[2],
    maxSmn2Copies: t[3],
    maxTiterDenominator: t[4],
    ageMonths: dec(u32(a.ageMonths, 'attributes.ageMonths')),
    smn1Copies: dec(u32(a.smn1Copies, 'attributes.smn1Copies')),
    smn2Copies: dec(u32(a.smn2Copies, 'attributes.smn2Copies')),
    titerDenominator: dec(u32(a.titerDenominator, 'attributes.titerDenominator')),
    salt: opening.salt,
    sigR8x: c.signature.R8x,
    sigR8y: c.signature.R8y,
    sigS: c.signature.S,
  };
}

/**
 * Proves that the committed values meet the thresholds. Throws E_INPUT (naming no value) when
 * they do not, or when the opening does not match the commitment.
 */
export async function proveClinicalPredicate(
  c: ClinicalCommitment,
  opening: ClinicalOpening,
  thresholds: ClinicalThresholds,
  options?: ZkCallOptions,
): Promise<ZkProof> {
  if (!/^[0-9]{1,78}$/.test(opening.salt)) throw new MurmurError('E_INPUT', 'opening.salt must be a decimal field element', { field: 'opening.salt' });
  const recomputed = await commitmentOf(c.caseId, opening.attributes, BigInt(opening.salt));
  if (dec(recomputed) !== c.commitment) throw new MurmurError('E_INPUT', 'the opening does not match the commitment', { caseId: c.caseId });
  return (await proverFor(options)).prove('clinical', clinicalCircuitInput(c, opening, thresholds));
}

/** Verifies a predicate proof against the verifier's OWN lab key, case and thresholds. */
export async function verifyClinicalPredicate(proof: unknown, expected: ClinicalExpectation, options?: ZkCallOptions): Promise<ClinicalProofVerdict> {
  const p = proof as Partial<ZkProof> | null | undefined;
  const groth = parseGroth16Proof(p?.proof);
  const signals = parsePublicSignals(p?.publicSignals, CLINICAL_PUBLIC_SIGNALS);
  if (!groth || !signals) return { ok: false, reason: 'malformed' };
  const at = (i: number): string => signals[i] as string;

  if (at(SIG.labAx) !== expected.labPublicKey.x || at(SIG.labAy) !== expected.labPublicKey.y) return { ok: false, reason: 'lab-mismatch' };
  if (at(SIG.caseTag) !== dec(toField('case', expected.caseId))) return { ok: false, reason: 'case-mismatch' };
  const t = thresholdSignals(expected.thresholds);
  if (t.some((v, i) => at(SIG.thresholds + i) !== v)) return { ok: false, reason: 'thresholds-mismatch' };
  if (expected.commitment !== undefined && at(SIG.commitment) !== expected.commitment) return { ok: false, reason: 'commitment-mismatch' };

  const ok = await (await verifierFor(options)).verify('clinical', groth, signals);
  return ok ? { ok: true, commitment: at(SIG.commitment) } : { ok: false, reason: 'invalid-proof' };
}
