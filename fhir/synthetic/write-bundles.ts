import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { syntheticRequest } from './request.js';
import { syntheticVariants } from './variants.js';
import { pasScenarios, pasShapedRequest, type PasScenario } from './pas-shape.js';

/**
 * Writes every variant's request Bundle to fhir/synthetic/bundles/<variant>.json, so the cases
 * can be posted with curl or loaded by any FHIR tool without running our code.
 * Run from the build: `node dist/fhir/synthetic/write-bundles.js`.
 */
export const bundlesDir = fileURLToPath(new URL('../../../fhir/synthetic/bundles/', import.meta.url));

export function bundleText(variant: (typeof syntheticVariants)[number]): string {
  return `${JSON.stringify(syntheticRequest(variant), null, 2)}\n`;
}

/** The PAS-shaped requests go to bundles/pas/<scenario>.json. */
export function pasBundleText(scenario: PasScenario): string {
  return `${JSON.stringify(pasShapedRequest(scenario), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(bundlesDir, { recursive: true });
  for (const variant of syntheticVariants) {
    writeFileSync(`${bundlesDir}${variant}.json`, bundleText(variant));
    process.stdout.write(`wrote ${variant}.json\n`);
  }
  mkdirSync(`${bundlesDir}pas`, { recursive: true });
  for (const scenario of pasScenarios) {
    writeFileSync(`${bundlesDir}pas/${scenario}.json`, pasBundleText(scenario));
    process.stdout.write(`wrote pas/${scenario}.json\n`);
  }
}
