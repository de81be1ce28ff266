/**
 * Time as officers read it. Instants are stored in UTC; people see Asia/Shanghai (+08:00, no
 * daylight saving since 1991, so a fixed offset is exact and works without Intl time zones).
 */
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** 'YYYY-MM-DD HH:mm' in Shanghai. */
export function shanghaiMinute(instant: Date): string {
  return new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
}

/** The Shanghai calendar day of an instant, 'YYYY-MM-DD' (never from toISOString(), which is UTC). */
export function shanghaiDay(instant: Date): string {
  return new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * A deadline: a period ending at Shanghai midnight is shown as 24:00 of its last day
 * ('2026-12-01 24:00'), not as 00:00 of the next, which reads like one day more.
 */
export function dueText(instant: Date): string {
  const wall = shanghaiMinute(instant);
  return wall.endsWith(' 00:00') ? `${shanghaiDay(new Date(instant.getTime() - 1))} 24:00` : wall;
}
