/**
 * `npm run bench` at a small scale (2,000 cases, one short round, 10 connections): every workload
 * runs on both sides and answers 2xx, the scan passes, and the report has all its rows. No speed
 * is asserted here: the goals are checked by the full bench.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createConnection, type Connection } from 'mysql2/promise';
import { runBench, DEFAULTS } from './bench';
import { fillDerivedTables } from './derived';
import { WORKLOADS, type BenchReport } from './report';

let report: BenchReport;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lfxj-bench-smoke-'));
const log: string[] = [];

beforeAll(async () => {
  report = await runBench({
    ...DEFAULTS, cases: 2000, rounds: 1, durationMs: 1000, warmupMs: 300, concurrency: 10, timeoutMs: 20_000, graceMs: 5000,
    scanTimeoutMs: 60_000, dataDir, fresh: true, log: (line) => log.push(line),
  });
}, 170_000);
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

test('the data set has the issue\'s proportions at 2,000 cases', () => {
  const c = report.data.counts;
  expect(c).toMatchObject({ cases: 2000, tasks: 2000, openTasks: 600, organisations: 2000, busiestOpenTasks: 55 });
  expect(c.events / c.cases).toBeGreaterThan(2.8);
  expect(c.events / c.cases).toBeLessThan(3.4);
  expect(c.filings).toBeGreaterThan(0);
  expect(c.parties).toBeGreaterThan(c.cases);
});

test.each(['inbox', 'detail', 'transition', 'search'] as const)('%s ran on both sides and every request answered 2xx', (workload) => {
  const runs = report.runs.filter((r) => r.workload === workload && r.round === 1);
  for (const r of runs) expect(`${r.side}: ${r.load.sampleError ?? 'no error'}`).toBe(`${r.side}: no error`);
  const row = report.rows.find((r) => r.workload === workload);
  expect(row).toBeDefined();
  for (const side of [row!.raw, row!.platform]) {
    expect(side.requests).toBeGreaterThan(0);
    expect(side.failed).toBe(0);
    expect(side.statements).toBeGreaterThan(0);
  }
  expect(runs.map((r) => r.side).sort()).toEqual(['platform', 'raw']);
  for (const r of runs) expect(Object.keys(r.load.statuses).every((s) => s.startsWith('2'))).toBe(true);
});

test('the reminder scan: the raw reads and one full platform pass over the due tasks', () => {
  const raw = report.runs.find((r) => r.workload === 'scan' && r.side === 'raw');
  const platform = report.runs.find((r) => r.workload === 'scan' && r.side === 'platform');
  expect(raw?.scan).toMatchObject({ tasks: 600, finished: true });
  expect(platform?.scan).toMatchObject({ tasks: 600, finished: true });
  expect(platform!.scan!.written).toBeGreaterThan(0);
  expect(platform!.statements.Questions).toBeGreaterThan(0);
});

test("a minute's pass: only the tasks that came due (all open ones at this scale are fewer than a minute's share)", () => {
  const raw = report.runs.find((r) => r.workload === 'minute' && r.side === 'raw');
  const platform = report.runs.find((r) => r.workload === 'minute' && r.side === 'platform');
  expect(raw?.scan).toMatchObject({ tasks: 600, finished: true });
  expect(platform?.scan).toMatchObject({ tasks: 600, finished: true, dueBefore: 600 });
});

test('the report has every row, with a goal, in JSON and in Markdown', () => {
  expect(report.rows.map((r) => r.workload)).toEqual(WORKLOADS);
  for (const row of report.rows) {
    expect(row.goal).not.toBe('');
    expect(typeof row.met).toBe('boolean');
    expect(report.markdown).toContain(row.label);
  }
  expect(JSON.parse(JSON.stringify(report)).rows).toHaveLength(WORKLOADS.length);
  expect(report.markdown).toMatch(/Machine: \d+ cores/);
});

describe('derived tables', () => {
  const server = { host: process.env.DB_HOST || '127.0.0.1', port: Number(process.env.DB_PORT || 3306), user: process.env.DB_USER || 'root', password: process.env.DB_PASSWORD || '' };
  const database = `lfxj_bench_derived_${process.pid}`;
  let conn: Connection;

  beforeAll(async () => {
    conn = await createConnection(server);
    await conn.query(`CREATE DATABASE ${database}`);
    await conn.query(`USE ${database}`);
    await conn.query(`CREATE TABLE case_record (id INT PRIMARY KEY, agency_org_id INT NOT NULL, police_org_id INT NULL,
      procuratorate_org_id INT NULL, supervisory_org_id INT NULL, state VARCHAR(32) NOT NULL, created_at DATETIME(3) NOT NULL)`);
    await conn.query(`INSERT INTO case_record VALUES (1, 10, NULL, 30, NULL, 'draft', '2026-01-01'), (2, 10, 20, 30, NULL, 'transferred', '2026-01-02'),
      (3, 11, 20, 31, 40, 'filed', '2026-01-03')`);
  });
  afterAll(async () => {
    await conn.query(`DROP DATABASE IF EXISTS ${database}`);
    await conn.end();
  });

  test('a derived table that does not exist is left alone', async () => {
    expect(await fillDerivedTables(conn, () => undefined)).toEqual({});
  });

  test('case_party_org, once a migration creates it, gets one row per party column of every case', async () => {
    await conn.query(`CREATE TABLE case_party_org (case_id INT NOT NULL, role VARCHAR(16) NOT NULL, org_id INT NOT NULL, state VARCHAR(32) NOT NULL,
      created_at DATETIME(3) NOT NULL, PRIMARY KEY (case_id, role))`);
    expect(await fillDerivedTables(conn, () => undefined)).toEqual({ case_party_org: 9 });
    const [rows] = await conn.query('SELECT org_id, case_id, role FROM case_party_org ORDER BY case_id, org_id');
    const [copied] = await conn.query("SELECT state, DATE_FORMAT(created_at, '%Y-%m-%d') AS day FROM case_party_org WHERE case_id = 3 AND role = 'police'");
    expect(copied).toEqual([{ state: 'filed', day: '2026-01-03' }]);
    expect(rows).toEqual([
      { org_id: 10, case_id: 1, role: 'agency' }, { org_id: 30, case_id: 1, role: 'procuratorate' },
      { org_id: 10, case_id: 2, role: 'agency' }, { org_id: 20, case_id: 2, role: 'police' }, { org_id: 30, case_id: 2, role: 'procuratorate' },
      { org_id: 11, case_id: 3, role: 'agency' }, { org_id: 20, case_id: 3, role: 'police' }, { org_id: 31, case_id: 3, role: 'procuratorate' },
      { org_id: 40, case_id: 3, role: 'supervisory' },
    ]);
  });

  test('a derived table whose columns differ from the filler\'s is reported, not guessed at', async () => {
    await conn.query('DROP TABLE case_party_org');
    await conn.query('CREATE TABLE case_party_org (organisation_id INT NOT NULL, case_id INT NOT NULL)');
    await expect(fillDerivedTables(conn, () => undefined)).rejects.toThrow(/case_party_org has no column role, org_id, state, created_at/);
  });
});
