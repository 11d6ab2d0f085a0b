import { getSearchParameter, isResourceType } from '@medplum/core';
import type { HttpMethod } from '@medplum/fhir-router';

/**
 * @medplum/fhir-router 4.5.2's in-memory search compares reference parameters with the stored
 * `Type/id` string, so a bare id (`patient=123`, standard FHIR) matches nothing. A silent empty
 * result would look like missing clinical data, so values are normalised to `Type/id` where the
 * type is known: from a type modifier (`subject:Patient=123`) or from a parameter with a single
 * target type (`patient` → Patient). Bare ids on multi-target parameters stay as they are.
 */
export function normalizeReferenceParams(method: HttpMethod, path: string, params: URLSearchParams): URLSearchParams {
  const [resourceType, ...rest] = path.split('/');
  const isTypeSearch = (method === 'GET' && rest.length === 0) || (method === 'POST' && rest.length === 1 && rest[0] === '_search');
  if (!resourceType || !isTypeSearch) return params;
  const out = new URLSearchParams();
  for (const [key, value] of params) {
    const [code, modifier] = key.split(':') as [string, string | undefined];
    const spec = getSearchParameter(resourceType, code);
    if (spec?.type !== 'reference') {
      out.append(key, value);
      continue;
    }
    const typed = modifier && isResourceType(modifier) ? modifier : undefined;
    const target = typed ?? (spec.target?.length === 1 ? spec.target[0] : undefined);
    if (!target || (modifier && !typed)) {
      out.append(key, value);
      continue;
    }
    const values = value.split(',').map((v) => (v.includes('/') ? v : `${target}/${v}`));
    out.append(code, values.join(','));
  }
  return out;
}
