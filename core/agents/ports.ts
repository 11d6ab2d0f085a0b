import type { DataElement, Decision, FhirResource } from './clinical/types.js';
import type { BabyJubPublicKey, ClinicalAttributes, ClinicalCommitment, ClinicalThresholds, ZkProof } from '../zk/index.js';

/**
 * Where a case's clinical data lives: opaque references into a FHIR server. Travels inside a
 * sealed section of the case, never in a cleartext header.
 */
export interface CaseDataRef {
  /** FHIR base URL the adapters read from. */
  fhirBase: string;
  /** `Patient/<id>` */
  patient: string;
  /** `Claim/<id>`: the PAS request's preauthorization Claim. */
  claim: string;
}

/**
 * The only way agents reach clinical data. `fhir/` implements it over a FHIR server; each
 * call names the data elements the caller's subtask needs, and returns only resources that
 * belong to those elements (minimum necessary).
 */
export interface ClinicalDataPort {
  fetch(ref: CaseDataRef, elements: readonly DataElement[]): Promise<FhirResource[]>;
}

/** Builds the PAS ClaimResponse for a decision. Implemented in `fhir/`. */
export interface PasFormPort {
  claimResponse(input: {
    ref: CaseDataRef;
    decision: Decision;
    /** Payer's authorization number (on approval) or tracking number (deny/pend). */
    authorizationNumber: string;
    /** Board time of the decision, ms since epoch. */
    decidedAt: number;
  }): Promise<FhirResource>;
}

/**
 * An organization that builds no PAS forms (only a payer does). A mode object rather than an
 * absent port; a FormBuilder given it fails before it reads anything.
 */
export const noForms: PasFormPort = {
  claimResponse: () => Promise.reject(new Error('FormBuilder needs the PAS form port')),
};

/** A lab's signed commitment to clinical attributes and a proof that they meet thresholds. */
export interface ClinicalAttestation {
  commitment: ClinicalCommitment;
  thresholds: ClinicalThresholds;
  proof: ZkProof;
}

/**
 * Zero-knowledge clinical predicates: the lab commits to values and proves they meet the
 * policy's thresholds; the payer verifies against its own expected thresholds and the lab's
 * published key, and never sees the values. Implemented over core/zk in `app/`.
 */
export interface ClinicalProofPort {
  readonly kind: 'zk';
  /** The lab's public key for commitments (published on its agent card). */
  labPublicKey(): BabyJubPublicKey | undefined;
  /** Undefined when the values cannot meet the thresholds (no such proof exists). */
  attest(caseId: string, attributes: ClinicalAttributes, thresholds: ClinicalThresholds): Promise<ClinicalAttestation | undefined>;
  verify(
    attestation: unknown,
    expected: { labPublicKey: BabyJubPublicKey; thresholds: ClinicalThresholds; caseId: string },
  ): Promise<{ ok: boolean; reason?: string }>;
}

/**
 * Proofs off: a lab sends its signed statement of the criteria (no attestation) and a payer
 * takes it as it stands. A mode with nothing to call, so a path that proves or verifies must
 * first see `kind: 'zk'`.
 */
export const noProofs = { kind: 'off' } as const;

/** How an agent handles clinical predicates: a `ClinicalProofPort` (zero knowledge on) or `noProofs`. */
export type ClinicalProofs = ClinicalProofPort | typeof noProofs;
