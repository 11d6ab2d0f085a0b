import type { ClaimResponse, ClaimResponseItem, Extension } from '@medplum/fhirtypes';
import { ADJUDICATION, PAS_REVIEW_ACTION, X12_306_ACTION_CODE } from './codes.js';

/** X12 306 "Cancelled": the review action PAS gives an item the requester withdrew. */
export const CANCELLED_ACTION = { code: 'C', display: 'Cancelled' } as const;

/**
 * The answer to a request with cancelled items, PAS's way: each cancelled item's adjudication
 * carries the reviewAction `C` (cancelled) and no authorization; a whole cancel also drops the
 * authorization number and period and completes the response (nothing is left to decide).
 */
export function withCancellation(cr: ClaimResponse, cancel: { whole: boolean; items: readonly number[] }, trackingNumber: string): ClaimResponse {
  const cancelled = (seq: number): boolean => cancel.whole || cancel.items.includes(seq);
  const items: ClaimResponseItem[] = (cr.item ?? []).map((item) => (cancelled(item.itemSequence) ? cancelledItem(item.itemSequence, trackingNumber) : item));
  const { preAuthRef: _ref, preAuthPeriod: _period, ...rest } = cr;
  return {
    ...(cancel.whole ? rest : cr),
    ...(cancel.whole ? { outcome: 'complete' as const, disposition: "Cancelled at the requester's request." } : {}),
    item: items,
  };
}

function cancelledItem(sequence: number, number: string): ClaimResponseItem {
  const reviewAction: Extension = {
    url: PAS_REVIEW_ACTION,
    extension: [
      { url: 'number', valueString: number },
      { url: 'code', valueCodeableConcept: { coding: [{ system: X12_306_ACTION_CODE, ...CANCELLED_ACTION }] } },
    ],
  };
  return { itemSequence: sequence, adjudication: [{ category: { coding: [{ system: ADJUDICATION, code: 'submitted' }] }, extension: [reviewAction] }] };
}
