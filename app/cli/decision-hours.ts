import { z } from 'zod';

/** The payer's decision timeframes: STANDARD,EXPEDITED hours (CMS-0057-F's outer limits by default). */
export const DecisionHoursOption = z
  .string()
  .regex(/^\d{1,4},\d{1,4}$/, 'is STANDARD,EXPEDITED hours such as 168,72')
  .transform((v) => v.split(',').map(Number) as [number, number])
  .refine(([s, e]) => s >= 1 && e >= 1 && e <= s, 'needs both at least 1 h, the expedited no longer than the standard')
  .optional();

export const DECISION_HOURS_HELP = `  --decision-hours S,E  the payer's decision timeframes in hours, standard and expedited
                      (default 168,72: CMS-0057-F's 7 days and 72 hours; a payer may be faster)`;

/** The consoles' timeframes option from the parsed flag (none: the defaults). */
export function timeframesOf(v: [number, number] | undefined): { timeframes?: { standardHours: number; expeditedHours: number } } {
  return v ? { timeframes: { standardHours: v[0], expeditedHours: v[1] } } : {};
}
