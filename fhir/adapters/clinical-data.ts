import type { Bundle, Claim, Patient, Reference, Resource } from '@medplum/fhirtypes';
import type { Client } from 'fhir-kit-client';
import { withAttachedRecords } from '../../core/agents/clinical/attachments.js';
import { withQuestionnaireAnswers } from '../../core/agents/clinical/answers.js';
import { resourceTypesFor, selectElements } from '../../core/agents/clinical/elements.js';
import type { DataElement, FhirResource } from '../../core/agents/clinical/types.js';
import type { CaseDataRef, ClinicalDataPort } from '../../core/agents/ports.js';
import { MurmurError } from '../../core/common/errors.js';
import { asResource, fhirCallError, fhirClient, withReadRetry } from './fhir-client.js';
import type { FhirClientOptions } from './fhir-client.js';

export interface FhirClinicalDataOptions extends FhirClientOptions {
  /** The one FHIR server this adapter reads. */
  baseUrl: string;
}

/** Search page size: a patient's record fits in one page; the embedded server has no paging links. */
const PAGE = 1000;
const REF = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;
/** Who may be the prescriber: read through the Claim's links, never searched by subject. */
const PEOPLE: readonly string[] = ['PractitionerRole', 'Practitioner'];

/**
 * Clinical data for agents, read from a FHIR server and cut down to the asked elements
 * (minimum necessary): only resources that belong to one of `elements` come back, projected
 * to the fields those elements keep.
 *
 * A CaseDataRef arrives from the board, so its `fhirBase` is checked against the configured
 * server: a ref cannot make this node send its credentials to another host.
 */
export class FhirClinicalData implements ClinicalDataPort {
  private readonly client: Client;
  private readonly baseUrl: string;

  constructor(private readonly opts: FhirClinicalDataOptions) {
    this.baseUrl = trimSlash(opts.baseUrl);
    this.client = fhirClient(this.baseUrl, opts);
  }

  async fetch(ref: CaseDataRef, elements: readonly DataElement[]): Promise<FhirResource[]> {
    if (trimSlash(ref.fhirBase) !== this.baseUrl) {
      throw new MurmurError('E_INPUT', 'CaseDataRef.fhirBase is not the FHIR server this adapter is configured for.', {
        path: 'CaseDataRef.fhirBase',
      });
    }
    const patientRef = parseRef(ref.patient, 'Patient', 'CaseDataRef.patient');
    const claimRef = parseRef(ref.claim, 'Claim', 'CaseDataRef.claim');
    if (elements.length === 0) return [];

    const patient = await this.read<Patient>('Patient', patientRef.id);
    const claim = await this.read<Claim>('Claim', claimRef.id);
    const pool: Resource[] = [patient, claim];
    const wanted = resourceTypesFor(elements);
    const types = wanted.filter((t) => t !== 'Patient' && t !== 'Claim' && !PEOPLE.includes(t));
    for (const type of types) pool.push(...(await this.search(type, `Patient/${patientRef.id}`)));
    pool.push(...(await this.linked(claim, pool, types)));
    if (elements.includes('prescriber')) pool.push(...(await this.prescribers(claim)));
    // DTR answers are evidence like any other: they become the resources the elements select.
    return selectElements(withQuestionnaireAnswers(withAttachedRecords(pool as FhirResource[])), elements);
  }

  /**
   * What the Claim itself points at (supportingInfo, diagnosis) that the subject searches did not
   * find: a PAS request's clinical facts need not name the patient as their subject.
   */
  private async linked(claim: Claim, pool: readonly Resource[], types: readonly string[]): Promise<Resource[]> {
    const have = new Set(pool.map((r) => `${r.resourceType}/${r.id}`));
    const refs = [...(claim.supportingInfo ?? []).map((s) => s.valueReference), ...(claim.diagnosis ?? []).map((d) => d.diagnosisReference)];
    const out: Resource[] = [];
    for (const ref of refs) {
      const m = REF.exec(ref?.reference ?? '');
      if (!m || !(types.includes(m[1]!) || m[1] === 'QuestionnaireResponse') || have.has(m[0])) continue;
      have.add(m[0]);
      out.push(await this.read(m[1] as Resource['resourceType'], m[2]!));
    }
    return out;
  }

  /**
   * The prescriber the PAS way: the care team's PractitionerRoles and Practitioners (with a
   * Practitioner's roles), the provider when it is one of those; when neither names a person
   * (the provider is the requesting Organization, no care team), that organization's one
   * PractitionerRole. Several roles at the organization name no one: the criterion then pends.
   */
  private async prescribers(claim: Claim): Promise<Resource[]> {
    const refs = [...(claim.careTeam ?? []).map((c) => c.provider), claim.provider]
      .map((r: Reference | undefined) => REF.exec(r?.reference ?? ''))
      .filter((m): m is RegExpExecArray => m !== null && PEOPLE.includes(m[1]!));
    const out: Resource[] = [];
    const seen = new Set<string>();
    const add = (r: Resource): void => {
      const key = `${r.resourceType}/${r.id}`;
      if (seen.has(key)) return;
      seen.add(key);
      out.push(r);
    };
    for (const m of refs) {
      if (seen.has(m[0])) continue;
      add(await this.read(m[1] as 'Practitioner' | 'PractitionerRole', m[2]!));
      if (m[1] === 'Practitioner') for (const r of await this.searchBy('PractitionerRole', { practitioner: m[0] })) add(r);
    }
    const org = REF.exec(claim.provider?.reference ?? '');
    if (out.length === 0 && org?.[1] === 'Organization') {
      const roles = await this.searchBy('PractitionerRole', { organization: org[0] });
      if (roles.length === 1) add(roles[0]!);
    }
    return out;
  }

  private async read<T extends Resource>(resourceType: T['resourceType'], id: string): Promise<T> {
    try {
      return asResource<T>(await withReadRetry(this.opts, () => this.client.read({ resourceType, id })));
    } catch (e) {
      throw fhirCallError(`Reading ${resourceType}/${id}`, e);
    }
  }

  private search(resourceType: string, subject: string): Promise<Resource[]> {
    return this.searchBy(resourceType, { subject });
  }

  private async searchBy(resourceType: string, params: Record<string, string>): Promise<Resource[]> {
    let bundle: Bundle;
    try {
      bundle = asResource<Bundle>(await withReadRetry(this.opts, () => this.client.search({ resourceType, searchParams: { ...params, _count: PAGE } })));
    } catch (e) {
      throw fhirCallError(`Searching ${resourceType} by ${Object.keys(params).join(', ')}`, e);
    }
    const found = (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
    if ((bundle.total ?? 0) > found.length || bundle.link?.some((l) => l.relation === 'next')) {
      // A truncated record would read as missing data and wrongly pend or deny the case.
      throw new MurmurError('E_FHIR', `The ${resourceType} search returned more than ${PAGE} resources; paging is not supported.`, {
        resourceType,
      });
    }
    return found;
  }
}

function parseRef(ref: string, type: string, path: string): { type: string; id: string } {
  const m = REF.exec(ref);
  if (!m || m[1] !== type) throw new MurmurError('E_INPUT', `${path} must be a ${type}/<id> reference.`, { path });
  return { type: m[1], id: m[2]! };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
