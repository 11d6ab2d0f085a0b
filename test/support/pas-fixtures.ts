import type { Bundle, BundleEntry, Claim, ClaimItem, Extension, Resource } from '@medplum/fhirtypes';
import type { CaseFacts, CaseVariant } from '../../fhir/synthetic/index.js';
import { syntheticRequest } from '../../fhir/synthetic/index.js';

/*
 * PAS-shaped request Bundles, written for Murmur's tests (not copied from the IG): the clinical
 * record of a synthetic case, carried the way EHRs send PAS 2.2.1 requests — a collection
 * Bundle with an identifier, https fullUrls and relative references, provider = the requesting
 * Organization (the prescriber a PractitionerRole in careTeam), the PAS item extensions, and
 * optionally several services of which only J3399 has a policy at this payer.
 */

export const EHR_BASE = 'https://ehr.lakeside-childrens.example/fhir';
export const PAS_SD = 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition';
export const X12 = 'https://codesystem.x12.org/005010';
const CPT = 'http://www.ama-assn.org/go/cpt';

export interface PasFixtureOptions {
  /** The Claim's trace number (Claim.identifier value): unique per request of a test run. */
  trace: string;
  /** Claim.provider: the requesting Organization (PAS) or, as Murmur's synthetic bundles have it, the PractitionerRole. */
  provider?: 'organization' | 'practitioner-role';
  /** Add services with no policy at this payer (an IV infusion and an office visit) after J3399. */
  otherServices?: boolean;
  facts?: Partial<CaseFacts>;
}

/** A PAS-shaped request for a synthetic case. */
export function pasRequest(variant: CaseVariant, o: PasFixtureOptions): Bundle {
  const source = syntheticRequest(variant, o.facts ? { facts: o.facts } : {});
  const relative = new Map<string, string>();
  for (const e of source.entry ?? []) relative.set(e.fullUrl!, `${e.resource!.resourceType}/${e.resource!.id}`);
  const entries: BundleEntry[] = (source.entry ?? []).map((e) => {
    const resource = relink(structuredClone(e.resource!), relative) as Resource;
    return { fullUrl: `${EHR_BASE}/${resource.resourceType}/${resource.id}`, resource };
  });
  const claim = entries[0]!.resource as Claim;
  const org = entries.find((e) => e.resource?.resourceType === 'Organization' && (e.resource as { name?: string }).name !== 'Northwind Health Plan')!.resource!;
  claim.identifier = [{ system: `${EHR_BASE}/pa-trace-number`, value: o.trace }];
  claim.meta = { profile: [`${PAS_SD}/profile-claim`] };
  if ((o.provider ?? 'organization') === 'organization') claim.provider = { reference: `Organization/${org.id}` };
  claim.item = [...(claim.item ?? []).map((item) => ({ ...item, extension: itemExtensions() })), ...(o.otherServices ? otherServices(claim.item?.[0]) : [])];
  return {
    resourceType: 'Bundle',
    meta: { profile: [`${PAS_SD}/profile-pas-request-bundle`] },
    identifier: { system: `${EHR_BASE}/submitter-transaction-id`, value: `TX-${o.trace}` },
    type: 'collection',
    timestamp: '2026-03-02T09:00:00Z',
    entry: entries,
  };
}

/** A PAS Claim update of `prior` (a request made by pasRequest): its own trace number, related.claim → the prior by identifier. */
export function pasUpdate(prior: Bundle, next: Bundle, trace: string, change: (items: ClaimItem[]) => ClaimItem[] = (i) => i): Bundle {
  const update = structuredClone(next);
  const claim = update.entry![0]!.resource as Claim;
  const priorClaim = prior.entry![0]!.resource as Claim;
  claim.identifier = [{ system: `${EHR_BASE}/pa-trace-number`, value: trace }];
  claim.meta = { profile: [`${PAS_SD}/profile-claim-update`] };
  claim.related = [
    {
      claim: { identifier: priorClaim.identifier![0]! },
      relationship: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/ex-relatedclaimrelationship', code: 'prior' }] },
    },
  ];
  claim.item = change(claim.item ?? []);
  update.identifier = { system: `${EHR_BASE}/submitter-transaction-id`, value: `TX-${trace}` };
  return update;
}

/** The PAS item extensions an update marks an item with (added, changed; cancelled with the modifier flag). */
export function markItem(item: ClaimItem, change: 'added' | 'changed' | 'cancelled'): ClaimItem {
  const ext: Extension[] = (item.extension ?? []).filter(
    (e) => e.url !== `${PAS_SD}/extension-infoChanged` && e.url !== `${PAS_SD}/extension-certificationType`,
  );
  ext.push({
    url: `${PAS_SD}/extension-certificationType`,
    valueCodeableConcept: { coding: [{ system: `${X12}/1322`, code: change === 'cancelled' ? '3' : 'I' }] },
  });
  if (change !== 'cancelled') ext.push({ url: `${PAS_SD}/extension-infoChanged`, valueCode: change });
  return {
    ...item,
    extension: ext,
    ...(change === 'cancelled' ? { modifierExtension: [{ url: `${PAS_SD}/modifierextension-infoCancelled`, valueBoolean: true }] } : {}),
  };
}

function itemExtensions(): Extension[] {
  return [
    {
      url: `${PAS_SD}/extension-serviceItemRequestType`,
      valueCodeableConcept: { coding: [{ system: `${X12}/1525`, code: 'HS', display: 'Health Services Review' }] },
    },
    { url: `${PAS_SD}/extension-certificationType`, valueCodeableConcept: { coding: [{ system: `${X12}/1322`, code: 'I', display: 'Initial' }] } },
  ];
}

function otherServices(first: ClaimItem | undefined): ClaimItem[] {
  const base = {
    careTeamSequence: first?.careTeamSequence ?? [1],
    diagnosisSequence: first?.diagnosisSequence ?? [1],
    ...(first?.servicedDate ? { servicedDate: first.servicedDate } : {}),
    extension: itemExtensions(),
  };
  return [
    {
      ...base,
      sequence: 2,
      productOrService: { coding: [{ system: CPT, code: '96365', display: 'Intravenous infusion, initial, up to 1 hour' }] },
      quantity: { value: 1 },
    },
    {
      ...base,
      sequence: 3,
      productOrService: { coding: [{ system: CPT, code: '99215', display: 'Office visit, established patient' }] },
      quantity: { value: 1 },
    },
  ];
}

function relink(value: unknown, relative: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => relink(v, relative));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = k === 'reference' && typeof v === 'string' && relative.has(v) ? relative.get(v) : relink(v, relative);
    return out;
  }
  return value;
}

/**
 * References of a Bundle that do not resolve to exactly one entry: a relative `Type/id`
 * resolves to the fullUrl ending `/Type/id`, an absolute or urn one to the equal fullUrl.
 */
export function unresolvedReferences(bundle: Bundle): string[] {
  const urls = (bundle.entry ?? []).map((e) => e.fullUrl ?? '');
  const bad: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      if (k === 'reference' && typeof x === 'string' && !x.startsWith('#')) {
        const n = urls.filter((u) => u === x || (!/^(https?|urn):/.test(x) && u.endsWith(`/${x}`))).length;
        if (n !== 1) bad.push(`${x} (${n})`);
      } else walk(x);
    }
  };
  for (const e of bundle.entry ?? []) walk(e.resource);
  return bad;
}

/** The reference request with an extension nested `depth` deep on its Claim. */
export function deeplyNested(depth: number): Bundle {
  const bundle = syntheticRequest('reference');
  let ext: Extension = { url: 'http://example.org/leaf', valueString: 'x' };
  for (let i = 0; i < depth; i++) ext = { url: 'http://example.org/nest', extension: [ext] };
  (bundle.entry![0]!.resource as Claim).extension = [ext];
  return bundle;
}

/** The same as JSON text, built without JSON.stringify (which itself overflows at this depth). */
export function deeplyNestedText(depth: number): string {
  const leaf = '{"url":"http://example.org/leaf","valueString":"x"}';
  const nested = `${'{"url":"http://example.org/nest","extension":['.repeat(depth)}${leaf}${']}'.repeat(depth)}`;
  return JSON.stringify(deeplyNested(0)).replace(leaf, nested);
}
