/**
 * Clinical predicates over a lab's signed Poseidon commitment. The lab commits to a case's
 * attributes (with a random salt), signs the commitment with its BabyJubJub key and proves that
 * the committed values meet a policy's thresholds; verifiers never see the values.
 *
 *   commitment = Poseidon(CLINICAL_TAG, caseTag, ageMonths, smn1Copies, smn2Copies,
 *                         titerDenominator, salt),  caseTag = toField('case', caseId)
 *
 * The proof (circuit v2) covers the opening and the thresholds; the lab's signature over the
 * proof's public `commitment` is checked outside the circuit, with the lab key the verifier
 * holds. The signature is posted beside the commitment anyway, so checking it in the circuit
 * (v1) bound nothing more and cost ~85% of the proving time (core/zk/README.md).
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
  /** The lab's registered key (its agent card), never the key a posted commitment names. */
  labPublicKey: BabyJubPublicKey;
  thresholds: ClinicalThresholds;
  caseId: string;
  /** The signature posted with the commitment (ClinicalCommitment.signature): must be labPublicKey's over the proof's commitment. */
  signature: EddsaSignature;
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
/** Public signal layout of circuits/clinical_predicate.circom (v2: no lab key, its signature is checked outside). */
const SIG = { commitment: 0, caseTag: 1, thresholds: 2 } as const;
export const CLINICAL_PUBLIC_SIGNALS = 2 + THRESHOLD_KEYS.length;

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
  // The circuit no longer checks the signature; a proof over a commitment its lab did not sign would be refused by every verifier.
  if (!(await verifyClinicalCommitment(c))) throw new MurmurError('E_INPUT', "the commitment's signature is not its lab's", { caseId: c.caseId });
  return (await proverFor(options)).prove('clinical', clinicalCircuitInput(c, opening, thresholds));
}

function isSignature(v: unknown): v is EddsaSignature {
  const s = v as Partial<Record<keyof EddsaSignature, unknown>> | null | undefined;
  return typeof s === 'object' && s !== null && typeof s.R8x === 'string' && typeof s.R8y === 'string' && typeof s.S === 'string';
}

/**
 * Verifies a predicate proof against the verifier's OWN lab key, case and thresholds: the
 * cheap signal comparisons first, then the Groth16 proof, then the lab's signature over the
 * proof's commitment (out of circuit: `lab-mismatch` when it is not the registered key's).
 */
export async function verifyClinicalPredicate(proof: unknown, expected: ClinicalExpectation, options?: ZkCallOptions): Promise<ClinicalProofVerdict> {
  const p = proof as Partial<ZkProof> | null | undefined;
  const groth = parseGroth16Proof(p?.proof);
  const signals = parsePublicSignals(p?.publicSignals, CLINICAL_PUBLIC_SIGNALS);
  if (!groth || !signals || !isSignature(expected.signature)) return { ok: false, reason: 'malformed' };
  const at = (i: number): string => signals[i] as string;

  if (at(SIG.caseTag) !== dec(toField('case', expected.caseId))) return { ok: false, reason: 'case-mismatch' };
  const t = thresholdSignals(expected.thresholds);
  if (t.some((v, i) => at(SIG.thresholds + i) !== v)) return { ok: false, reason: 'thresholds-mismatch' };
  if (expected.commitment !== undefined && at(SIG.commitment) !== expected.commitment) return { ok: false, reason: 'commitment-mismatch' };

  if (!(await (await verifierFor(options)).verify('clinical', groth, signals))) return { ok: false, reason: 'invalid-proof' };
  // After the proof, so that a tampered signal is reported as such, not as a signature that does not match it.
  if (!(await verifyPoseidonSignature(expected.labPublicKey, BigInt(at(SIG.commitment)), expected.signature))) return { ok: false, reason: 'lab-mismatch' };
  return { ok: true, commitment: at(SIG.commitment) };
}
