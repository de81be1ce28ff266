/**
 * `npm run bench`: generate (or reuse) the data set, start the platform and the raw-driver
 * baseline, drive both with the same load driver in interleaved rounds, run the reminder scan,
 * and report. See README "Benchmarks".
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import bcrypt from 'bcryptjs';
import type { Connection } from 'mysql2/promise';
import { Rng } from './prng';
import { generate, BENCH_PASSWORD, ACTORS_PER_ROLE, BUSIEST_ORG_CODE, SEARCH_ORG_CODE } from './generate';
import { runLoadInChild, type LoadJob, type LoadResult, type RequestSpec } from './load';
import { readCounters, perRequest, type Counters } from './stats';
import {
  connect, startOnDatadir, copyDatadir, seedPlatform, startPlatform, startRaw, login, platformScan,
  GENERATE_ARGS, BENCH_ARGS, TS_EXEC_ARGV, type DbTarget, type RunningDb, type ScanOutcome,
} from './servers';
import { buildReport, MINUTE_DUE, type BenchReport, type RunResult, type WorkloadName } from './report';

export interface BenchOptions {
  cases: number;
  seed: number;
  orgs: number;
  /** Share of open tasks whose reminder point has come (1: the scan never ran on this data). */
  dueShare: number;
  rounds: number;
  durationMs: number;
  warmupMs: number;
  concurrency: number;
  timeoutMs: number;
  graceMs: number;
  scanTimeoutMs: number;
  /** Where the generated data directory (kept for later runs) and the run's copy live. */
  dataDir: string;
  /** Generate again even if a generated data directory for these settings exists. */
  fresh: boolean;
  /** An existing server instead of a private one (its database `lfxj_bench` is reused when it holds this data set). */
  external: Omit<DbTarget, 'database'> | null;
  /** Extra options for the measured private server. */
  serverArgs: string[];
  log: (line: string) => void;
}

export const DEFAULTS: Omit<BenchOptions, 'dataDir' | 'log'> = {
  cases: 1_000_000, seed: 8, orgs: 2000, dueShare: 1, rounds: 3, durationMs: 10_000, warmupMs: 3000, concurrency: 50,
  timeoutMs: 30_000, graceMs: 15_000, scanTimeoutMs: 300_000, fresh: false, external: null, serverArgs: [],
};

const DATABASE = 'lfxj_bench';
const META_VERSION = 1;

export interface Meta {
  version: number;
  cases: number;
  seed: number;
  orgs: number;
  dueShare: number;
  anchor: string;
  generatedAt: string;
  generationMs: number;
  counts: Record<string, number>;
  busiestOrgId: number;
  searchOrgId: number;
}

const sameData = (m: Meta | null, o: BenchOptions) =>
  !!m && m.version === META_VERSION && m.cases === o.cases && m.seed === o.seed && m.orgs === o.orgs && m.dueShare === o.dueShare;

async function rows<T>(conn: Connection, sql: string, params: unknown[] = []): Promise<T[]> {
  const [r] = await conn.query(sql, params);
  return r as T[];
}

/** Migrations, seed and the generated data on `target` (an empty database). */
async function fill(target: DbTarget, o: BenchOptions): Promise<Meta> {
  const started = Date.now();
  const anchor = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
  o.log('generating: migrations and the Shenzhen seed');
  await seedPlatform(target);
  const conn = await connect(target);
  try {
    // One bcrypt hash for every generated account (cost 4: logging in is not what is measured).
    const hash = await bcrypt.hash(BENCH_PASSWORD, 4);
    o.log(`generating: ${o.cases.toLocaleString('en')} cases (seed ${o.seed})`);
    const g = await generate(conn, { cases: o.cases, seed: o.seed, orgs: o.orgs, dueShare: o.dueShare, anchor, log: o.log }, hash);
    const meta: Meta = {
      version: META_VERSION, cases: o.cases, seed: o.seed, orgs: o.orgs, dueShare: o.dueShare, anchor: anchor.toISOString(),
      generatedAt: new Date().toISOString(), generationMs: Date.now() - started, counts: g.counts, busiestOrgId: g.busiestOrgId, searchOrgId: g.searchOrgId,
    };
    await conn.query('CREATE TABLE IF NOT EXISTS bench_meta (id INT PRIMARY KEY, meta LONGTEXT NOT NULL)');
    await conn.query('REPLACE INTO bench_meta (id, meta) VALUES (1, ?)', [JSON.stringify(meta)]);
    return meta;
  } finally {
    await conn.end();
  }
}

async function readMeta(target: DbTarget): Promise<Meta | null> {
  const conn = await connect(target, false);
  try {
    const found = await rows<{ meta: string }>(conn, `SELECT meta FROM information_schema.tables t JOIN ${DATABASE}.bench_meta m ON m.id = 1
      WHERE t.table_schema = ? AND t.table_name = 'bench_meta'`, [DATABASE]).catch(() => []);
    return found.length ? (JSON.parse(found[0].meta) as Meta) : null;
  } finally {
    await conn.end();
  }
}

/** The database for this run: a fresh copy of the generated data directory, or the external server's database. */
async function database(o: BenchOptions): Promise<{ db: RunningDb; meta: Meta; copyMs: number; runDir: string | null }> {
  if (o.external) {
    const target = { ...o.external, database: DATABASE };
    let meta = o.fresh ? null : await readMeta(target);
    if (!sameData(meta, o)) {
      const admin = await connect(target, false);
      await admin.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
      await admin.query(`CREATE DATABASE ${DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      await admin.end();
      meta = await fill(target, o);
    } else o.log(`reusing the data set in ${DATABASE} (generated ${meta!.generatedAt}); an external server's data changes with each run`);
    const probe = await connect(target);
    const version = (await rows<{ v: string }>(probe, 'SELECT VERSION() AS v'))[0].v;
    await probe.end();
    return { db: { target, version, stop: async () => undefined }, meta: meta!, copyMs: 0, runDir: null };
  }
  const golden = path.join(o.dataDir, 'generated');
  const metaFile = path.join(o.dataDir, 'meta.json');
  let meta: Meta | null = !o.fresh && fs.existsSync(metaFile) && fs.existsSync(golden) ? (JSON.parse(fs.readFileSync(metaFile, 'utf8')) as Meta) : null;
  if (!sameData(meta, o)) {
    fs.rmSync(metaFile, { force: true });
    const gen = await startOnDatadir(golden, GENERATE_ARGS, true, DATABASE);
    running.unshift(gen.stop);
    try {
      const admin = await connect(gen.target, false);
      await admin.query(`CREATE DATABASE ${DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      await admin.end();
      const started = Date.now();
      meta = await fill(gen.target, o);
      running.splice(running.indexOf(gen.stop), 1);
      await gen.stop();
      meta.generationMs = Date.now() - started;
    } catch (err) {
      await gen.stop();
      throw err;
    }
    fs.writeFileSync(metaFile, JSON.stringify(meta, null, 2));
    o.log(`generated in ${Math.round(meta.generationMs / 1000)} s: ${JSON.stringify(meta.counts)}`);
  } else o.log(`reusing the data generated ${meta!.generatedAt} in ${golden}`);
  const runDir = path.join(o.dataDir, 'run');
  const t0 = Date.now();
  copyDatadir(golden, runDir);
  const copyMs = Date.now() - t0;
  const db = await startOnDatadir(runDir, [...BENCH_ARGS, ...o.serverArgs], false, DATABASE);
  return { db, meta: meta!, copyMs, runDir };
}

/**
 * Statements still running after a run (requests the driver gave up on) may finish for up to 20 s;
 * what is left then is stopped, so the next run starts clean.
 */
async function killLeftovers(conn: Connection): Promise<number> {
  const running = () => rows<{ id: number }>(conn,
    "SELECT id FROM information_schema.processlist WHERE command IN ('Query', 'Execute') AND id <> CONNECTION_ID() AND db = ?", [DATABASE]);
  for (let waited = 0; waited < 20_000 && (await running()).length; waited += 500) await new Promise((r) => setTimeout(r, 500));
  const left = await running();
  for (const r of left) await conn.query(`KILL QUERY ${Number(r.id)}`).catch(() => undefined);
  if (left.length) await new Promise((r) => setTimeout(r, 500));
  return left.length;
}

type Side = 'raw' | 'platform';

/** What a run has started, last first: stopped at its end, or by `stopAll` when the bench is interrupted. */
const running: Array<() => Promise<void>> = [];

export async function stopAll(): Promise<void> {
  while (running.length) await running.shift()!().catch(() => undefined);
}

export async function runBench(o: BenchOptions): Promise<BenchReport> {
  const began = Date.now();
  const { db, meta, copyMs, runDir } = await database(o);
  const stops = running;
  stops.unshift(db.stop);
  try {
    const conn = await connect(db.target);
    conn.on('error', (err: Error) => o.log(`database connection lost: ${err.message}`));
    stops.unshift(() => conn.end());
    const rng = new Rng(o.seed + 1);
    const [busiest] = await rows<{ id: number }>(conn, 'SELECT id FROM organisation WHERE code = ?', [BUSIEST_ORG_CODE]);
    const [searcher] = await rows<{ id: number }>(conn, 'SELECT id FROM organisation WHERE code = ?', [SEARCH_ORG_CODE]);
    const people = await rows<{ id: number; username: string }>(conn, "SELECT id, username FROM app_user WHERE username LIKE 'bench.%' ORDER BY id");
    const idOf = (name: string) => people.find((p) => p.username === name)!.id;
    const pool = await rows<{ id: number; version: number }>(conn,
      "SELECT id, version FROM case_record WHERE agency_org_id = ? AND state = 'pending_approval' ORDER BY id", [busiest.id]);
    const visible = (await rows<{ id: number }>(conn, 'SELECT id FROM case_record WHERE agency_org_id = ?', [busiest.id])).map((r) => r.id);
    const detailIds = Array.from({ length: Math.min(2000, visible.length) }, () => rng.pick(visible));
    const numbers = (await rows<{ platform_no: string }>(conn, 'SELECT platform_no FROM case_record WHERE procuratorate_org_id = ? ORDER BY id DESC LIMIT 5000', [searcher.id]))
      .map((r) => r.platform_no);

    o.log('starting the platform and the raw-driver server');
    const raw = await startRaw(db.target);
    stops.unshift(raw.stop);
    const platform = await startPlatform(db.target);
    stops.unshift(platform.stop);
    const tokens = async (prefix: string) => Promise.all(Array.from({ length: ACTORS_PER_ROLE }, (_, i) => login(platform.base, `${prefix}.${i + 1}`, BENCH_PASSWORD)));
    const officerTokens = await tokens('bench.officer');
    const headTokens = await tokens('bench.head');
    const jcyTokens = await tokens('bench.jcy');
    const headIds = Array.from({ length: ACTORS_PER_ROLE }, (_, i) => idOf(`bench.head.${i + 1}`));

    // The requests of each workload, the same for both sides.
    const bearer = (list: string[], i: number) => ({ authorization: `Bearer ${list[i % list.length]}` });
    const anchor = new Date(meta.anchor).getTime();
    const day = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
    const searches: string[] = [];
    const STATES_SEARCHED = ['accepted', 'penalty_only', 'handed_over', 'pending_approval', 'closed'];
    for (let i = 0; i < 200; i++) {
      const from = anchor - (30 + (i % 12) * 30) * 86_400_000;
      const window = { from: day(from), to: day(from + 60 * 86_400_000) };
      const state = STATES_SEARCHED[i % STATES_SEARCHED.length];
      const shapes: Array<Record<string, string>> = [
        { state, ...window },
        { party: '张伟' },
        { no: numbers.length ? rng.pick(numbers) : 'LF' },
        { state, ...window, party: '王' },
      ];
      searches.push(new URLSearchParams(shapes[i % shapes.length]).toString());
    }
    const requests: Record<Exclude<WorkloadName, 'transition' | 'scan' | 'minute'>, Record<Side, RequestSpec[]>> = {
      inbox: {
        platform: officerTokens.map((_, i) => ({ method: 'GET', path: '/api/v1/tasks?page=1&pageSize=20', headers: bearer(officerTokens, i) })),
        raw: [{ method: 'GET', path: '/tasks?page=1&pageSize=20', headers: { 'x-org': String(busiest.id) } }],
      },
      detail: {
        platform: detailIds.map((id, i) => ({ method: 'GET', path: `/api/v1/cases/${id}`, headers: bearer(officerTokens, i) })),
        raw: detailIds.map((id) => ({ method: 'GET', path: `/cases/${id}`, headers: { 'x-org': String(busiest.id) } })),
      },
      search: {
        platform: searches.map((s, i) => ({ method: 'GET', path: `/api/v1/cases?page=1&pageSize=20&${s}`, headers: bearer(jcyTokens, i) })),
        raw: searches.map((s) => ({ method: 'GET', path: `/cases?pageSize=20&${s}`, headers: { 'x-org': String(searcher.id) } })),
      },
    };
    // Transitions: approve_transfer by the busiest agency's heads on distinct cases awaiting approval,
    // a separate slice of the pool for each run (a case approved once cannot be approved again).
    const warmSlice = Math.max(2, Math.floor(pool.length * 0.04));
    const perRun = Math.floor((pool.length - 2 * warmSlice) / (2 * o.rounds));
    let taken = 0;
    const slice = (n: number) => pool.slice(taken, (taken += n));
    const transitions = (side: Side, cases: Array<{ id: number; version: number }>): RequestSpec[] => cases.map((c, i) => {
      const body = JSON.stringify({ transition: 'approve_transfer', version: c.version });
      return side === 'platform'
        ? { method: 'POST', path: `/api/v1/cases/${c.id}/actions`, headers: bearer(headTokens, i), body }
        : { method: 'POST', path: `/cases/${c.id}/actions`, headers: { 'x-user': String(headIds[i % headIds.length]) }, body };
    });

    const base = { raw: raw.base, platform: platform.base };
    const run = async (side: Side, list: RequestSpec[], once: boolean, durationMs: number): Promise<{ load: LoadResult; before: Counters; after: Counters }> => {
      const job: LoadJob = { base: base[side], concurrency: o.concurrency, durationMs, requests: list, once, timeoutMs: o.timeoutMs, graceMs: o.graceMs };
      const before = await readCounters(conn);
      const load = await runLoadInChild(job, TS_EXEC_ARGV);
      const after = await readCounters(conn);
      const killed = await killLeftovers(conn);
      if (killed) o.log(`    (${killed} statements still running 20 s after the run were stopped)`);
      return { load, before, after };
    };

    o.log(`warming up (${o.warmupMs} ms per workload and side)`);
    for (const side of ['raw', 'platform'] as Side[]) {
      for (const w of ['inbox', 'detail', 'search'] as const) await run(side, requests[w][side], false, o.warmupMs);
      await run(side, transitions(side, slice(warmSlice)), true, o.warmupMs);
    }

    const results: RunResult[] = [];
    for (let round = 1; round <= o.rounds; round++) {
      // Alternate which side goes first, so neither always finds the buffer pool warmed by the other.
      const order: Side[] = round % 2 ? ['raw', 'platform'] : ['platform', 'raw'];
      for (const workload of ['inbox', 'detail', 'transition', 'search'] as const) {
        for (const side of order) {
          const list = workload === 'transition' ? transitions(side, slice(perRun)) : requests[workload][side];
          const r = await run(side, list, workload === 'transition', o.durationMs);
          results.push({ workload, side, round, load: r.load, statements: perRequest(r.before, r.after, r.load.requests) });
          o.log(`  round ${round} ${workload.padEnd(10)} ${side.padEnd(8)} ${r.load.rps.toFixed(1).padStart(8)} req/s  p95 ${r.load.latency.p95} ms`
            + `  ok ${r.load.ok}/${r.load.requests}${r.load.sampleError ? `  first error: ${r.load.sampleError.slice(0, 160)}` : ''}`);
        }
      }
      // The raw side of the scan: its reads only (they change nothing, so every round can run them).
      const before = await readCounters(conn);
      const res = await fetch(`${raw.base}/scan`, { method: 'POST' });
      const scan = (await res.json()) as { tasks: number; batches: number; ms: number };
      const after = await readCounters(conn);
      results.push({
        workload: 'scan', side: 'raw', round, statements: perRequest(before, after, 1),
        load: { requests: 1, ok: res.ok ? 1 : 0, statuses: { [res.status]: 1 }, errors: 0, timeouts: 0, elapsedMs: scan.ms, rps: 0, sampleError: null,
          latency: { count: 1, mean: scan.ms, p50: scan.ms, p95: scan.ms, p99: scan.ms, max: scan.ms } },
        scan: { tasks: scan.tasks, pages: scan.batches, written: 0, finished: res.ok },
      });
      o.log(`  round ${round} scan       raw      ${scan.tasks} due tasks read in ${scan.ms} ms (${scan.batches} batches)`);
    }

    // The platform's scan changes what it reads (each task's next point moves on): one pass, last.
    o.log(`platform reminder scan: one pass (at most ${Math.round(o.scanTimeoutMs / 1000)} s)`);
    const due = async (at: Date) => Number((await rows<{ n: number }>(conn,
      "SELECT COUNT(*) AS n FROM case_task WHERE status = 'open' AND next_remind_at <= ?", [at]))[0].n);
    const scanStart = new Date();
    const dueBefore = await due(scanStart);
    let before = await readCounters(conn);
    const scan: ScanOutcome = await platformScan(db.target, o.scanTimeoutMs, async () => {
      before = await readCounters(conn);
    });
    const after = await readCounters(conn);
    await killLeftovers(conn);
    // A pass that did not finish: the tasks it moved on are those no longer due as of its start.
    const dueAfter = scan.report ? 0 : await due(scanStart);
    const tasks = scan.report?.tasks ?? Math.max(0, dueBefore - dueAfter);
    results.push({
      workload: 'scan', side: 'platform', round: 1, statements: perRequest(before, after, 1),
      load: { requests: 1, ok: scan.finished ? 1 : 0, statuses: {}, errors: scan.finished ? 0 : 1, timeouts: 0, elapsedMs: scan.ms, rps: 0,
        sampleError: scan.error, latency: { count: 1, mean: scan.ms, p50: scan.ms, p95: scan.ms, p99: scan.ms, max: scan.ms } },
      scan: { tasks, pages: scan.report?.pages ?? 0, written: scan.report?.written ?? 0, finished: scan.finished, error: scan.error, dueBefore },
    });
    o.log(`  platform scan: ${scan.finished ? 'finished' : 'NOT finished'} in ${scan.ms} ms, ${tasks} tasks, ${scan.report?.written ?? 0} reminders written${scan.error ? ` (${scan.error})` : ''}`);

    // Then a minute of steady state: the catch-up moved every task's next point on; a minute's
    // share of a day's reminders comes due (the first open tasks by id), and each side reads it.
    const minuteAt = new Date();
    await conn.query("UPDATE case_task SET next_remind_at = ? WHERE status = 'open' ORDER BY id LIMIT ?", [minuteAt, MINUTE_DUE]);
    const minuteDue = await due(new Date());
    const rawBefore = await readCounters(conn);
    const rawRes = await fetch(`${raw.base}/scan`, { method: 'POST' });
    const rawScan = (await rawRes.json()) as { tasks: number; batches: number; ms: number };
    results.push({
      workload: 'minute', side: 'raw', round: 1, statements: perRequest(rawBefore, await readCounters(conn), 1),
      load: { requests: 1, ok: rawRes.ok ? 1 : 0, statuses: { [rawRes.status]: 1 }, errors: 0, timeouts: 0, elapsedMs: rawScan.ms, rps: 0, sampleError: null,
        latency: { count: 1, mean: rawScan.ms, p50: rawScan.ms, p95: rawScan.ms, p99: rawScan.ms, max: rawScan.ms } },
      scan: { tasks: rawScan.tasks, pages: rawScan.batches, written: 0, finished: rawRes.ok },
    });
    let minuteBefore = await readCounters(conn);
    const minute: ScanOutcome = await platformScan(db.target, o.scanTimeoutMs, async () => {
      minuteBefore = await readCounters(conn);
    });
    const minuteAfter = await readCounters(conn);
    await killLeftovers(conn);
    results.push({
      workload: 'minute', side: 'platform', round: 1, statements: perRequest(minuteBefore, minuteAfter, 1),
      load: { requests: 1, ok: minute.finished ? 1 : 0, statuses: {}, errors: minute.finished ? 0 : 1, timeouts: 0, elapsedMs: minute.ms, rps: 0,
        sampleError: minute.error, latency: { count: 1, mean: minute.ms, p50: minute.ms, p95: minute.ms, p99: minute.ms, max: minute.ms } },
      scan: { tasks: minute.report?.tasks ?? 0, pages: minute.report?.pages ?? 0, written: minute.report?.written ?? 0, finished: minute.finished, error: minute.error, dueBefore: minuteDue },
    });
    o.log(`  platform scan, a minute's pass: ${minute.finished ? 'finished' : 'NOT finished'} in ${minute.ms} ms, ${minute.report?.tasks ?? 0} of ${minuteDue} due tasks`);

    return buildReport({
      options: o, meta, results, mariadb: db.version, copyMs, totalMs: Date.now() - began,
      machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? '', memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, os: `${os.type()} ${os.release()}` },
    });
  } finally {
    while (stops.length) await stops.shift()!().catch((err: Error) => o.log(`stopping: ${err.message}`));
    if (runDir) fs.rmSync(runDir, { recursive: true, force: true });
  }
}
