import type { Extension, Questionnaire, QuestionnaireItem, ValueSet } from '@medplum/fhirtypes';
import type { CoveragePolicy, PolicyCriterion } from '../../core/agents/clinical/policy.js';
import { NUCC } from '../../core/agents/clinical/elements.js';
import { LOCAL_VALUESETS, questionsFor, type AnswerCoding, type QuestionSpec } from '../../core/agents/clinical/questions.js';

/**
 * A policy's DTR questionnaire, generated from its criteria: one group per criterion (its
 * number and title), the questions of the data elements the criterion reads (each once),
 * prepopulated by SDC x-fhir-query variables and FHIRPath initial expressions, with the
 * ValueSets of its choice questions. The Questionnaire's url is the policy's, its version the
 * policy's version: a new policy version is a new questionnaire.
 */

const SDC = 'http://hl7.org/fhir/uv/sdc/StructureDefinition';
export const DTR_STD_QUESTIONNAIRE = 'http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/dtr-std-questionnaire';

/**
 * The base of the payer's questionnaire canonicals: an identifier, not an address (the same
 * on every deployment, so a questionnaire named in a pend is the one CRD and DTR name).
 */
export const QUESTIONNAIRE_BASE = 'http://northwind-health.example/fhir';

export function questionnaireUrl(base: string, policy: CoveragePolicy): string {
  return `${base}/Questionnaire/${policy.id}`;
}

/** A code-list parameter of the criterion (e.g. the prescriber taxonomies) as a choice's answers. */
function parameterCodes(c: PolicyCriterion): AnswerCoding[] | undefined {
  const list = Object.values(c.parameters ?? {}).find((v): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string'));
  return list?.map((code) => ({ system: NUCC, code, display: code }));
}

function valueSet(url: string, title: string, version: string, codes: readonly AnswerCoding[]): ValueSet {
  const bySystem = new Map<string, AnswerCoding[]>();
  for (const c of codes) bySystem.set(c.system, [...(bySystem.get(c.system) ?? []), c]);
  return {
    resourceType: 'ValueSet',
    id: url.split('/').pop()!,
    url,
    version,
    name: title.replace(/[^A-Za-z0-9]/g, ''),
    title,
    status: 'active',
    compose: { include: [...bySystem].map(([system, cs]) => ({ system, concept: cs.map((c) => ({ code: c.code, display: c.display })) })) },
    // Expanded here, so the EHR needs no terminology server to offer the answers.
    expansion: { timestamp: '2026-01-01T00:00:00Z', contains: codes.map((c) => ({ system: c.system, code: c.code, display: c.display })) },
  };
}

function questionItem(q: QuestionSpec, answerValueSet: string | undefined): QuestionnaireItem {
  const extension: Extension[] = [
    ...(q.query
      ? [{ url: `${SDC}/sdc-questionnaire-variable`, valueExpression: { name: 'record', language: 'application/x-fhir-query' as const, expression: q.query } }]
      : []),
    ...(q.initial
      ? [{ url: `${SDC}/sdc-questionnaire-initialExpression`, valueExpression: { language: 'text/fhirpath' as const, expression: q.initial } }]
      : []),
    ...(q.unit
      ? [{ url: 'http://hl7.org/fhir/StructureDefinition/questionnaire-unit', valueCoding: { system: 'http://unitsofmeasure.org', code: q.unit } }]
      : []),
  ];
  const when = q.enableWhen;
  return {
    linkId: q.linkId,
    text: q.text,
    type: q.type,
    ...(q.repeats ? { repeats: true } : {}),
    ...(extension.length ? { extension } : {}),
    ...(answerValueSet ? { answerValueSet } : {}),
    ...(when
      ? {
          enableWhen: [
            {
              question: when.question,
              operator: when.operator,
              ...(typeof when.answer === 'boolean' ? { answerBoolean: when.answer } : { answerInteger: when.answer }),
            },
          ],
          enableBehavior: 'all' as const,
        }
      : {}),
  };
}

export interface QuestionnairePackage {
  questionnaire: Questionnaire;
  valueSets: ValueSet[];
}

export function questionnaireForPolicy(policy: CoveragePolicy, base: string): QuestionnairePackage {
  const asked = new Set<string>();
  const valueSets = new Map<string, ValueSet>();
  const groups: QuestionnaireItem[] = policy.criteria.map((c) => {
    const questions = questionsFor(c.elements).filter((q) => !asked.has(q.linkId));
    for (const q of questions) asked.add(q.linkId);
    const items = questions.map((q) => {
      const fixed = q.answers;
      const fromPolicy = q.type === 'choice' && !fixed ? parameterCodes(c) : undefined;
      let url: string | undefined;
      if (fixed) {
        url = fixed.valueSet;
        valueSets.set(url, valueSet(url, fixed.title, policy.version, fixed.codes));
      } else if (fromPolicy) {
        url = `${LOCAL_VALUESETS}/${policy.id}-${c.id}`;
        valueSets.set(url, valueSet(url, `${c.title}: accepted codes`, policy.version, fromPolicy));
      }
      return questionItem(q, url ? `${url}|${policy.version}` : undefined);
    });
    // What the criterion needs beyond the questions: the document to attach.
    items.push({ linkId: `${c.id}.document`, type: 'display', text: `If not answered above, attach: ${c.missingDocument.description}` });
    return { linkId: c.id, text: `${c.number}. ${c.title}`, type: 'group', item: items };
  });
  const questionnaire: Questionnaire = {
    resourceType: 'Questionnaire',
    id: policy.id,
    meta: { profile: [DTR_STD_QUESTIONNAIRE] },
    url: questionnaireUrl(base, policy),
    version: policy.version,
    name: policy.id.replace(/[^A-Za-z0-9]/g, ''),
    title: `${policy.title}: prior authorization documentation`,
    status: 'active',
    subjectType: ['Patient'],
    publisher: policy.payer,
    extension: [
      {
        url: `${SDC}/sdc-questionnaire-launchContext`,
        extension: [
          { url: 'name', valueCoding: { system: 'http://hl7.org/fhir/uv/sdc/CodeSystem/launchContext', code: 'patient' } },
          { url: 'type', valueCode: 'Patient' },
        ],
      },
      {
        url: `${SDC}/sdc-questionnaire-launchContext`,
        extension: [
          { url: 'name', valueCoding: { system: 'http://hl7.org/fhir/uv/sdc/CodeSystem/launchContext', code: 'user' } },
          { url: 'type', valueCode: 'Practitioner' },
        ],
      },
    ],
    item: groups,
  };
  return { questionnaire, valueSets: [...valueSets.values()] };
}
