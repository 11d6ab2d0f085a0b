import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import type {
  Bundle,
  Questionnaire,
  QuestionnaireItem,
  QuestionnaireResponse,
  QuestionnaireResponseItem,
  QuestionnaireResponseItemAnswer,
  Resource,
} from '@medplum/fhirtypes';

/*
 * An EHR's DTR app, for the tests: fills a payer's Questionnaire from the patient's record the
 * way SDC prepopulation says (each item's x-fhir-query variable run against the record, its
 * FHIRPath initialExpression over the result), honouring enableWhen. Written here, apart from
 * the project's generator, so a test can fail when the two disagree.
 */

const VARIABLE = 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-variable';
const INITIAL = 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-initialExpression';

type R = Resource & Record<string, unknown>;

/** A tiny FHIR search over an in-memory record: type, then code / status / clinical-status / patient filters. */
export function search(record: readonly R[], query: string, vars: { patient: R; user?: R }): Bundle {
  const q = query.replace(/\{\{%patient\.id\}\}/g, vars.patient.id ?? '').replace(/\{\{%user\.id\}\}/g, vars.user?.id ?? '');
  const [type, params = ''] = q.split('?');
  const filters = new URLSearchParams(params);
  const matches = record.filter((r) => {
    if (r.resourceType !== type) return false;
    for (const [k, v] of filters) {
      const codings = (x: unknown) => (x as { coding?: { system?: string; code?: string }[] } | undefined)?.coding ?? [];
      if (k === 'code') {
        const [system, code] = v.includes('|') ? v.split('|') : [undefined, v];
        const all = [...codings(r.code), ...codings(r.medicationCodeableConcept)];
        if (!all.some((c) => c.code === code && (!system || c.system === system))) return false;
      } else if (k === 'status') {
        if (r.status !== v) return false;
      } else if (k === 'clinical-status') {
        if (!codings(r.clinicalStatus).some((c) => c.code === v)) return false;
      }
      // patient / practitioner: the record is one patient's, one prescriber's.
    }
    return true;
  });
  return { resourceType: 'Bundle', type: 'searchset', entry: matches.map((resource) => ({ resource })) };
}

function answerOf(item: QuestionnaireItem, value: unknown): QuestionnaireResponseItemAnswer | undefined {
  if (value === undefined || value === null) return undefined;
  switch (item.type) {
    case 'boolean':
      return typeof value === 'boolean' ? { valueBoolean: value } : undefined;
    case 'integer':
      return typeof value === 'number' ? { valueInteger: Math.round(value) } : undefined;
    case 'decimal':
      return typeof value === 'number' ? { valueDecimal: value } : undefined;
    case 'date':
      return typeof value === 'string' ? { valueDate: value.slice(0, 10) } : undefined;
    case 'string':
      return typeof value === 'string' ? { valueString: value } : undefined;
    case 'choice':
      return typeof value === 'object' && value && 'code' in value ? { valueCoding: value as { system?: string; code?: string; display?: string } } : undefined;
    default:
      return undefined;
  }
}

function enabled(item: QuestionnaireItem, answers: Map<string, QuestionnaireResponseItemAnswer>): boolean {
  return (item.enableWhen ?? []).every((w) => {
    const a = answers.get(w.question!);
    const got = a?.valueInteger ?? a?.valueBoolean ?? a?.valueDecimal;
    const want = w.answerInteger ?? w.answerBoolean ?? w.answerDecimal;
    return w.operator === '=' ? got === want : got !== want;
  });
}

/** The QuestionnaireResponse the DTR app would produce, every answer taken from the record. */
export function fillQuestionnaire(
  q: Questionnaire,
  record: readonly Resource[],
  o: { author: string; authored: string; subject: string; user?: Resource },
): QuestionnaireResponse {
  const rec = record as R[];
  const patient = rec.find((r) => r.resourceType === 'Patient')!;
  const user = (o.user ?? rec.find((r) => r.resourceType === 'PractitionerRole')) as R | undefined;
  const answers = new Map<string, QuestionnaireResponseItemAnswer>();
  const fill = (items: readonly QuestionnaireItem[]): QuestionnaireResponseItem[] =>
    items.flatMap((item): QuestionnaireResponseItem[] => {
      if (item.type === 'display') return [];
      if (item.type === 'group') {
        const inner = fill(item.item ?? []);
        return inner.length ? [{ linkId: item.linkId!, ...(item.text ? { text: item.text } : {}), item: inner }] : [];
      }
      if (!enabled(item, answers)) return [];
      const query = item.extension?.find((e) => e.url === VARIABLE)?.valueExpression?.expression;
      const initial = item.extension?.find((e) => e.url === INITIAL)?.valueExpression?.expression;
      if (!initial) return [];
      const env: Record<string, unknown> = {
        patient,
        ...(user ? { user } : {}),
        ...(query ? { record: search(rec, query, { patient, ...(user ? { user } : {}) }) } : {}),
      };
      const out = fhirpath.evaluate({}, initial, env, r4Model) as unknown[];
      const answer = answerOf(item, out[0]);
      if (!answer) return [];
      answers.set(item.linkId!, answer);
      return [{ linkId: item.linkId!, ...(item.text ? { text: item.text } : {}), answer: [answer] }];
    });
  return {
    resourceType: 'QuestionnaireResponse',
    questionnaire: `${q.url}|${q.version}`,
    status: 'completed',
    subject: { reference: o.subject },
    author: { reference: o.author },
    authored: o.authored,
    item: fill(q.item ?? []),
  };
}
