/**
 * Tables derived from the base tables (indexes the platform maintains alongside a case). The
 * generator writes the base tables only; each derived table is then filled by one function here,
 * from the base tables, and only where a migration created it: a table added by a later
 * migration gets its filler here and nothing else in the bench changes.
 */
import type { Connection } from 'mysql2/promise';
import { caseScopeFill } from '../../backend/src/db/migrations/1765000000000-CaseScope';

export interface DerivedTable {
  table: string;
  /** Columns the filler writes: checked against the table before it runs. */
  columns: string[];
  /** Fill the table for cases with lo <= id < hi (one statement per range, committed on its own). */
  fill: (conn: Connection, lo: number, hi: number) => Promise<void>;
}

/**
 * `case_party_org`: which organisation is party to which case, with the case's state and
 * registration time (the case scope as one indexed lookup). Filled by the migration's own
 * statements, so the bench cannot drift from what the platform maintains.
 */
const casePartyOrg: DerivedTable = {
  table: 'case_party_org',
  columns: ['case_id', 'role', 'org_id', 'state', 'created_at'],
  fill: async (conn, lo, hi) => {
    for (const sql of caseScopeFill(`id >= ${lo} AND id < ${hi}`)) await conn.query(sql);
  },
};

export const DERIVED_TABLES: DerivedTable[] = [casePartyOrg];

/** Cases per statement: small enough that no transaction holds millions of rows. */
const RANGE = 50_000;

/** Fill every derived table that exists in this schema; a table whose columns differ is reported, not guessed at. */
export async function fillDerivedTables(conn: Connection, log: (line: string) => void, tables = DERIVED_TABLES): Promise<Record<string, number>> {
  const filled: Record<string, number> = {};
  const [maxRows] = await conn.query('SELECT COALESCE(MAX(id), 0) + 1 AS hi FROM case_record');
  const hi = Number((maxRows as Array<{ hi: number }>)[0].hi);
  for (const t of tables) {
    const [cols] = await conn.query(
      'SELECT column_name AS name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ?', [t.table]);
    const present = new Set((cols as Array<{ name: string }>).map((c) => c.name.toLowerCase()));
    if (!present.size) continue;
    const missing = t.columns.filter((c) => !present.has(c));
    if (missing.length) throw new Error(`bench: derived table ${t.table} has no column ${missing.join(', ')}: adjust its filler in tests/bench/derived.ts`);
    const started = Date.now();
    for (let lo = 1; lo < hi; lo += RANGE) await t.fill(conn, lo, Math.min(hi, lo + RANGE));
    const [count] = await conn.query(`SELECT COUNT(*) AS n FROM ${t.table}`);
    filled[t.table] = Number((count as Array<{ n: number }>)[0].n);
    log(`  derived ${t.table}: ${filled[t.table].toLocaleString('en')} rows (${Math.round((Date.now() - started) / 1000)} s)`);
  }
  return filled;
}
