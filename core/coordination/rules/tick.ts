import { z } from 'zod';
import type { CoalitionState } from '../case-state.js';

/**
 * Tick: a member's signed "it is now `at`" on a quiet board. Board time moves only with
 * entries (board-time.ts), so while cases are open and nothing else is posted every org node
 * ticks on its timer: leases lapse, deadlines pass and unsupported gaps evaporate on time
 * even when the only agent with work to post is waiting for them, and the voters' median
 * moves with the honest organizations, whatever one member (a gap's author) does or does not post.
 */
export const TickSchema = z.object({}).strict();
export type Tick = z.infer<typeof TickSchema>;

/**
 * Whether a node ticks now: some case is open (not dissolved), the board has been quiet for
 * `everyMs` of board time by this node's clock, and this node has not ticked for `everyMs`.
 * Each node ticks at most once per `everyMs`, so a quiet board gains about one tick per
 * organization per period, and a busy or idle one none.
 */
export function tickDue(state: CoalitionState, boardNow: number, now: number, lastTick: number, everyMs: number): boolean {
  if (now - lastTick < everyMs || now - boardNow < everyMs) return false;
  // Frozen cases are settled, so the live ones are enough (and decoding history would grow with it).
  for (const c of state.cases.live()) if (c.status !== 'dissolved') return true;
  return false;
}
