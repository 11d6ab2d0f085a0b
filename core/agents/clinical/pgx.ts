import { z } from 'zod';
import cyp2d6Knowledge from './knowledge/cyp2d6-drugs.json' with { type: 'json' };
import type { Caveat, FhirResource, InteractionFinding, InteractionReport, MetabolizerPhenotype, PgxFinding } from './types.js';
import { MurmurError } from '../../common/errors.js';

/**
 * Drug–gene guidance as data (CPIC guidelines and FDA labels), so that a new guideline is a
 * JSON edit. Only actions that change what the care team does become caveats.
 */
const phenotypes = ['poor-metabolizer', 'intermediate-metabolizer', 'normal-metabolizer', 'ultrarapid-metabolizer', 'unknown'] as const;
const Guidance = z.object({
  action: z.enum(['avoid', 'reduce-dose', 'alternative', 'no-change']),
  recommendation: z.string().min(1),
  strength: z.string().min(1),
  source: z.string().min(1),
});
export const PgxKnowledgeSchema = z.object({
  gene: z.literal('CYP2D6'),
  /** Drugs the peri-infusion regimen itself includes, assessed even if not in the plan. */
  periInfusionProtocol: z.array(z.string().min(1)),
  drugs: z.array(
    z.object({
      name: z.string().min(1),
      rxnorm: z.string().min(1),
      cyp2d6Substrate: z.boolean(),
      byPhenotype: z.partialRecord(z.enum(phenotypes), Guidance),
    }),
  ),
});
export type PgxKnowledge = z.infer<typeof PgxKnowledgeSchema>;

export function parsePgxKnowledge(input: unknown): PgxKnowledge {
  const parsed = PgxKnowledgeSchema.safeParse(input);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new MurmurError('E_SCHEMA', `invalid pharmacogenomic knowledge: ${i.path.join('.') || '(root)'}: ${i.message}`, {
      fields: parsed.error.issues.map((x) => x.path.join('.')),
    });
  }
  return parsed.data;
}

export const cyp2d6Guidance: PgxKnowledge = parsePgxKnowledge(cyp2d6Knowledge);

/** Names of the known drugs a MedicationRequest/MedicationStatement orders (RxNorm code or text). */
function drugsIn(resource: FhirResource, knowledge: PgxKnowledge): string[] {
  const med = resource.medicationCodeableConcept as { coding?: { code?: string; display?: string }[]; text?: string } | undefined;
  if (!med) return [];
  const codes = new Set((med.coding ?? []).map((c) => c.code));
  const words = [med.text, ...(med.coding ?? []).map((c) => c.display)].filter((t): t is string => !!t).map((t) => t.toLowerCase());
  return knowledge.drugs.filter((d) => codes.has(d.rxnorm) || words.some((w) => w.includes(d.name))).map((d) => d.name);
}

const caveatFor: Record<string, { code: string; verb: string }> = {
  avoid: { code: 'pgx-cyp2d6-avoid', verb: 'avoid' },
  'reduce-dose': { code: 'pgx-cyp2d6-reduce-dose', verb: 'use a reduced dose of' },
  alternative: { code: 'pgx-cyp2d6-alternative', verb: 'select an alternative to' },
};

const label: Record<MetabolizerPhenotype, string> = {
  'poor-metabolizer': 'poor metabolizer',
  'intermediate-metabolizer': 'intermediate metabolizer',
  'normal-metabolizer': 'normal metabolizer',
  'ultrarapid-metabolizer': 'ultrarapid metabolizer',
  unknown: 'unknown metabolizer status',
};

export interface AssessOptions {
  /** Drugs of the regimen to assess even when absent from the plan; default: the knowledge's peri-infusion protocol. */
  protocol?: readonly string[];
  knowledge?: PgxKnowledge;
}

/**
 * The drug-interaction agent's view: which planned (or protocol) drugs the CYP2D6 phenotype
 * affects. A finding for every known drug assessed; a caveat only where the team must act,
 * one per action, naming its drugs.
 */
export function assessInteractions(phenotype: PgxFinding, medicationPlan: readonly FhirResource[], opts: AssessOptions = {}): InteractionReport {
  const knowledge = opts.knowledge ?? cyp2d6Guidance;
  const names = new Set<string>(opts.protocol ?? knowledge.periInfusionProtocol);
  for (const r of medicationPlan) for (const n of drugsIn(r, knowledge)) names.add(n);
  const findings: InteractionFinding[] = [];
  const byAction = new Map<string, { drugs: string[]; sources: Set<string> }>();
  for (const drug of knowledge.drugs) {
    if (!names.has(drug.name)) continue;
    if (!drug.cyp2d6Substrate) {
      findings.push({
        drug: drug.name,
        recommendation: 'No change: not a CYP2D6 substrate.',
        strength: 'not applicable',
        source: 'drug metabolism (not CYP2D6)',
      });
      continue;
    }
    const g = drug.byPhenotype[phenotype.phenotype];
    if (!g) {
      findings.push({
        drug: drug.name,
        recommendation: `No change: no CYP2D6 action for a ${label[phenotype.phenotype]}.`,
        strength: 'none needed',
        source: 'CPIC / FDA label',
      });
      continue;
    }
    findings.push({ drug: drug.name, recommendation: g.recommendation, strength: g.strength, source: g.source });
    if (g.action === 'no-change') continue;
    const entry = byAction.get(g.action) ?? { drugs: [], sources: new Set<string>() };
    entry.drugs.push(drug.name);
    entry.sources.add(g.source);
    byAction.set(g.action, entry);
  }
  const caveats: Caveat[] = [...byAction].map(([action, { drugs, sources }]) => ({
    code: caveatFor[action]!.code,
    text: `CYP2D6 ${label[phenotype.phenotype]}: ${caveatFor[action]!.verb} ${drugs.join(', ')} (${[...sources].join('; ')}).`,
    drugs,
  }));
  return { phenotype, findings, caveats };
}
