/**
 * A short measurement of the detail and transition paths against a running platform (not part of
 * `npm run bench`): `node -r backend/test/child/register.js tests/bench/measure-paths.ts <base> <dbPort> <workload> <seconds> [skip]`.
 * Prints requests per second, latencies and MariaDB statements per request (`Questions` deltas).
 */
import { connect } from './servers';
import { login } from './servers';
import { runLoadInChild, type RequestSpec } from './load';
import { BENCH_PASSWORD, BUSIEST_ORG_CODE } from './generate';
import { TS_EXEC_ARGV } from './servers';

async function main() {
  const [base, port, workload, seconds, skip, side] = process.argv.slice(2);
  const raw = side === 'raw';
  const target = { host: '127.0.0.1', port: Number(port), user: 'root', password: '', database: 'lfxj_bench' };
  const conn = await connect(target);
  const q = async <T>(sql: string, p: unknown[] = []) => (await conn.query(sql, p))[0] as T[];
  const [org] = await q<{ id: number }>('SELECT id FROM organisation WHERE code = ?', [BUSIEST_ORG_CODE]);
  const prefix = workload === 'detail' ? 'bench.officer' : 'bench.head';
  const tokens = raw ? [] : await Promise.all(Array.from({ length: 10 }, (_, i) => login(base, `${prefix}.${i + 1}`, BENCH_PASSWORD)));
  const heads = (await q<{ id: number }>("SELECT id FROM app_user WHERE username LIKE 'bench.head.%' ORDER BY id LIMIT 10")).map((r) => r.id);
  let requests: RequestSpec[];
  if (workload === 'detail') {
    const ids = (await q<{ id: number }>('SELECT id FROM case_record WHERE agency_org_id = ? ORDER BY id', [org.id])).map((r) => r.id);
    let s = 7;
    const pick = () => ids[(s = (s * 1103515245 + 12345) % 2147483648) % ids.length];
    requests = Array.from({ length: 2000 }, (_, i): RequestSpec => (raw
      ? { method: 'GET', path: `/cases/${pick()}`, headers: { 'x-org': String(org.id) } }
      : { method: 'GET', path: `/api/v1/cases/${pick()}`, headers: { authorization: `Bearer ${tokens[i % 10]}` } }));
  } else {
    const pool = await q<{ id: number; version: number }>(
      "SELECT id, version FROM case_record WHERE agency_org_id = ? AND state = 'pending_approval' ORDER BY id LIMIT 100000 OFFSET ?", [org.id, Number(skip ?? 0)]);
    requests = pool.map((c, i): RequestSpec => ({
      method: 'POST', path: `${raw ? '' : '/api/v1'}/cases/${c.id}/actions`,
      headers: raw ? <Record<string, string>>{ 'x-user': String(heads[i % heads.length]), 'content-type': 'application/json' }
        : { authorization: `Bearer ${tokens[i % 10]}`, 'content-type': 'application/json' },
      body: JSON.stringify({ transition: 'approve_transfer', version: c.version }),
    }));
  }
  const counters = async () => Object.fromEntries((await q<{ Variable_name: string; Value: string }>(
    "SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions','Com_select','Com_insert','Com_update','Com_delete')")).map((r) => [r.Variable_name, Number(r.Value)]));
  const before = await counters();
  const r = await runLoadInChild({ base, concurrency: 50, durationMs: Number(seconds) * 1000, requests, once: workload !== 'detail', timeoutMs: 30_000, graceMs: 5_000 }, TS_EXEC_ARGV);
  const after = await counters();
  const per = (k: string) => ((after[k] - before[k] - 1) / r.requests).toFixed(1);
  console.log(JSON.stringify({ workload, requests: r.requests, ok: r.ok, rps: Math.round(r.rps), latency: r.latency, statuses: r.statuses, sampleError: r.sampleError,
    perRequest: { questions: per('Questions'), select: ((after.Com_select - before.Com_select) / r.requests).toFixed(1), insert: ((after.Com_insert - before.Com_insert) / r.requests).toFixed(1), update: ((after.Com_update - before.Com_update) / r.requests).toFixed(1) } }));
  await conn.end();
}
main().catch((e) => { console.error(e); process.exit(1); });
