/**
 * The clinical domain's shared vocabulary: what agents exchange in artifact sections.
 * These values live only inside sections (sealed once the privacy layer is on), never in
 * cleartext headers or logs.
 */

/** Minimum-necessary data elements: the unit of disclosure and of FHIR retrieval. */
export const DATA_ELEMENTS = [
  'demographics', // Patient.birthDate, gender (never name or identifiers on the board)
  'diagnosis', // the governed condition (ICD-10-CM: SMA G12.0/G12.1, DMD G71.01, hemophilia B D67)
  'smn-genotype', // SMN1/SMN2 copy numbers, SMN1 point mutations
  'cyp2d6-phenotype', // CYP2D6 metabolizer status
  'aav9-titer', // anti-AAV9 antibody titer
  'liver-panel', // ALT, AST, total bilirubin with reference ranges
  'respiratory-support', // tracheostomy, ventilator dependence (ICD-10-CM, SNOMED CT)
  'motor-function', // complete limb paralysis (quadriplegia)
  'prior-gene-therapy', // prior gene therapy (MedicationAdministration/Procedure J3399, J1413, J1411, J1412)
  'smn-therapy', // nusinersen, risdiplam MedicationRequests
  'medication-plan', // the patient's other planned medications (peri-infusion protocol)
  'prescriber', // PractitionerRole / Practitioner with NUCC taxonomy, linked to the Claim
  'documents', // DocumentReferences the provider attached (type only, never content)
  'claim', // the PAS Claim itself (service, planned date)
  'dmd-genotype', // DMD gene variant assessment (HGNC:2928)
  'aavrh74-titer', // anti-AAVrh74 total binding antibody titer
  'corticosteroid-therapy', // corticosteroid orders (deflazacort, prednisone, vamorolone)
  'factor-ix-activity', // coagulation factor IX activity (LOINC 3187-2)
  'factor-ix-inhibitor', // factor IX inhibitor titer, Bethesda units (LOINC 3185-6)
  'factor-ix-prophylaxis', // factor IX replacement orders
] as const;
export type DataElement = (typeof DATA_ELEMENTS)[number];

/** A FHIR resource as plain JSON (typed views live in fhir/). */
export interface FhirResource {
  resourceType: string;
  id?: string;
  [key: string]: unknown;
}

export type CriterionStatus = 'met' | 'not-met' | 'missing' | 'review';

export interface MissingDocument {
  /** LOINC attachment or document code where one exists. */
  code?: { system: string; code: string; display?: string };
  description: string;
}

export interface CriterionResult {
  id: string;
  title: string;
  status: CriterionStatus;
  /** Why, in words a reviewer reads (shown inside the sealed decision, not in headers). */
  reason: string;
  /** X12 reason code for a denial or pend, where one fits. */
  x12Reason?: string;
  missing?: MissingDocument;
  /** Who evaluated it: the payer on its own view, or the lab on its view. */
  evaluatedBy: 'payer' | 'lab';
}

export type Outcome = 'approved' | 'denied' | 'pended';

export interface Caveat {
  code: string;
  text: string;
  drugs?: string[];
}

/** The answer for one submitted Claim item (PAS: each item has its own reviewAction). */
export interface ItemDecision {
  /** Claim.item.sequence of the item answered. */
  sequence: number;
  outcome: Outcome;
  /** Why it is denied or pended; empty on approval. */
  reasons: string[];
  /** True when no policy of this payer covers the item: a person must review it. */
  manualReview?: boolean;
}

export interface Decision {
  outcome: Outcome;
  /** One answer per submitted item; absent on decisions made before items were answered apart. */
  items?: ItemDecision[];
  policy: { id: string; version: string };
  criteria: CriterionResult[];
  /** For a denial: the failed criteria; for a pend: what is missing or needs review. */
  reasons: string[];
  missing: MissingDocument[];
  caveats: Caveat[];
  evidence?: { certainty: EvidenceCertainty; trials: string[] };
}

export type EvidenceCertainty = 'High' | 'Moderate' | 'Low' | 'Very low';

export interface EvidenceSummary {
  drug: { code: string; display: string };
  indication: { code: string; display: string };
  trials: { id: string; name: string; phase: string; population: string; finding: string }[];
  certainty: EvidenceCertainty;
  /** GRADE domains considered, each with its rating and a sentence why. */
  grade: { domain: string; rating: string; note: string }[];
}

/** The evidence agent's answer when its base holds nothing for the drug and indication: a finding, not a failure. */
export interface EvidenceNotFound {
  found: false;
  drug: string;
  indication: string;
}

export type MetabolizerPhenotype = 'poor-metabolizer' | 'intermediate-metabolizer' | 'normal-metabolizer' | 'ultrarapid-metabolizer' | 'unknown';

export interface PgxFinding {
  gene: 'CYP2D6';
  phenotype: MetabolizerPhenotype;
}

export interface InteractionFinding {
  drug: string;
  recommendation: string;
  strength: string;
  source: string;
}

export interface InteractionReport {
  phenotype: PgxFinding;
  findings: InteractionFinding[];
  caveats: Caveat[];
}
