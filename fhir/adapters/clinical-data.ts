import type { Bundle, Claim, Patient, PractitionerRole, Reference, Resource } from '@medplum/fhirtypes';
import type { Client } from 'fhir-kit-client';
import { resourceTypesFor, selectElements } from '../../core/agents/clinical/elements.js';
import type { DataElement, FhirResource } from '../../core/agents/clinical/types.js';
import type { CaseDataRef, ClinicalDataPort } from '../../core/agents/ports.js';
import { MurmurError } from '../../core/common/errors.js';
import { asResource, fhirCallError, fhirClient, withAuthRetry } from './fhir-client.js';
import type { FhirClientOptions } from './fhir-client.js';

export interface FhirClinicalDataOptions extends FhirClientOptions {
  /** The one FHIR server this adapter reads. */
  baseUrl: string;
}

/** Search page size: a patient's record fits in one page; the embedded server has no paging links. */
const PAGE = 1000;
const REF = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;

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
    const types = resourceTypesFor(elements).filter((t) => t !== 'Patient' && t !== 'Claim' && t !== 'PractitionerRole');
    for (const type of types) pool.push(...(await this.search(type, `Patient/${patientRef.id}`)));
    if (elements.includes('prescriber')) pool.push(...(await this.prescriberRoles(claim)));
    return selectElements(pool as FhirResource[], elements);
  }

  /** The PractitionerRoles the Claim names as provider or on its care team. */
  private async prescriberRoles(claim: Claim): Promise<PractitionerRole[]> {
    const refs = [claim.provider, ...(claim.careTeam ?? []).map((c) => c.provider)]
      .map((r: Reference | undefined) => r?.reference)
      .filter((r): r is string => typeof r === 'string' && r.startsWith('PractitionerRole/'));
    const out: PractitionerRole[] = [];
    for (const ref of new Set(refs)) {
      const { id } = parseRef(ref, 'PractitionerRole', 'Claim.provider');
      out.push(await this.read<PractitionerRole>('PractitionerRole', id));
    }
    return out;
  }

  private async read<T extends Resource>(resourceType: T['resourceType'], id: string): Promise<T> {
    try {
      return asResource<T>(await withAuthRetry(this.opts, () => this.client.read({ resourceType, id })));
    } catch (e) {
      throw fhirCallError(`Reading ${resourceType}/${id}`, e);
    }
  }

  private async search(resourceType: string, subject: string): Promise<Resource[]> {
    let bundle: Bundle;
    try {
      bundle = asResource<Bundle>(
        await withAuthRetry(this.opts, () => this.client.search({ resourceType, searchParams: { subject, _count: PAGE } })),
      );
    } catch (e) {
      throw fhirCallError(`Searching ${resourceType} by subject`, e);
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
