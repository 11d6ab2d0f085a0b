/**
 * Coordination authority: how many coordination acts (convening, managing a contract net,
 * dissolving, scoring) each agent performed. Rotation keeps it spread; a central orchestrator
 * holds all of it. Reported as the largest share and the Gini coefficient.
 */
export interface AuthorityReport {
  acts: Record<string, number>;
  maxShare: number;
  gini: number;
}

export function authorityReport(acts: Readonly<Record<string, number>>, population: readonly string[]): AuthorityReport {
  const values = population.map((p) => acts[p] ?? 0).sort((a, b) => a - b);
  const total = values.reduce((a, b) => a + b, 0);
  if (total === 0 || values.length === 0) return { acts: { ...acts }, maxShare: 0, gini: 0 };
  const n = values.length;
  let cum = 0;
  for (let i = 0; i < n; i++) cum += (i + 1) * values[i]!;
  const gini = (2 * cum) / (n * total) - (n + 1) / n;
  return { acts: { ...acts }, maxShare: values.at(-1)! / total, gini: Math.round(gini * 1e6) / 1e6 };
}
