import { MurmurError } from '../../core/common/errors.js';

/** Calendar arithmetic on ISO dates (YYYY-MM-DD), in UTC so the output never depends on TZ. */
export function parseIsoDate(value: string, field: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) {
    throw new MurmurError('E_INPUT', `${field} must be an ISO date (YYYY-MM-DD)`, { field });
  }
  return d;
}

export function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  const d = parseIsoDate(date, 'date');
  d.setUTCDate(d.getUTCDate() + days);
  return isoDate(d);
}

/** Months added the FHIRPath way: same day of month, clamped to the month's last day. */
export function addMonths(date: string, months: number): string {
  const d = parseIsoDate(date, 'date');
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return isoDate(d);
}
