import { z } from 'zod';
import zolgensmaEvidence from './knowledge/zolgensma-evidence.json' with { type: 'json' };
import portfolioEvidence from './knowledge/portfolio-evidence.json' with { type: 'json' };
import type { EvidenceCertainty, EvidenceSummary } from './types.js';
import { MurmurError } from '../../common/errors.js';

/**
 * The evidence agent's shipped evidence base and its GRADE assessment. The certainty is
 * computed from the domain ratings by GRADE's rules, never stored, so a reviewer who
 * disagrees with a rating changes the data and sees the certainty follow.
 */
const downgrade = z.enum(['not serious', 'serious', 'very serious']);
const domain = <T extends z.ZodType>(rating: T) => z.object({ rating, note: z.string().min(1) });
const Body = z.object({
  drug: z.object({ code: z.string().min(1), display: z.string().min(1), aliases: z.array(z.string()).default([]) }),
  // `alsoCoded`: the other ICD-10-CM codes the trials' population is recorded under (SMA types 2 and 3 are G12.1).
  indication: z.object({ code: z.string().min(1), display: z.string().min(1), alsoCoded: z.array(z.string().min(1)).default([]) }),
  outcome: z.string().min(1),
  design: z.enum(['randomized', 'non-randomized']),
  designNote: z.string().optional(),
  trials: z.array(z.object({ id: z.string().regex(/^NCT\d{8}$/), name: z.string(), phase: z.string(), population: z.string(), finding: z.string() })).min(1),
  grade: z.object({
    riskOfBias: domain(downgrade),
    inconsistency: domain(downgrade),
    indirectness: domain(downgrade),
    imprecision: domain(downgrade),
    publicationBias: domain(z.enum(['undetected', 'strongly suspected'])),
    largeEffect: domain(z.enum(['none', 'large', 'very large'])),
    doseResponse: domain(z.enum(['absent', 'present'])),
  }),
});
export const EvidenceBaseSchema = z.object({ bodies: z.array(Body) });
export type EvidenceBody = z.infer<typeof Body>;
export type EvidenceGrade = EvidenceBody['grade'];

export function parseEvidenceBase(input: unknown): EvidenceBody[] {
  const parsed = EvidenceBaseSchema.safeParse(input);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new MurmurError('E_SCHEMA', `invalid evidence base: ${i.path.join('.') || '(root)'}: ${i.message}`, {
      fields: parsed.error.issues.map((x) => x.path.join('.')),
    });
  }
  return parsed.data.bodies;
}

/** Zolgensma's evidence and the portfolio's (nusinersen, risdiplam, Elevidys, Hemgenix). */
export const evidenceBase: EvidenceBody[] = [...parseEvidenceBase(zolgensmaEvidence), ...parseEvidenceBase(portfolioEvidence)];

const LEVELS: EvidenceCertainty[] = ['Very low', 'Low', 'Moderate', 'High'];
const DOWN = { 'not serious': 0, serious: 1, 'very serious': 2, undetected: 0, 'strongly suspected': 1 } as const;

/**
 * GRADE: randomized evidence starts High, non-randomized Low; each serious limitation in risk
 * of bias, inconsistency, indirectness, imprecision or publication bias rates down one level
 * (very serious: two). Non-randomized evidence with no limitation rates up for a large (one)
 * or very large (two) effect and for a dose–response gradient (one). Clamped to the scale.
 */
export function gradeCertainty(design: EvidenceBody['design'], g: EvidenceGrade): EvidenceCertainty {
  let level = design === 'randomized' ? 3 : 1;
  const down =
    DOWN[g.riskOfBias.rating] + DOWN[g.inconsistency.rating] + DOWN[g.indirectness.rating] + DOWN[g.imprecision.rating] + DOWN[g.publicationBias.rating];
  level -= down;
  if (design === 'non-randomized' && down === 0) {
    level += { none: 0, large: 1, 'very large': 2 }[g.largeEffect.rating];
    level += g.doseResponse.rating === 'present' ? 1 : 0;
  }
  return LEVELS[Math.max(0, Math.min(3, level))]!;
}

function matches(body: EvidenceBody, drug: string, indication: string): boolean {
  const d = drug.trim().toLowerCase();
  const drugOk = body.drug.code.toLowerCase() === d || body.drug.aliases.some((a) => a.toLowerCase() === d);
  const i = indication.trim().toLowerCase();
  return drugOk && [body.indication.code, ...body.indication.alsoCoded].some((code) => code.toLowerCase() === i);
}

/** Whether the base holds a body for the drug and indication. */
export function findEvidence(query: { drug: string; indication: string }, base: readonly EvidenceBody[] = evidenceBase): EvidenceBody | undefined {
  return base.find((b) => matches(b, query.drug, query.indication));
}

/**
 * Synthesizes the evidence for a drug (HCPCS code or name) in an indication (ICD-10-CM code).
 * Throws E_NOT_FOUND when the evidence base holds nothing for the pair.
 */
export function synthesizeEvidence(query: { drug: string; indication: string }, base: readonly EvidenceBody[] = evidenceBase): EvidenceSummary {
  const body = findEvidence(query, base);
  if (!body) throw new MurmurError('E_NOT_FOUND', 'no evidence body for this drug and indication', { drug: query.drug, indication: query.indication });
  const g = body.grade;
  return {
    drug: { code: body.drug.code, display: body.drug.display },
    indication: { code: body.indication.code, display: body.indication.display },
    trials: body.trials.map((t) => ({ ...t })),
    certainty: gradeCertainty(body.design, g),
    grade: [
      { domain: 'study design', rating: body.design, note: body.designNote ?? '' },
      { domain: 'risk of bias', ...g.riskOfBias },
      { domain: 'inconsistency', ...g.inconsistency },
      { domain: 'indirectness', ...g.indirectness },
      { domain: 'imprecision', ...g.imprecision },
      { domain: 'publication bias', ...g.publicationBias },
      { domain: 'large effect', ...g.largeEffect },
      { domain: 'dose-response', ...g.doseResponse },
    ],
  };
}
