import type { Bundle, Claim, ClaimItem, Coverage, Extension, Identifier, Organization, Patient, Reference, Resource } from '@medplum/fhirtypes';
import { canonicalJson } from '../../core/common/canonical.js';
import { sha256Hex } from '../../core/common/hash.js';
import type { PasRequest } from './request.js';

/** PAS extensions a cancel is expressed with (2.x; `infoCancelledFlag` is the 1.x name). */
export const CERTIFICATION_TYPE = 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-certificationType';
export const X12_1322_CERTIFICATION_TYPE = 'https://codesystem.x12.org/005010/1322';
const INFO_CANCELLED = /\/StructureDefinition\/(modifierextension-infoCancelled|extension-infoCancelledFlag)$/;

/**
 * The parties a request is about, as business identity (Bundle-local ids mean nothing across
 * two submissions): an update must keep every one of them, or it is another request.
 */
export interface RequestParties {
  patient: string;
  member: string;
  insurer: string;
  provider: string;
}

/** The Claim element each party is named by, for the refusal of an update that changes it. */
export const PARTY_PATHS: Record<keyof RequestParties, string> = {
  patient: 'Claim.patient',
  member: 'Claim.insurance.coverage',
  insurer: 'Claim.insurer',
  provider: 'Claim.provider',
};

/** Where the request's own resources sit in its Bundle, so the answer can name them the same way (spec-33). */
export interface RequestUrls {
  claim?: string;
  patient?: string;
  insurer?: string;
  provider?: string;
  /** (`provider`: the requestor: the provider, or its PractitionerRole's organization.) The requesting organization's identifiers (`system|value`): what a Subscription's org-identifier filter names. */
  orgIdentifiers?: string[];
  /** The request Bundle's identifier (the submitter's transaction id), which the response Bundle echoes. */
  bundleIdentifier?: { system?: string; value: string };
}

/** What a request cancels: all of it (Claim.status cancelled, or certification type 3 on the Claim), or some items. */
export interface Cancellation {
  whole: boolean;
  /** Sequences of the items cancelled (every item when whole). */
  items: number[];
}

/**
 * The request's content hash: RFC 8785 JSON of its resources without what a resend may change
 * (the Bundle's id, identifier, timestamp and meta; each resource's meta and narrative), so a
 * retry of the same request matches and anything that changes the substance does not.
 */
export function requestHash(bundle: Bundle): string {
  const entries = (bundle.entry ?? []).map((e) => {
    const { meta: _meta, text: _text, ...rest } = (e.resource ?? {}) as Resource & { text?: unknown };
    return { fullUrl: e.fullUrl ?? null, resource: rest };
  });
  return sha256Hex(canonicalJson({ type: bundle.type ?? null, entries }));
}

/** The request's parties as identity keys (identifiers first; names and dates where a resource has none). */
export function requestParties(request: PasRequest): RequestParties {
  return partiesOf(request.bundle, request.claim);
}

/**
 * The parties a Bundle's Claim names, each "" where the Bundle does not carry it (an
 * `$inquire` may name only some: the keys it gives are the ones matched).
 */
export function partiesOf(bundle: Bundle, claim: Claim): RequestParties {
  const request = { bundle };
  const patient = resolve<Patient>(request, claim.patient);
  const coverage = claim.insurance?.find((i) => i.focal)?.coverage ?? claim.insurance?.[0]?.coverage;
  const cov = resolve<Coverage>(request, coverage);
  const insurer = resolve<Organization>(request, claim.insurer);
  const provider = resolve<Party>(request, claim.provider);
  return {
    patient: patient ? identifiersKey(patient.identifier) || `${JSON.stringify(patient.name ?? [])}|${patient.birthDate ?? ''}` : '',
    member: cov ? [cov.subscriberId ?? '', identifiersKey(cov.identifier)].join('|') : '',
    insurer: insurer ? identifiersKey(insurer.identifier) || (insurer.name ?? '') : claim.insurer?.identifier ? identifiersKey([claim.insurer.identifier]) : '',
    provider: provider ? partyKey(request, provider) : '',
  };
}

/** The first party of `prior` that `next` names differently, if any. */
export function changedParty(prior: RequestParties, next: RequestParties): keyof RequestParties | undefined {
  return (Object.keys(PARTY_PATHS) as (keyof RequestParties)[]).find((k) => prior[k] !== next[k]);
}

/** Whether a request's parties match every key an inquiry gives. */
export function partiesMatch(request: RequestParties, inquiry: RequestParties): boolean {
  return (Object.keys(PARTY_PATHS) as (keyof RequestParties)[]).every((k) => inquiry[k] === '' || inquiry[k] === request[k]);
}

/** The fullUrls of the Claim, Patient, insurer and provider in the request Bundle, and the Bundle's identifier. */
export function requestUrls(request: PasRequest): RequestUrls {
  const urlOf = (r: Resource | undefined): string | undefined => (r ? request.bundle.entry?.find((e) => e.resource === r)?.fullUrl : undefined);
  const urls: RequestUrls = {};
  const set = (k: 'claim' | 'patient' | 'insurer' | 'provider', v: string | undefined): void => {
    if (v) urls[k] = v;
  };
  set('claim', urlOf(request.claim));
  set('patient', urlOf(request.patient as Patient));
  set('insurer', urlOf(resolve(request, request.claim.insurer)));
  // The requestor the answer names: the provider, or the organization of the provider's PractitionerRole.
  const provider = resolve<Party>(request, request.claim.provider);
  const org =
    provider?.resourceType === 'PractitionerRole'
      ? resolve<Party>(request, provider.organization)
      : provider?.resourceType === 'Organization'
        ? provider
        : undefined;
  set('provider', urlOf(provider?.resourceType === 'PractitionerRole' ? org : provider));
  const orgIds = (org?.identifier ?? []).filter((i) => i.value).map((i) => `${i.system ?? ''}|${i.value}`);
  if (orgIds.length > 0) urls.orgIdentifiers = orgIds;
  const id = request.bundle.identifier;
  if (id?.value) urls.bundleIdentifier = { ...(id.system ? { system: id.system } : {}), value: id.value };
  return urls;
}

type Party = Resource & { identifier?: Identifier[]; name?: unknown; practitioner?: Reference; organization?: Reference };

/** A provider's identity: its identifiers (else name); a PractitionerRole's, its practitioner's and organization's. */
function partyKey(request: { bundle: Bundle }, p: Party): string {
  const own = identifiersKey(p.identifier) || JSON.stringify(p.name ?? '');
  if (p.resourceType !== 'PractitionerRole') return `${p.resourceType}|${own}`;
  const of = (ref: Reference | undefined): string => {
    const r = resolve<Party>(request, ref);
    return r ? identifiersKey(r.identifier) || JSON.stringify(r.name ?? '') : ref?.identifier ? identifiersKey([ref.identifier]) : '';
  };
  return `PractitionerRole|${own}|${of(p.practitioner)}|${of(p.organization)}`;
}

/** What the Claim cancels, or undefined when it cancels nothing. */
export function cancellationOf(claim: Claim): Cancellation | undefined {
  const items = claim.item ?? [];
  const whole = claim.status === 'cancelled' || isCancelCertification(claim.extension);
  if (whole) return { whole: true, items: items.map((i) => i.sequence) };
  const cancelled = items.filter(itemCancelled).map((i) => i.sequence);
  return cancelled.length > 0 ? { whole: false, items: cancelled } : undefined;
}

function itemCancelled(item: ClaimItem): boolean {
  const flag = [...(item.modifierExtension ?? []), ...(item.extension ?? [])].some((e) => INFO_CANCELLED.test(e.url) && e.valueBoolean === true);
  return flag || isCancelCertification(item.extension);
}

function isCancelCertification(extensions: Extension[] | undefined): boolean {
  return (extensions ?? []).some(
    (e) =>
      e.url === CERTIFICATION_TYPE &&
      (e.valueCodeableConcept?.coding ?? []).some((c) => c.code === '3' && (!c.system || c.system === X12_1322_CERTIFICATION_TYPE)),
  );
}

function identifiersKey(ids: Identifier[] | undefined): string {
  return (ids ?? [])
    .filter((i) => i.value)
    .map((i) => `${i.system ?? ''}|${i.value}`)
    .sort()
    .join(',');
}

/** The Bundle entry a reference names (fullUrl, `Type/id`, or an absolute URL ending in `Type/id`). */
function resolve<T extends Resource>(request: { bundle: Bundle }, ref: Reference | undefined): T | undefined {
  const r = ref?.reference;
  if (!r) return undefined;
  const entry = (request.bundle.entry ?? []).find((e) => {
    const res = e.resource;
    if (!res) return false;
    const local = res.id !== undefined ? `${res.resourceType}/${res.id}` : undefined;
    return (
      e.fullUrl === r ||
      local === r ||
      (!!local && /^https?:/.test(r) && r.endsWith(`/${local}`)) ||
      (!!e.fullUrl && !r.startsWith('urn:') && e.fullUrl.endsWith(`/${r}`))
    );
  });
  return entry?.resource as T | undefined;
}
