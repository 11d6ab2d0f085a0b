import type { CoveragePolicy } from '../clinical/policy.js';
import type { GenomicsScreen } from '../clinical/genomics.js';
import type { CriterionResult, FhirResource } from '../clinical/types.js';
import type { ClinicalAttributes, ClinicalThresholds } from '../../zk/index.js';

/** Criteria a clinical predicate proof can decide, by policy criterion id. */
export const PROVABLE = { smn1: 'smn1-biallelic', smn2: 'smn2-copy-number', titer: 'aav9-titer' } as const;

/** Whether a policy has the criteria the predicate circuit proves (only the Zolgensma policy does). */
export function provableBy(policy: CoveragePolicy): boolean {
  return Object.values(PROVABLE).every((id) => policy.criteria.some((c) => c.id === id));
}

const MONTH_MS = 30.4375 * 86_400_000;

function param(policy: CoveragePolicy, criterion: string, name: string): number {
  const v = (policy.criteria.find((c) => c.id === criterion) as { parameters?: Record<string, unknown> } | undefined)?.parameters?.[name];
  if (typeof v !== 'number') throw new Error(`policy ${policy.id} has no numeric ${criterion}.${name}`);
  return v;
}

/**
 * The thresholds a proof must meet, from the policy's own parameters; both lab and payer
 * derive them, and the payer checks the proof's public thresholds against its own.
 * `maxSmn1Copies` is 0 (homozygous deletion, proven outright) or 1 (one deletion: the point
 * mutation that makes it bi-allelic stays the lab's signed attestation).
 */
export function predicateThresholds(policy: CoveragePolicy, maxSmn1Copies: 0 | 1): ClinicalThresholds {
  return {
    maxAgeMonths: 23,
    maxSmn1Copies,
    minSmn2Copies: 1,
    maxSmn2Copies: param(policy, PROVABLE.smn2, 'maxSmn2Copies'),
    maxTiterDenominator: param(policy, PROVABLE.titer, 'maxTiterDenominator'),
  };
}

/** The values the lab commits to, when its record has them all. */
export function clinicalAttributes(screen: GenomicsScreen, resources: readonly FhirResource[], boardTime: number): ClinicalAttributes | undefined {
  const copies = (gene: 'SMN1' | 'SMN2') =>
    screen.detail.variants.find((v): v is Extract<typeof v, { kind: 'copy-number' }> => v.gene === gene && v.kind === 'copy-number')?.copies;
  const smn1 = copies('SMN1');
  const smn2 = copies('SMN2');
  const titer = resources.find((r) => (r.code as { coding?: { code?: string }[] } | undefined)?.coding?.some((c) => c.code === 'anti-aav9-ab-titer'));
  const ratio = titer?.valueRatio as { numerator?: { value?: number }; denominator?: { value?: number } } | undefined;
  const birth = resources.find((r) => r.resourceType === 'Patient')?.birthDate as string | undefined;
  if (smn1 === undefined || smn2 === undefined || !ratio?.numerator?.value || ratio.denominator?.value === undefined || !birth) return undefined;
  return {
    ageMonths: Math.max(0, Math.floor((boardTime - Date.parse(birth)) / MONTH_MS)),
    smn1Copies: smn1,
    smn2Copies: smn2,
    titerDenominator: Math.round(ratio.denominator.value / ratio.numerator.value),
  };
}

/** The lab criteria a verified proof establishes, replacing what the lab merely states. */
export function provenCriteria(lab: readonly CriterionResult[], thresholds: ClinicalThresholds, commitment: string): CriterionResult[] {
  const proven = new Set<string>([PROVABLE.smn2, PROVABLE.titer, ...(thresholds.maxSmn1Copies === 0 ? [PROVABLE.smn1] : [])]);
  return lab.map((r) =>
    proven.has(r.id)
      ? { ...r, status: 'met', reason: `${r.title}: proven in zero knowledge against the policy's thresholds (commitment ${commitment.slice(0, 12)}…)` }
      : r,
  );
}
