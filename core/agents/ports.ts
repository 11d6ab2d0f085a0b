import type { DataElement, Decision, FhirResource } from './clinical/types.js';

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
