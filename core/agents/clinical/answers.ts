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

/** Every answer, in order; a repeating question gives one entry per answer. */
function answered(items: readonly QrItem[] | undefined): { linkId: string; value: AnswerValue; n: number }[] {
  return (items ?? []).flatMap((i) => [
    ...(i.linkId
      ? (i.answer ?? []).flatMap((a, n) => {
          const value = valueOf(a);
          return value === undefined ? [] : [{ linkId: i.linkId!, value, n }];
        })
      : []),
    ...answered(i.item),
  ]);
}

function isPractitioner(author: unknown): boolean {
  return /^Practitioner\//.test((author as { reference?: string } | undefined)?.reference ?? '');
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
    case 'MedicationAdministration':
      return {
        ...r,
        ...(author ? { performer: [{ actor: author }] } : {}),
        ...(when ? { effectiveDateTime: when } : {}),
        supportingInformation: [{ reference: from }],
      };
    case 'PractitionerRole':
      // The answer is the author's own specialty: the role is the author's.
      return {
        ...r,
        ...(isPractitioner(author) ? { practitioner: author } : {}),
        ...(when ? { period: { start: when } } : {}),
      };
    default:
      return r;
  }
}

export function answersAsRecords(qr: FhirResource): FhirResource[] {
  if (qr.resourceType !== 'QuestionnaireResponse' || !(qr.status === 'completed' || qr.status === 'amended')) return [];
  const subject = (qr.subject as { reference?: string } | undefined)?.reference;
  if (!subject) return [];
  const from = `QuestionnaireResponse/${qr.id ?? 'unknown'}`;
  const answers = answered(qr.item as QrItem[] | undefined);
  const first = new Map<string, AnswerValue>();
  for (const a of answers) if (!first.has(a.linkId)) first.set(a.linkId, a.value);
  return answers.flatMap(({ linkId, value, n }) => {
    const made = QUESTION_BY_LINK.get(linkId)?.extract?.(value, subject, first);
    const id = `${qr.id ?? 'qr'}-${linkId}${n > 0 ? `-${n}` : ''}`.slice(0, 64);
    return made ? [authored({ ...made, id }, qr.author, qr.authored as string | undefined, from)] : [];
  });
}

/** The pool with every completed response's answers added as the resources they stand for. */
export function withQuestionnaireAnswers(pool: readonly FhirResource[]): FhirResource[] {
  return [...pool, ...pool.flatMap(answersAsRecords)];
}
