import { format } from 'util';
import type { TokenPair } from '@lfxj/contracts';
import { startApp, bearer, TEST_DB, type TestApp } from './support';
import { caseClient, TRANSFER_DOCS } from './cases.support';
import { RemindersService } from '../src/modules/reminders/reminders.service';
import { JobStatusService } from '../src/modules/reminders/job-status';
import type { ReminderPlanner } from '../src/modules/reminders/planner';
import { CaseTask } from '../src/modules/cases/entities';

/**
 * The reminder scan and the sender cannot fail silently: every pass records its counts and
 * duration (job_status), a failing pass logs an error line with them, /api/v1/health answers 503
 * naming the job (in Chinese) while its last pass failed or while no pass has completed for
 * JOB_STALE_INTERVALS of its intervals, and the admins' console gets the same as an alert. The scan
 * stays in short transactions of at most a page whatever the backlog.
 */
let t: TestApp;
let reminders: RemindersService;
let jobs: JobStatusService;
let planner: ReminderPlanner;
let officer: TokenPair;
let task: { id: number };
const PAGE = 2000;

beforeAll(async () => {
  // Hourly cron ticks: nothing runs a pass behind the test's back.
  t = await startApp({ REMINDER_SCAN_SECONDS: '3600', REMINDER_SEND_SECONDS: '3600' });
  const container = t.app.getApplicationContext();
  reminders = await container.getAsync(RemindersService);
  jobs = await container.getAsync(JobStatusService);
  planner = (reminders as unknown as { planner: ReminderPlanner }).planner;
  await t.user('sys', 'SZ-PT', ['system_admin']);
  await t.user('sec', 'SZ-PT', ['security_admin']);
  await t.user('ag', 'SZ-FT-SCJG', ['agency_officer']);
  await t.user('ag.head', 'SZ-FT-SCJG', ['agency_head']);
  await t.user('po', 'SZ-FT-GA', ['police_officer']);
  t.clock.set(new Date('2026-12-01T02:00:00Z'));
  officer = await t.login('ag');
  const c = caseClient(t);
  const created = await c.create(officer, 'HEALTH-1');
  await c.step(officer, created.id, 'submit_report', ['transfer_report']);
  await c.step(await t.login('ag.head'), created.id, 'approve_transfer');
  await c.step(officer, created.id, 'transfer', TRANSFER_DOCS);
  const view = await c.step(await t.login('po'), created.id, 'sign_receipt', ['receipt']);
  task = view.tasks.find((x: { status: string; state: string }) => x.status === 'open' && x.state === 'accepted');
});
afterEach(() => jest.restoreAllMocks());
afterAll(() => t.stop());

const health = () => t.http().get('/api/v1/health');
/** What the admins' console shows (a fresh login: the test moves the clock past access tokens' life). */
const consoleAs = async (username: string) => t.http().get('/api/v1/platform/jobs').set(bearer(await t.login(username)));
const job = (body: { jobs: Array<{ job: string }> }, name: string) => body.jobs.find((j) => j.job === name) as Record<string, unknown>;
/** The error lines logged while `work` runs. */
async function errorLines(work: () => Promise<unknown>): Promise<string[]> {
  const spy = jest.spyOn(t.app.getLogger('logger'), 'error');
  try {
    await work();
    return spy.mock.calls.map((args) => format(...(args as unknown[])));
  } finally {
    spy.mockRestore();
  }
}

test('before any pass: healthy, the jobs waiting for their first pass', async () => {
  const res = await health();
  expect(res.status).toBe(200);
  expect(res.body.ok).toBe(true);
  expect(job(res.body, 'reminder-scan')).toMatchObject({ state: 'waiting', label: '提醒扫描', lastPassAt: null });
  expect((await t.http().get('/api/v1/health/live')).status).toBe(200);
});

test('a scan that fails: an error line with its counts, health 503 naming it in Chinese, an alert on the console; a good pass clears it', async () => {
  jest.spyOn(planner, 'nextPage').mockRejectedValueOnce(new Error('模拟的扫描故障'));
  let report;
  const lines = await errorLines(async () => {
    report = await reminders.scanReport();
  });
  expect(report).toMatchObject({ stopped: 'error', error: '模拟的扫描故障' });
  expect(lines.some((l) => l.includes('提醒扫描失败') && l.includes('处理待办 0 个') && l.includes('模拟的扫描故障'))).toBe(true);

  const res = await health();
  expect(res.status).toBe(503);
  expect(res.body.code).toBe('JOBS_FAILING');
  expect(res.body.message).toMatch(/^后台任务异常：提醒扫描最近一次失败（.*连续 1 次/);
  expect(job(res.body.details, 'reminder-scan')).toMatchObject({ state: 'failing', failuresInRow: 1 });
  // The error text (it can name tables and servers) is for admins only.
  expect(JSON.stringify(res.body)).not.toContain('模拟的扫描故障');

  for (const admin of ['sys', 'sec']) {
    const banner = await consoleAs(admin);
    expect(banner.status).toBe(200);
    expect(banner.body.ok).toBe(false);
    expect(banner.body.alerts).toHaveLength(1);
    expect(banner.body.alerts[0]).toMatch(/^提醒扫描最近一次失败（.*此前从未成功）：扫描中止：模拟的扫描故障$/);
  }
  expect((await consoleAs('ag')).status).toBe(403);

  // The next pass works: the alert is gone, the pass's counts are shown.
  t.clock.set(new Date('2026-12-01T02:01:00Z'));
  expect(await reminders.scanReport()).toMatchObject({ tasks: 1, stopped: null });
  const healthy = await health();
  expect(healthy.status).toBe(200);
  expect(job(healthy.body, 'reminder-scan')).toMatchObject({ state: 'ok', failuresInRow: 0, counts: { pages: 1, tasks: 1, failed: 0 } });
  expect(Number((job(healthy.body, 'reminder-scan').counts as { written: number }).written)).toBeGreaterThan(0);
  expect((await consoleAs('sys')).body).toMatchObject({ ok: true, alerts: [] });
});

test('a task whose reminders cannot be written: the pass is failing, names the task, and the others are done', async () => {
  const poison = TEST_DB === 'mysql'
    ? `CREATE TRIGGER poison_health BEFORE INSERT ON reminder FOR EACH ROW BEGIN IF NEW.task_id = ${task.id} THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'poison'; END IF; END`
    : `CREATE TRIGGER poison_health BEFORE INSERT ON reminder WHEN NEW.task_id = ${task.id} BEGIN SELECT RAISE(ABORT, 'poison'); END`;
  await t.sql(poison);
  try {
    t.clock.set(new Date('2026-12-04T16:00:00Z')); // its deadline
    expect(await reminders.scanReport()).toMatchObject({ tasks: 0, failed: 1, failedTaskIds: [task.id] });
  } finally {
    await t.sql('DROP TRIGGER poison_health');
  }
  const res = await health();
  expect(res.status).toBe(503);
  expect(res.body.message).toContain('失败 1 个');
  expect((await consoleAs('sys')).body.alerts[0]).toContain(`1 个待办的提醒未能写入，下次扫描重试（待办 ${task.id}）：`);
  t.clock.set(new Date('2026-12-04T16:01:00Z'));
  expect(await reminders.scanReport()).toMatchObject({ tasks: 1, failed: 0 });
  expect((await health()).status).toBe(200);
});

test('a job that has not completed for JOB_STALE_INTERVALS of its intervals is stale: 503 with the minutes', async () => {
  const watched = jest.spyOn(jobs, 'watched').mockReturnValue(true);
  try {
    await reminders.drain();
    expect((await health()).status).toBe(200);
    // 5 × 3600 s later and a bit: both are overdue.
    t.clock.set(new Date(Date.parse('2026-12-04T16:01:00Z') + 5 * 3600_000 + 90_000));
    const res = await health();
    expect(res.status).toBe(503);
    expect(res.body.message).toContain('提醒扫描已 301 分钟未完成（应每 3600 秒完成一次）');
    expect(res.body.message).toContain('短信发送已');
    expect((await consoleAs('sys')).body.alerts[0]).toMatch(/^提醒扫描已 301 分钟未完成（应每 3600 秒完成一次），最近一次失败：12-05 00:00：1 个待办/);
    // One pass of each and all is well again.
    await reminders.scanReport();
    await reminders.drain();
    expect((await health()).status).toBe(200);
  } finally {
    watched.mockRestore();
  }
});

test('a failing sender: every provider call of the pass failed', async () => {
  const sender = t.sms.sender();
  const drain = jest.spyOn(Object.getPrototypeOf(sender) as { drain: () => Promise<unknown> }, 'drain')
    .mockResolvedValueOnce({ sent: 0, retried: 3, failed: 0, deferred: 0, cancelled: 0, confirmed: 0, requeued: 0 });
  try {
    await reminders.drain();
  } finally {
    drain.mockRestore();
  }
  const res = await health();
  expect(res.status).toBe(503);
  expect(res.body.message).toContain('短信发送最近一次失败');
  expect((await consoleAs('sys')).body.alerts.join()).toContain('本次 3 条短信全部发送失败');
  await reminders.drain();
  expect((await health()).status).toBe(200);
});

test('a page writes its reminders, notices and log lines in chunks, and never reads back what it inserted', async () => {
  const model = await t.db.read((em) => em.findOneByOrFail(CaseTask, { id: task.id }));
  const now = new Date('2026-12-06T15:00:00Z'); // before the model's next look (Monday 00:00 in Shenzhen)
  t.clock.set(now);
  const { id: _id, ...fields } = model;
  // New tasks: each owes an in-app reminder (with its notice) and an SMS to the police officer.
  await t.db.transaction((em) => em.createQueryBuilder().insert().into(CaseTask)
    .values(Array.from({ length: 300 }, () => ({ ...fields, startedAt: now, dueAt: new Date(now.getTime() + 3 * 24 * 3600_000), nextRemindAt: now })))
    .updateEntity(false).execute());
  const writer = (t.db as unknown as { writer: { logger: { logQuery: (q: string) => void } } }).writer;
  const log = jest.spyOn(writer.logger, 'logQuery');
  const report = await reminders.scanReport();
  const statements = log.mock.calls.map(([q]) => q);
  expect(report).toMatchObject({ tasks: 300, written: 600, failed: 0 });
  const inserts = (table: string) => statements.filter((q) => new RegExp(`^INSERT\\s+(IGNORE\\s+|OR IGNORE\\s+)?INTO\\s+[\`"]${table}[\`"]`, 'i').test(q)).length;
  expect([inserts('reminder'), inserts('notification'), inserts('reminder_log')]).toEqual([3, 2, 3]); // 600 rows and 300 notices, 200 a statement
  // The only reads of the outbox: which keys exist (before) and the log lines' INSERT … SELECT.
  const reads = statements.filter((q) => /^SELECT/i.test(q) && /FROM [`"](reminder|notification)[`"]/i.test(q));
  expect(reads.length).toBeGreaterThan(0);
  expect(reads.every((q) => /FROM [`"]reminder[`"]/.test(q) && /dedupe_key/.test(q))).toBe(true);
  // Recipients are read without their password hashes.
  expect(statements.filter((q) => /FROM [`"]app_user[`"]/.test(q)).every((q) => !q.includes('password_hash'))).toBe(true);
  await t.sql(`UPDATE case_task SET status = 'done', next_remind_at = NULL WHERE id > ${task.id}`);
});

test('20,000 due tasks: several short transactions of at most a page each, never one for the backlog', async () => {
  const model = await t.db.read((em) => em.findOneByOrFail(CaseTask, { id: task.id }));
  const now = new Date('2026-12-07T02:00:00Z'); // Monday
  t.clock.set(now);
  const { id: _id, ...fields } = model;
  // Started long ago, due in a month: looked at (their instant has come), nothing to tell yet.
  const copy = { ...fields, status: 'open' as const, startedAt: new Date(now.getTime() - 72 * 3600_000), dueAt: new Date(now.getTime() + 30 * 24 * 3600_000), nextRemindAt: new Date(now.getTime() - 60_000) };
  await t.db.transaction(async (em) => {
    for (let i = 0; i < 20_000; i += 500) await em.createQueryBuilder().insert().into(CaseTask).values(Array.from({ length: 500 }, () => ({ ...copy }))).updateEntity(false).execute();
  });
  // Spies that pass through (restored after the test: restoring would forget the calls).
  const transactions = jest.spyOn(t.db, 'transaction');
  const page = jest.spyOn(planner, 'page');
  const report = await reminders.scanReport();
  expect(report).toMatchObject({ tasks: 20_001, failed: 0, stopped: null }); // and the model, overdue since this morning
  const sizes = page.mock.calls.map(([, ids]) => ids.length);
  expect(sizes.length).toBeGreaterThanOrEqual(20_000 / PAGE);
  expect(Math.max(...sizes)).toBeLessThanOrEqual(PAGE);
  // Each page in a transaction of its own (besides them: the lease, its heartbeat, the pass's status row).
  expect(new Set(page.mock.calls.map(([em]) => em)).size).toBe(sizes.length);
  expect(transactions.mock.calls.length).toBeGreaterThanOrEqual(sizes.length + 2);
  expect(job((await health()).body, 'reminder-scan')).toMatchObject({ state: 'ok', counts: { tasks: 20_001, pages: sizes.length } });
  // Their instants moved on: the next pass reads none of them.
  expect(await reminders.scanReport()).toMatchObject({ tasks: 0, pages: 0 });
}, 180_000);
