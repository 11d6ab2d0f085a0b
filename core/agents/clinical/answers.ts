import { QUESTION_BY_LINK, type AnswerValue } from './questions.js';
import type { FhirResource } from './types.js';

/**
 * A completed QuestionnaireResponse in the record (a DTR answer sent in the PAS Claim's
 * supportingInfo) as evidence: each answer with an extraction becomes the resource the
 * criteria read for that fact, recording who answered (QR.author) and when (QR.authored) and
 * derived from the response. The response itself belongs to no data element, so it is never
 * disclosed whole: each reader gets only the answers that fall in the elements it may read.
 */

interface QrItem {
  linkId?: string;
  answer?: Record<string, unknown>[];
  item?: QrItem[];
}

function valueOf(answer: Record<string, unknown>): AnswerValue | undefined {
  for (const k of ['valueBoolean', 'valueInteger', 'valueDecimal', 'valueDate', 'valueString', 'valueCoding'] as const) {
    if (answer[k] !== undefined) return answer[k] as AnswerValue;
  }
  return undefined;
}

function answered(items: readonly QrItem[] | undefined): { linkId: string; value: AnswerValue }[] {
  return (items ?? []).flatMap((i) => [
    ...(i.linkId && i.answer?.[0]
      ? [{ linkId: i.linkId, value: valueOf(i.answer[0]) }].filter((x): x is { linkId: string; value: AnswerValue } => x.value !== undefined)
      : []),
    ...answered(i.item),
  ]);
}

/** Authorship on the extracted resource, in the field its type keeps it. */
function authored(r: FhirResource, author: unknown, when: string | undefined, from: string): FhirResource {
  const by = author ? [author] : undefined;
  switch (r.resourceType) {
    case 'Observation':
      return { ...r, ...(by ? { performer: by } : {}), ...(when ? { effectiveDateTime: when, issued: when } : {}), derivedFrom: [{ reference: from }] };
    case 'Condition':
      return { ...r, ...(author ? { asserter: author } : {}), ...(when ? { recordedDate: when } : {}), evidence: [{ detail: [{ reference: from }] }] };
    case 'MedicationRequest':
      return { ...r, ...(author ? { requester: author } : {}), ...(when ? { authoredOn: when } : {}), supportingInformation: [{ reference: from }] };
    default:
      return r;
  }
}

export function answersAsRecords(qr: FhirResource): FhirResource[] {
  if (qr.resourceType !== 'QuestionnaireResponse' || !(qr.status === 'completed' || qr.status === 'amended')) return [];
  const subject = (qr.subject as { reference?: string } | undefined)?.reference;
  if (!subject) return [];
  const from = `QuestionnaireResponse/${qr.id ?? 'unknown'}`;
  return answered(qr.item as QrItem[] | undefined).flatMap(({ linkId, value }) => {
    const made = QUESTION_BY_LINK.get(linkId)?.extract?.(value, subject);
    return made ? [authored({ ...made, id: `${qr.id ?? 'qr'}-${linkId}`.slice(0, 64) }, qr.author, qr.authored as string | undefined, from)] : [];
  });
}

/** The pool with every completed response's answers added as the resources they stand for. */
export function withQuestionnaireAnswers(pool: readonly FhirResource[]): FhirResource[] {
  return [...pool, ...pool.flatMap(answersAsRecords)];
}
