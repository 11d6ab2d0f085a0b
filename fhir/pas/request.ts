import { readFile, stat } from 'node:fs/promises';
import type { Bundle, Claim, Patient, Reference, Resource } from '@medplum/fhirtypes';
import { z } from 'zod';
import { MurmurError } from '../../core/common/errors.js';
import { describeIssue, validationIssues } from '../server/validation.js';
import { jsonErrorPosition } from './json-position.js';
import { checkJsonLimits } from './limits.js';

/** A checked PAS-style request: the Bundle, its preauthorization Claim and the Claim's Patient. */
export interface PasRequest {
  bundle: Bundle;
  claim: Claim;
  patient: Patient;
  /** Every resource of the Bundle, in entry order (the Claim and the Patient included). */
  resources: Resource[];
}

const BundleShape = z.looseObject({
  resourceType: z.literal('Bundle'),
  entry: z.array(z.looseObject({ fullUrl: z.string().optional(), resource: z.unknown() })).optional(),
});
const ResourceShape = z.looseObject({ resourceType: z.string().regex(/^[A-Z][A-Za-z]{1,63}$/), id: z.string().optional() });

/** The largest request Bundle taken, over HTTP or from a file (4 MiB: documents travel as attachments). */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

function bad(message: string, path: string, extra: Record<string, unknown> = {}): MurmurError {
  return new MurmurError('E_INPUT', message, { path, ...extra });
}

/** Reads and checks a PAS request Bundle from a JSON file. Messages name the place, never the content. */
export async function readPasRequestFile(path: string): Promise<PasRequest> {
  let text: string;
  try {
    // A file larger than the API would take is refused before it is read.
    if ((await stat(path)).size > MAX_REQUEST_BYTES) {
      throw new MurmurError('E_INPUT', `The PAS request file ${path} is larger than ${MAX_REQUEST_BYTES / 1024 / 1024} MiB.`, { path, file: path });
    }
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof MurmurError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code})`;
    throw new MurmurError('E_INPUT', `The PAS request file ${path} ${why}.`, { path, file: path });
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    const at = jsonErrorPosition(text);
    throw new MurmurError('E_INPUT', `The PAS request file ${path} is not JSON: invalid at line ${at.line}, column ${at.column}.`, {
      path,
      file: path,
      line: at.line,
      column: at.column,
    });
  }
  return parsePasRequest(input);
}

/**
 * Checks a PAS request Bundle: a Bundle with entries, exactly one Claim with
 * use = preauthorization whose items carry a productOrService code, every reference the
 * Claim makes resolvable inside the Bundle, and every resource valid base R4.
 */
export function parsePasRequest(input: unknown): PasRequest {
  checkJsonLimits(input);
  const shape = BundleShape.safeParse(input);
  if (!shape.success) {
    const rt = typeof input === 'object' && input !== null ? (input as { resourceType?: unknown }).resourceType : undefined;
    const what = typeof rt === 'string' && /^[A-Za-z]{1,64}$/.test(rt) ? `a ${rt}` : 'not a FHIR resource';
    throw bad(`The PAS request must be a FHIR Bundle, but it is ${what}.`, 'Bundle.resourceType');
  }
  const bundle = input as Bundle;
  const entries = shape.data.entry ?? [];
  if (entries.length === 0) throw bad('The PAS request Bundle has no entries; it must carry the Claim and its resources.', 'Bundle.entry');

  const resources: Resource[] = entries.map((entry, i) => {
    if (!ResourceShape.safeParse(entry.resource).success) {
      throw bad(`Bundle.entry[${i}] has no resource with a valid resourceType.`, `Bundle.entry[${i}].resource`);
    }
    return entry.resource as Resource;
  });

  // Structure first: the checks below walk Claim elements and must meet only R4-shaped ones
  // (a `diagnosis` of 0 made them throw a TypeError, which a server answered as its own fault).
  checkValid(resources);

  // A PAS Claim update carries the prior version of the Claim too (Claim.related.claim): the
  // request is the preauthorization Claim no other Claim of the Bundle names as its prior.
  const priors = new Set(
    resources.flatMap((r) =>
      r.resourceType === 'Claim'
        ? listOf((r as Claim).related, 'Claim.related')
            .map((x) => x.claim?.reference)
            .filter((x): x is string => !!x)
        : [],
    ),
  );
  const claims = resources
    .map((r, i) => ({ r, i }))
    .filter(({ r, i }) => r.resourceType === 'Claim' && (r as Claim).use === 'preauthorization' && !isPrior(priors, entries[i]!.fullUrl, r));
  if (claims.length === 0) throw bad('The PAS request Bundle has no Claim with use = preauthorization.', 'Bundle.entry');
  if (claims.length > 1) {
    throw bad(`The PAS request Bundle has ${claims.length} Claims with use = preauthorization; it must have exactly one.`, 'Bundle.entry');
  }
  const claim = claims[0]!.r as Claim;

  checkItems(claim);
  const patient = checkReferences(claim, entries, resources);
  return { bundle, claim, patient, resources };
}

/** A repeating element as a list of objects, or an E_INPUT naming it: the R4 validator lets some shapes through. */
function listOf<T>(value: T[] | undefined, path: string): T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((x) => typeof x !== 'object' || x === null || Array.isArray(x)))
    throw bad(`${path} must be a list of elements.`, path);
  return value;
}

function isPrior(priors: ReadonlySet<string>, fullUrl: string | undefined, r: Resource): boolean {
  return (fullUrl !== undefined && priors.has(fullUrl)) || (r.id !== undefined && priors.has(`Claim/${r.id}`));
}

function checkItems(claim: Claim): void {
  const items = listOf(claim.item, 'Claim.item');
  if (items.length === 0) throw bad('The preauthorization Claim has no item; it must name the requested service (HCPCS, e.g. J3399).', 'Claim.item');
  items.forEach((item, i) => {
    const coded = (item.productOrService?.coding ?? []).some((c) => typeof c.code === 'string' && c.code.trim() !== '');
    if (!coded) {
      throw bad(
        `Claim.item[${i}].productOrService has no code; it must carry the requested service's HCPCS code (e.g. J3399).`,
        `Claim.item[${i}].productOrService.coding`,
      );
    }
  });
}

/** The Claim's references that must resolve inside the Bundle, with their element paths. */
function claimReferences(claim: Claim): { path: string; ref: Reference | undefined; required: boolean }[] {
  return [
    { path: 'Claim.patient', ref: claim.patient, required: true },
    { path: 'Claim.provider', ref: claim.provider, required: true },
    { path: 'Claim.insurer', ref: claim.insurer, required: true },
    ...listOf(claim.diagnosis, 'Claim.diagnosis').map((d, i) => ({
      path: `Claim.diagnosis[${i}].diagnosisReference`,
      ref: d.diagnosisReference,
      required: false,
    })),
    ...listOf(claim.supportingInfo, 'Claim.supportingInfo').map((s, i) => ({
      path: `Claim.supportingInfo[${i}].valueReference`,
      ref: s.valueReference,
      required: false,
    })),
    ...listOf(claim.careTeam, 'Claim.careTeam').map((c, i) => ({ path: `Claim.careTeam[${i}].provider`, ref: c.provider, required: true })),
  ];
}

function checkReferences(claim: Claim, entries: readonly { fullUrl?: string }[], resources: readonly Resource[]): Patient {
  const contained = new Set(listOf(claim.contained, 'Claim.contained').map((r) => `#${r.id}`));
  const find = (ref: string): Resource | undefined => {
    const i = entries.findIndex((e, k) => {
      const r = resources[k]!;
      return (
        e.fullUrl === ref ||
        (r.id !== undefined && `${r.resourceType}/${r.id}` === ref) ||
        (!!e.fullUrl && !ref.startsWith('urn:') && e.fullUrl.endsWith(`/${ref}`))
      );
    });
    return i === -1 ? undefined : resources[i];
  };
  let patient: Patient | undefined;
  for (const { path, ref, required } of claimReferences(claim)) {
    if (!ref?.reference) {
      if (required) throw bad(`${path} is missing; the Claim must reference it by a Bundle entry.`, path);
      continue;
    }
    if (contained.has(ref.reference)) continue;
    const target = find(ref.reference);
    if (!target) throw bad(`${path} → ${ref.reference} is not in the Bundle.`, path, { reference: ref.reference });
    if (path === 'Claim.patient') {
      if (target.resourceType !== 'Patient') throw bad(`Claim.patient → ${ref.reference} is a ${target.resourceType}, not a Patient.`, path);
      patient = target as Patient;
    }
  }
  return patient!;
}

function checkValid(resources: readonly Resource[]): void {
  resources.forEach((resource, i) => {
    const [issue] = validationIssues(resource);
    if (issue) {
      const element = issue.expression?.[0] ?? resource.resourceType;
      throw bad(`The ${resource.resourceType} in Bundle.entry[${i}] is not valid FHIR R4: ${describeIssue(issue)}.`, element, { entry: i });
    }
  });
}
