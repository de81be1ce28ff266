/**
 * Small helpers for the hand-written SQL of the hot reads (search, inbox): the same text runs on
 * MariaDB/MySQL and SQLite with `?` placeholders.
 */

/** An instant as both databases store it (UTC, milliseconds), for a raw query's parameters. */
export const instantParam = (d: Date): string => d.toISOString().replace('T', ' ').replace('Z', '');

/** An instant column of a raw row: mysql2 gives a Date (time zone Z), better-sqlite3 the stored text. */
export function readInstant(value: unknown): Date {
  if (value instanceof Date) return value;
  return new Date(`${String(value).replace(' ', 'T')}Z`);
}

/** A keyset position (created_at, id) as an opaque, URL-safe string. */
export function encodeCursor(at: Date, id: number): string {
  return Buffer.from(`${at.getTime()}.${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { at: Date; id: number } | null {
  const m = /^(\d{1,15})\.(\d{1,10})$/.exec(Buffer.from(cursor, 'base64url').toString());
  return m ? { at: new Date(Number(m[1])), id: Number(m[2]) } : null;
}

/** `?, ?, ?` for a list of parameters. */
export const marks = (list: unknown[]): string => list.map(() => '?').join(', ');
