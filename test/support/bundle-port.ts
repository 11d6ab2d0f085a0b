import { selectElements } from '../../core/agents/clinical/elements.js';
import type { DataElement, Decision, FhirResource } from '../../core/agents/clinical/types.js';
import type { CaseDataRef, ClinicalDataPort, PasFormPort } from '../../core/agents/ports.js';

/**
 * Test doubles for the FHIR ports: clinical data served from a request Bundle in memory (with
 * the same element selection as the real adapter), and a record of every fetch, so tests can
 * assert who asked for which data elements.
 */
export class BundleDataPort implements ClinicalDataPort {
  readonly fetches: { org: string; elements: DataElement[] }[] = [];
  /** Organizations whose next fetch fails (a FHIR server hiccup), shared by every org's port. */
  readonly failNext = new Set<string>();
  constructor(
    private readonly resources: (ref: CaseDataRef) => FhirResource[],
    private readonly org = '?',
  ) {}

  forOrg(org: string): BundleDataPort {
    const port = new BundleDataPort(this.resources, org);
    (port as { fetches: BundleDataPort['fetches'] }).fetches = this.fetches;
    (port as { failNext: Set<string> }).failNext = this.failNext;
    return port;
  }

  async fetch(ref: CaseDataRef, elements: readonly DataElement[]): Promise<FhirResource[]> {
    if (this.failNext.delete(this.org)) throw new Error('the FHIR server did not answer');
    this.fetches.push({ org: this.org, elements: [...elements] });
    return selectElements(this.resources(ref), elements);
  }
}

/** A minimal stand-in for the PAS builder: records the decision it was asked to render. */
export const recordingForms: PasFormPort & { seen: Decision[] } = {
  seen: [],
  async claimResponse({ decision, authorizationNumber }) {
    recordingForms.seen.push(decision);
    return { resourceType: 'ClaimResponse', outcome: decision.outcome === 'pended' ? 'queued' : 'complete', preAuthRef: authorizationNumber };
  },
};
