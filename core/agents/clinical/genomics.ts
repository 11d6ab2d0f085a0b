import { evaluateCriteria } from './criteria.js';
import { inElement } from './elements.js';
import type { CoveragePolicy } from './policy.js';
import type { CriterionResult, FhirResource, MetabolizerPhenotype, PgxFinding } from './types.js';

/**
 * The genomics lab's view of a case: raw variants (the `detail` section, readable by the
 * drug-interaction role only) and the lab criteria's results (the `summary` section, what
 * the payer reads instead of the genotype).
 */
export type GenomicVariant =
  { gene: 'SMN1' | 'SMN2'; kind: 'copy-number'; copies: number } | { gene: 'SMN1' | 'SMN2'; kind: 'point-mutation'; hgvs?: string; pathogenic: boolean };

export interface GenomicsScreen {
  detail: { variants: GenomicVariant[]; phenotypes: PgxFinding[] };
  summary: { criteria: CriterionResult[] };
  /** CYP2D6 phenotype when reported. */
  pgx?: PgxFinding;
}

/** LOINC answers for metabolizer status (LOINC 53040-2's answer list). */
const PHENOTYPE_ANSWERS: Record<string, MetabolizerPhenotype> = {
  'LA9657-3': 'poor-metabolizer',
  'LA10317-8': 'intermediate-metabolizer',
  'LA25391-6': 'normal-metabolizer',
  'LA10316-0': 'normal-metabolizer', // "extensive metabolizer", the older name for normal
  'LA10315-2': 'ultrarapid-metabolizer',
};

interface Coding {
  system?: string;
  code?: string;
  display?: string;
}
interface Component {
  code?: { coding?: Coding[] };
  valueCodeableConcept?: { coding?: Coding[]; text?: string };
  valueInteger?: number;
}

const components = (r: FhirResource) => (r.component as Component[] | undefined) ?? [];
const componentWith = (r: FhirResource, loinc: string) => components(r).find((c) => c.code?.coding?.some((x) => x.code === loinc));
const geneOf = (r: FhirResource): string | undefined =>
  componentWith(r, '48018-6')?.valueCodeableConcept?.coding?.find((c) => c.code?.startsWith('HGNC:'))?.code;

function phenotypeOf(r: FhirResource): MetabolizerPhenotype {
  const value = componentWith(r, '53040-2')?.valueCodeableConcept;
  for (const c of value?.coding ?? []) if (c.code && PHENOTYPE_ANSWERS[c.code]) return PHENOTYPE_ANSWERS[c.code]!;
  const text = [value?.text, ...(value?.coding ?? []).map((c) => c.display)].join(' ').toLowerCase();
  if (text.includes('ultrarapid')) return 'ultrarapid-metabolizer';
  if (text.includes('intermediate')) return 'intermediate-metabolizer';
  if (text.includes('poor')) return 'poor-metabolizer';
  if (text.includes('normal') || text.includes('extensive')) return 'normal-metabolizer';
  return 'unknown';
}

function variantOf(r: FhirResource): GenomicVariant | undefined {
  const hgnc = geneOf(r);
  const gene = hgnc === 'HGNC:11117' ? 'SMN1' : hgnc === 'HGNC:11118' ? 'SMN2' : undefined;
  if (!gene) return undefined;
  const copies = componentWith(r, '82155-3')?.valueInteger;
  if (typeof copies === 'number') return { gene, kind: 'copy-number', copies };
  const significance = componentWith(r, '53037-8')?.valueCodeableConcept?.coding ?? [];
  const interpretation = ((r.interpretation as { coding?: Coding[] }[] | undefined) ?? []).flatMap((i) => i.coding ?? []);
  const pathogenic = [...significance, ...interpretation].some((c) => c.code === 'LA6668-3');
  const hgvs = componentWith(r, '48004-6')?.valueCodeableConcept?.text;
  return { gene, kind: 'point-mutation', pathogenic, ...(hgvs ? { hgvs } : {}) };
}

/** True when the phenotype changes some drug's dosing: the lab then raises a capability gap. */
export function pgxActionable(finding: PgxFinding | undefined): boolean {
  return finding !== undefined && finding.phenotype !== 'normal-metabolizer' && finding.phenotype !== 'unknown';
}

/** Screens the lab's view: annotates variants, evaluates the lab criteria, reads CYP2D6. */
export function screenGenomics(resources: readonly FhirResource[], policy: CoveragePolicy): GenomicsScreen {
  const variants = resources.filter((r) => inElement(r, 'smn-genotype')).flatMap((r) => variantOf(r) ?? []);
  const phenotypes: PgxFinding[] = resources.filter((r) => inElement(r, 'cyp2d6-phenotype')).map((r) => ({ gene: 'CYP2D6', phenotype: phenotypeOf(r) }));
  const criteria = evaluateCriteria(policy, resources, { evaluatedBy: 'lab' });
  const pgx = phenotypes[0];
  return { detail: { variants, phenotypes }, summary: { criteria }, ...(pgx ? { pgx } : {}) };
}
