/**
 * `npm run bench` at a small scale (2,000 cases, one short round, 10 connections): every workload
 * runs on both sides and answers 2xx, the scan passes, and the report has all its rows. No speed
 * is asserted here: the goals are checked by the full bench.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runBench, DEFAULTS } from './bench';
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
  const row = report.rows.find((r) => r.workload === workload);
  expect(row).toBeDefined();
  for (const side of [row!.raw, row!.platform]) {
    expect(side.requests).toBeGreaterThan(0);
    expect(side.failed).toBe(0);
    expect(side.statements).toBeGreaterThan(0);
  }
  const runs = report.runs.filter((r) => r.workload === workload && r.round === 1);
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
