import type { Connection } from 'mysql2/promise';

export interface Latency {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Percentiles by nearest rank, in milliseconds (one decimal). */
export function summarize(ms: number[]): Latency {
  if (!ms.length) return { count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(ms).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
  const r = (x: number) => Math.round(x * 10) / 10;
  return {
    count: sorted.length, mean: r(sorted.reduce((a, b) => a + b, 0) / sorted.length),
    p50: r(at(0.5)), p95: r(at(0.95)), p99: r(at(0.99)), max: r(sorted[sorted.length - 1]),
  };
}

export function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** MariaDB's statement counters: on a private server nothing else runs, so a round's deltas are its statements. */
export const COUNTERS = ['Questions', 'Com_select', 'Com_insert', 'Com_update', 'Com_delete', 'Com_stmt_execute', 'Com_begin', 'Com_commit'] as const;
export type Counters = Record<(typeof COUNTERS)[number], number>;

export async function readCounters(conn: Connection): Promise<Counters> {
  const [rows] = await conn.query(`SHOW GLOBAL STATUS WHERE Variable_name IN (${COUNTERS.map((c) => `'${c}'`).join(',')})`);
  const values = new Map((rows as Array<{ Variable_name: string; Value: string }>).map((r) => [r.Variable_name.toLowerCase(), Number(r.Value)]));
  return Object.fromEntries(COUNTERS.map((c) => [c, values.get(c.toLowerCase()) ?? 0])) as Counters;
}

/** Statements per request between two readings (less the one SHOW STATUS of the reading itself). */
export function perRequest(before: Counters, after: Counters, requests: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of COUNTERS) {
    const delta = after[c] - before[c] - (c === 'Questions' ? 1 : 0);
    out[c] = requests ? Math.round((delta / requests) * 10) / 10 : 0;
  }
  return out;
}
