/**
 * Tables derived from the base tables (indexes the platform maintains alongside a case). The
 * generator writes the base tables only; each derived table is then filled by one function here,
 * from the base tables, and only where a migration created it: a table added by a later
 * migration gets its filler here and nothing else in the bench changes.
 */
import type { Connection } from 'mysql2/promise';

export interface DerivedTable {
  table: string;
  /** Columns the filler writes: checked against the table before it runs. */
  columns: string[];
  /** Fill the table for cases with lo <= id < hi (one statement per range, committed on its own). */
  fill: (conn: Connection, lo: number, hi: number) => Promise<void>;
}

/**
 * `case_party_org (org_id, case_id, role)`: which organisation is party to which case (the case
 * scope as one indexed lookup instead of an OR over four columns). Guessed from the issue: one
 * row per non-null party column of case_record; adjust the columns and roles to the migration.
 */
const casePartyOrg: DerivedTable = {
  table: 'case_party_org',
  columns: ['org_id', 'case_id', 'role'],
  fill: async (conn, lo, hi) => {
    const parts = [['agency_org_id', 'agency'], ['police_org_id', 'police'], ['procuratorate_org_id', 'procuratorate'], ['supervisory_org_id', 'supervisory']]
      .map(([column, role]) => `SELECT ${column}, id, '${role}' FROM case_record WHERE id >= ${lo} AND id < ${hi} AND ${column} IS NOT NULL`);
    await conn.query(`INSERT IGNORE INTO case_party_org (org_id, case_id, role) ${parts.join(' UNION ALL ')}`);
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
