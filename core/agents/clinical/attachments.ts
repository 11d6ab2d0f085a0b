import type { FhirResource } from './types.js';

/**
 * Clinical facts that travel inside attached documents. A provider may attach structured data
 * (a FHIR resource or Bundle as `application/fhir+json`) to a DocumentReference or straight to
 * `Claim.supportingInfo.valueAttachment`: those resources join the case's record, so a criterion
 * reads them like any other. An attachment Murmur cannot read (a PDF, a scan) stays a document
 * of its type: a criterion that finds only such a document pends for clinical review of it.
 */

/** Decoded attachment size above which the content is not parsed (the document still counts). */
export const MAX_ATTACHMENT_BYTES = 2 * 1024 * 1024;
/** Resources taken from one attachment, at most. */
export const MAX_ATTACHED_RESOURCES = 500;

const FHIR_JSON = /^application\/(fhir\+json|json\+fhir|json)\b/i;
const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;

interface Attachment {
  contentType?: string;
  data?: string;
}
interface Coding {
  system?: string;
  code?: string;
  display?: string;
}

function isResource(x: unknown): x is FhirResource {
  return (
    typeof x === 'object' &&
    x !== null &&
    !Array.isArray(x) &&
    typeof (x as { resourceType?: unknown }).resourceType === 'string' &&
    RESOURCE_TYPE.test((x as { resourceType: string }).resourceType)
  );
}

/** The resources an attachment's data holds, or none when it is not FHIR JSON or not readable. */
export function resourcesIn(attachment: Attachment | undefined): FhirResource[] {
  if (!attachment?.data || !FHIR_JSON.test(attachment.contentType ?? '')) return [];
  // base64 is 4 characters per 3 bytes: refuse before decoding what would be too big.
  if ((attachment.data.length * 3) / 4 > MAX_ATTACHMENT_BYTES) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(attachment.data, 'base64').toString('utf8'));
  } catch {
    return [];
  }
  if (!isResource(parsed)) return [];
  if (parsed.resourceType !== 'Bundle') return [parsed];
  const entries = (parsed.entry as { resource?: unknown }[] | undefined) ?? [];
  return entries.flatMap((e) => (isResource(e?.resource) && e.resource.resourceType !== 'Bundle' ? [e.resource] : [])).slice(0, MAX_ATTACHED_RESOURCES);
}

/**
 * The pool with what its attachments hold added: resources inside FHIR-JSON attachments of
 * DocumentReferences and of the Claim's supportingInfo, and, for a supportingInfo attachment
 * that is not FHIR, a DocumentReference of the type its `code` names (so the document counts).
 * Facts the Claim carries inline count too: a `diagnosis.diagnosisCodeableConcept` (PAS sends
 * the ICD-10-CM code so, often with no Condition) as a Condition, and a care-team member's
 * `qualification` (its NUCC taxonomy) as a PractitionerRole with that code.
 */
export function withAttachedRecords(pool: readonly FhirResource[]): FhirResource[] {
  const out = [...pool];
  for (const r of pool) {
    if (r.resourceType === 'DocumentReference') {
      for (const c of (r.content as { attachment?: Attachment }[] | undefined) ?? []) out.push(...resourcesIn(c.attachment));
    }
    if (r.resourceType === 'Claim') {
      const subject = r.patient;
      for (const [i, d] of ((r.diagnosis as { sequence?: number; diagnosisCodeableConcept?: { coding?: Coding[] } }[] | undefined) ?? []).entries()) {
        if (!d.diagnosisCodeableConcept?.coding?.length) continue;
        out.push({
          resourceType: 'Condition',
          id: `${r.id ?? 'claim'}-diagnosis-${d.sequence ?? i + 1}`,
          code: d.diagnosisCodeableConcept,
          ...(subject ? { subject } : {}),
        });
      }
      for (const [i, m] of ((r.careTeam as { sequence?: number; qualification?: { coding?: Coding[] } }[] | undefined) ?? []).entries()) {
        if (!m.qualification?.coding?.length) continue;
        out.push({ resourceType: 'PractitionerRole', id: `${r.id ?? 'claim'}-care-team-${m.sequence ?? i + 1}`, code: [m.qualification] });
      }
      for (const [i, info] of ((r.supportingInfo as { code?: { coding?: Coding[] }; valueAttachment?: Attachment }[] | undefined) ?? []).entries()) {
        if (!info.valueAttachment) continue;
        const inside = resourcesIn(info.valueAttachment);
        if (inside.length > 0) out.push(...inside);
        else if (info.code?.coding?.length) {
          out.push({ resourceType: 'DocumentReference', id: `${r.id ?? 'claim'}-supporting-${i + 1}`, status: 'current', type: { coding: info.code.coding } });
        }
      }
    }
  }
  return out;
}
