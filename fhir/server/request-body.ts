import type { IncomingMessage } from 'node:http';
import type { HttpMethod } from '@medplum/fhir-router';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { z } from 'zod';
import { HttpError } from '../../core/common/http-problem.js';
import { readBytes } from '../../core/common/http-server.js';
import { errorOutcome } from './outcome.js';

/** Large enough for a patient's whole record in one transaction, small enough to refuse abuse. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

export type BodyResult = { ok: true; value: unknown } | { ok: false; status: number; outcome: OperationOutcome };

const ResourceBody = z.looseObject({ resourceType: z.string().min(1) });
const PatchBody = z.array(z.looseObject({ op: z.string() }));

/**
 * Reads and shape-checks a request body before it reaches the router, which assumes a
 * well-formed object: resources must have a resourceType, JSON Patch must be an array.
 * Structural FHIR validation happens later, in the repository, on every stored resource.
 */
export async function readBody(req: IncomingMessage, method: HttpMethod): Promise<BodyResult> {
  if (method === 'GET' || method === 'DELETE') return { ok: true, value: undefined };
  let bytes: Buffer;
  try {
    bytes = await readBytes(req, MAX_BODY_BYTES);
  } catch (e) {
    if (e instanceof HttpError && e.status === 413) return fail(413, 'too-costly', `The request body exceeds ${MAX_BODY_BYTES} bytes.`);
    throw e;
  }
  const text = bytes.toString('utf8');
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const isSearch = (req.url ?? '').split('?')[0]!.endsWith('/_search');

  if (isSearch && type === 'application/x-www-form-urlencoded') {
    return { ok: true, value: Object.fromEntries(new URLSearchParams(text)) };
  }
  if (type !== '' && !/^application\/(fhir\+json|json|json-patch\+json)$/.test(type)) {
    return fail(415, 'not-supported', `Content-Type ${type} is not supported; send application/fhir+json.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // The parser's message names a position, not the content.
    return fail(400, 'structure', `The request body is not JSON: ${e instanceof Error ? e.message.replace(/"[^"]*"/g, '…') : 'parse error'}`);
  }
  if (method === 'PATCH') {
    return PatchBody.safeParse(value).success ? { ok: true, value } : fail(400, 'structure', 'A PATCH body must be a JSON Patch array.');
  }
  if (isSearch) return { ok: true, value };
  return ResourceBody.safeParse(value).success
    ? { ok: true, value }
    : fail(400, 'structure', 'The request body must be a FHIR resource with a resourceType.', 'resourceType');
}

function fail(status: number, code: string, text: string, expression?: string): BodyResult {
  return { ok: false, status, outcome: errorOutcome(code, text, expression) };
}
