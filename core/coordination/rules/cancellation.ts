import type { Verdict } from '../../board/fold.js';
import type { CaseCancel } from '../messages.js';
import { no, ok, type RuleContext } from './context.js';

/**
 * The requester withdraws its request, whole or some items, at any point of the case (a
 * decided or dissolved case included: an approval can be cancelled). Only an agent of the
 * requesting organization may (its kind's `mayPost`), since only it speaks for the request; a whole cancel is final
 * (nothing more is cancelled, updated or adjudicated after it), and item cancels accumulate.
 */
export function caseCancel(ctx: RuleContext<CaseCancel>): Verdict {
  const c = ctx.case!;
  if (c.cancellation?.whole) return no('E_ALREADY', 'the request is already cancelled');
  const before = c.cancellation?.items ?? [];
  const items = [...new Set([...before, ...ctx.header.items])].sort((a, b) => a - b);
  if (ctx.header.scope === 'items' && items.length === before.length) return no('E_ALREADY', 'those items are already cancelled');
  c.cancellation = { whole: ctx.header.scope === 'case', items, reasonCode: ctx.header.reasonCode, author: ctx.author, ref: ctx.ref };
  return ok;
}
