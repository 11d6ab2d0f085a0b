import { z } from 'zod';
import { MurmurError } from '../../core/common/errors.js';
import { checkJsonLimits } from '../pas/limits.js';

/**
 * A CDS Hooks 2.0 request for the two order hooks CRD serves, checked before anything reads
 * it (JSON limits first, then the shape). Only what the service uses is required; the rest of
 * the spec's fields are let through unread.
 */

const resource = z.looseObject({ resourceType: z.string().regex(/^[A-Z][A-Za-z]{1,63}$/), id: z.string().max(64).optional() });
const bundle = z.looseObject({
  resourceType: z.literal('Bundle'),
  entry: z
    .array(z.looseObject({ resource: resource.optional() }))
    .max(100)
    .optional(),
});

const common = {
  hookInstance: z.string().min(1).max(128),
  fhirServer: z.string().url().optional(),
  prefetch: z.record(z.string().max(64), z.union([resource, z.null()])).optional(),
};
const contextCommon = {
  userId: z.string().min(1).max(256),
  patientId: z.string().min(1).max(64),
  encounterId: z.string().max(64).optional(),
  draftOrders: bundle,
};

export const OrderSignRequest = z.looseObject({ hook: z.literal('order-sign'), ...common, context: z.looseObject(contextCommon) });
export const OrderSelectRequest = z.looseObject({
  hook: z.literal('order-select'),
  ...common,
  context: z.looseObject({
    ...contextCommon,
    selections: z
      .array(z.string().regex(/^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/, 'must be Type/id'))
      .min(1)
      .max(100),
  }),
});
export type OrderHookRequest = z.infer<typeof OrderSignRequest> | z.infer<typeof OrderSelectRequest>;

function where(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('') || '(root)';
}

/** The request for `hook`, or E_INPUT naming the field that is wrong (never its value). */
export function parseOrderHookRequest(hook: 'order-sign' | 'order-select', body: unknown): OrderHookRequest {
  checkJsonLimits(body);
  const parsed = (hook === 'order-sign' ? OrderSignRequest : OrderSelectRequest).safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new MurmurError('E_INPUT', `The ${hook} request is not valid CDS Hooks: ${where(issue.path)}: ${issue.message}.`, { path: where(issue.path) });
  }
  return parsed.data;
}
