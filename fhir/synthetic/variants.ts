import type { Outcome } from '../../core/agents/clinical/types.js';

/**
 * The synthetic cases: the reference case of the scenario and one variation per coverage
 * criterion, so that every branch of the policy has a patient that exercises it.
 */
export const syntheticVariants = [
  'reference',
  'age-30-months',
  'titer-1-100',
  'missing-titer',
  'smn2-4-copies',
  'ventilator-dependent',
  'prior-infusion',
  'nusinersen-planned',
  'liver-3x-uln',
  'non-neurologist',
  'compound-heterozygous',
  'cyp2d6-normal',
] as const;
export type CaseVariant = (typeof syntheticVariants)[number];

export function isCaseVariant(value: string): value is CaseVariant {
  return (syntheticVariants as readonly string[]).includes(value);
}

/** The clinical facts a variant changes; everything else is the reference case. */
export interface CaseFacts {
  ageMonths: number;
  smn1Copies: number;
  /** An SMN1 pathogenic point mutation on the remaining allele (compound heterozygosity). */
  smn1PointMutation: boolean;
  smn2Copies: number;
  /** Denominator N of the anti-AAV9 titer 1:N; null when no titer was sent. */
  titerDenominator: number | null;
  cyp2d6: 'poor-metabolizer' | 'normal-metabolizer';
  ventilatorDependent: boolean;
  priorInfusion: boolean;
  nusinersenPlanned: boolean;
  /** ALT as a multiple of its upper limit of normal. */
  altTimesUln: number;
  prescriberTaxonomy: { code: string; display: string };
}

const reference: CaseFacts = {
  ageMonths: 8,
  smn1Copies: 0,
  smn1PointMutation: false,
  smn2Copies: 2,
  titerDenominator: 25,
  cyp2d6: 'poor-metabolizer',
  ventilatorDependent: false,
  priorInfusion: false,
  nusinersenPlanned: false,
  altTimesUln: 0.6,
  prescriberTaxonomy: { code: '2084N0402X', display: 'Neurology with Special Qualifications in Child Neurology' },
};

const changes: Record<CaseVariant, Partial<CaseFacts>> = {
  reference: {},
  'age-30-months': { ageMonths: 30 },
  'titer-1-100': { titerDenominator: 100 },
  'missing-titer': { titerDenominator: null },
  'smn2-4-copies': { smn2Copies: 4 },
  'ventilator-dependent': { ventilatorDependent: true },
  'prior-infusion': { priorInfusion: true },
  'nusinersen-planned': { nusinersenPlanned: true },
  'liver-3x-uln': { altTimesUln: 3 },
  'non-neurologist': { prescriberTaxonomy: { code: '208000000X', display: 'Pediatrics' } },
  'compound-heterozygous': { smn1Copies: 1, smn1PointMutation: true },
  'cyp2d6-normal': { cyp2d6: 'normal-metabolizer' },
};

export function caseFacts(variant: CaseVariant): CaseFacts {
  return { ...reference, ...changes[variant] };
}

export interface ExpectedOutcome {
  outcome: Outcome;
  /** Ids of the policy criteria that deny or pend the case (empty on approval). */
  criteria: string[];
  /** Whether the approval carries the CYP2D6 pharmacogenomic caveat. */
  pgxCaveat: boolean;
}

const expected: Record<CaseVariant, ExpectedOutcome> = {
  reference: { outcome: 'approved', criteria: [], pgxCaveat: true },
  'age-30-months': { outcome: 'denied', criteria: ['age-under-24-months'], pgxCaveat: false },
  'titer-1-100': { outcome: 'denied', criteria: ['aav9-titer'], pgxCaveat: false },
  'missing-titer': { outcome: 'pended', criteria: ['aav9-titer'], pgxCaveat: true },
  'smn2-4-copies': { outcome: 'denied', criteria: ['smn2-copy-number'], pgxCaveat: false },
  'ventilator-dependent': { outcome: 'denied', criteria: ['no-advanced-sma'], pgxCaveat: false },
  'prior-infusion': { outcome: 'denied', criteria: ['no-prior-infusion'], pgxCaveat: false },
  'nusinersen-planned': { outcome: 'denied', criteria: ['no-concomitant-smn-therapy'], pgxCaveat: false },
  'liver-3x-uln': { outcome: 'pended', criteria: ['baseline-liver-function'], pgxCaveat: true },
  'non-neurologist': { outcome: 'denied', criteria: ['neurologist-prescriber'], pgxCaveat: false },
  'compound-heterozygous': { outcome: 'approved', criteria: [], pgxCaveat: true },
  'cyp2d6-normal': { outcome: 'approved', criteria: [], pgxCaveat: false },
};

/** What the coverage policy should decide for a variant (for tests and demos). */
export function expectedOutcome(variant: CaseVariant): ExpectedOutcome {
  return expected[variant];
}
