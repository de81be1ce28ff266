/** Calendar-day helpers on 'YYYY-MM-DD' strings (no time zone involved). */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Is `day` inside [from, to] where either end may be open? */
export function within(day: string, from: string | null, to: string | null): boolean {
  return (from === null || from <= day) && (to === null || day <= to);
}

export interface Dated {
  validFrom: string | null;
  validTo: string | null;
}

/** The entry valid on `day`; before the first, the earliest; after the last, the latest. */
export function validOn<T extends Dated>(entries: T[], day: string): T | undefined {
  if (!entries.length) return undefined;
  const sorted = [...entries].sort((a, b) => (a.validFrom ?? '').localeCompare(b.validFrom ?? ''));
  return sorted.find((e) => within(day, e.validFrom, e.validTo))
    ?? (sorted[0].validFrom !== null && day < sorted[0].validFrom ? sorted[0] : sorted[sorted.length - 1]);
}
