import { format } from 'util';
import { In, type EntityManager } from 'typeorm';
import { startApp, bearer, TEST_DB, type TestApp } from './support';
import { caseClient, TRANSFER_DOCS } from './cases.support';
import { RemindersService, type ScanReport } from '../src/modules/reminders/reminders.service';
import { ReminderPlanner } from '../src/modules/reminders/planner';
import { DeadlinesService } from '../src/modules/deadlines/deadlines.service';
import { CaseTask } from '../src/modules/cases/entities';
import { loadConfig } from '../src/config/env';

/**
 * The deadline scan reads only the tasks whose next reminder point has come, in keyset pages of
 * REMINDER_SCAN_PAGE, each page in its own transaction that renews the lease; every task's next
 * point is moved on in the same transaction.
 */
let t: TestApp;
let c: ReturnType<typeof caseClient>;
let reminders: RemindersService;
const PAGE = 500;
const PHONES = { officer: '13900000201', head: '13900000202' };

beforeAll(async () => {
  t = await startApp({ REMINDER_SCAN_PAGE: String(PAGE) });
  c = caseClient(t);
  reminders = await t.app.getApplicationContext().getAsync(RemindersService);
  await t.user('ag', 'SZ-FT-SCJG', ['agency_officer']);
  await t.user('ag.head', 'SZ-FT-SCJG', ['agency_head']);
  await t.user('po', 'SZ-FT-GA', ['police_officer'], { phone: PHONES.officer });
  await t.user('po.head', 'SZ-FT-GA', ['police_head'], { phone: PHONES.head });
});
afterAll(() => t.stop());

const at = (iso: string) => t.clock.set(new Date(iso));
const scan = async (): Promise<ScanReport> => {
  const report = await reminders.scanReport();
  if (!report) throw new Error('the scan did not run (lease held elsewhere)');
  return report;
};
const count = async (where: string, params: unknown[] = []) => Number((await t.sql(`SELECT COUNT(*) AS n FROM reminder WHERE ${where}`, params))[0].n);
const nextOf = async (ids: number[]) => (await t.db.read((em) => em.find(CaseTask, { where: { id: In(ids) }, select: { id: true, nextRemindAt: true } })))
  .map((x) => x.nextRemindAt?.toISOString() ?? null);
/** 75 % of a task's window, from its stored start (the test clock runs on, so starts carry milliseconds). */
const p75Of = async (id: number) => {
  const task = await t.db.read((em) => em.findOneByOrFail(CaseTask, { id }));
  return new Date(Math.floor(task.startedAt.getTime() + 0.75 * (task.dueAt!.getTime() - task.startedAt.getTime())));
};

/** A case the police received at `iso` (their 3-day decision task starts then). */
async function receivedAt(iso: string, no: string) {
  at(iso);
  const [ag, head, po] = await Promise.all([t.login('ag'), t.login('ag.head'), t.login('po')]);
  const created = await c.create(ag, no);
  await c.step(ag, created.id, 'submit_report', ['transfer_report']);
  await c.step(head, created.id, 'approve_transfer');
  await c.step(ag, created.id, 'transfer', TRANSFER_DOCS);
  const view = await c.step(po, created.id, 'sign_receipt', ['receipt']);
  return view.tasks.find((x: { status: string; state: string }) => x.status === 'open' && x.state === 'accepted') as { id: number; dueAt: string };
}

/** `n` more open tasks like `model` (a city's backlog), written straight to the table. */
async function copies(modelId: number, n: number): Promise<number[]> {
  const model = await t.db.read((em) => em.findOneByOrFail(CaseTask, { id: modelId }));
  const { id: _id, ...fields } = model;
  await t.db.transaction(async (em) => {
    for (let i = 0; i < n; i += 200) await em.insert(CaseTask, Array.from({ length: Math.min(200, n - i) }, () => ({ ...fields })));
  });
  const rows = await t.sql<{ id: number }>('SELECT id FROM case_task WHERE id > ? ORDER BY id', [modelId]);
  return rows.map((r) => Number(r.id)).slice(0, n);
}

let backlog: number[] = [];

describe('1,200 open tasks', () => {
  test('all due: every one reminded once, in pages of 500, and moved on to its next point', async () => {
    const first = await receivedAt('2026-12-01T02:00:00Z', 'SC-001'); // Tuesday 10:00; due end of Friday 12-04
    expect(first.dueAt).toBe('2026-12-04T16:00:00.000Z');
    backlog = [first.id, ...(await copies(first.id, 1199))];
    expect(backlog).toHaveLength(1200);
    const report = await scan();
    expect(report).toMatchObject({ pages: 3, tasks: 1200, failedTaskIds: [], stopped: null });
    const inapp = await t.sql("SELECT task_id, COUNT(*) AS n FROM reminder WHERE kind = 'new_task' AND channel = 'inapp' GROUP BY task_id");
    expect(inapp).toHaveLength(1200);
    expect(inapp.every((r: { n: number | string }) => Number(r.n) === 1)).toBe(true);
    expect(await count("kind = 'new_task' AND channel = 'sms'")).toBe(2400); // the officer and the head, per task
    expect(Number((await t.sql("SELECT COUNT(*) AS n FROM notification WHERE title LIKE '%有新的待办%'"))[0].n)).toBe(1200);
    // The next point of each: 24 h before the deadline (Friday 00:00 in Shenzhen, before 75 % of the window).
    expect(new Set(await nextOf(backlog))).toEqual(new Set(['2026-12-03T16:00:00.000Z']));
    // Nothing is due any more: a second scan reads nothing.
    expect(await scan()).toMatchObject({ pages: 0, tasks: 0, written: 0 });
    expect(await count("kind = 'new_task'")).toBe(3600);
  });

  test('a task whose point is still ahead is not read; at its point it is', async () => {
    at('2026-12-03T15:59:00Z');
    expect(await scan()).toMatchObject({ pages: 0, tasks: 0 });
    at('2026-12-03T16:00:00Z');
    expect(await scan()).toMatchObject({ pages: 3, tasks: 1200 });
    expect(await count("kind = 'due_soon' AND channel = 'inapp' AND dedupe_key LIKE '%:h24:%'")).toBe(1200);
    expect(new Set(await nextOf(backlog))).toEqual(new Set([(await p75Of(backlog[0])).toISOString()])); // 75 % of the window, 18:30
  });

  test('the lease is renewed in every page: taken over between two pages, the scan stops and the new holder goes on', async () => {
    const steal = TEST_DB === 'mysql'
      ? "CREATE TRIGGER steal_scan AFTER UPDATE ON case_task FOR EACH ROW UPDATE lease SET holder = 'other-instance', expires_at = '2099-01-01 00:00:00' WHERE name = 'reminder-scan'"
      : "CREATE TRIGGER steal_scan AFTER UPDATE OF next_remind_at ON case_task BEGIN UPDATE lease SET holder = 'other-instance', expires_at = '2099-01-01 00:00:00.000' WHERE name = 'reminder-scan'; END";
    await t.sql(steal);
    t.clock.set(await p75Of(backlog[0]));
    const cut = await scan();
    await t.sql('DROP TRIGGER steal_scan');
    expect(cut).toMatchObject({ pages: 1, tasks: PAGE, stopped: 'lease' });
    expect(await count("kind = 'due_soon' AND channel = 'inapp' AND dedupe_key LIKE '%:p75:%'")).toBe(PAGE);
    expect(await reminders.scanReport()).toBeNull(); // the other instance holds it now
    // It goes away (its lease runs out): this instance takes over and does the rest, once.
    await t.sql("UPDATE lease SET expires_at = '2000-01-01 00:00:00' WHERE name = 'reminder-scan'");
    expect(await scan()).toMatchObject({ tasks: 1200 - PAGE, stopped: null });
    expect(await count("kind = 'due_soon' AND channel = 'inapp' AND dedupe_key LIKE '%:p75:%'")).toBe(1200);
  });

  test('a task that fails is logged with its id; the others go on; the next scan tries it again', async () => {
    const poison = backlog[700];
    const trigger = TEST_DB === 'mysql'
      ? `CREATE TRIGGER poison_task BEFORE INSERT ON reminder FOR EACH ROW BEGIN IF NEW.task_id = ${poison} THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'poison'; END IF; END`
      : `CREATE TRIGGER poison_task BEFORE INSERT ON reminder WHEN NEW.task_id = ${poison} BEGIN SELECT RAISE(ABORT, 'poison'); END`;
    await t.sql(trigger);
    const logger = t.app.getLogger('logger');
    const errors = jest.spyOn(logger, 'error');
    at('2026-12-04T16:00:00Z'); // the deadline: Saturday 00:00 in Shenzhen, a rest day: told once ('first')
    const report = await scan();
    await t.sql('DROP TRIGGER poison_task');
    expect(report).toMatchObject({ tasks: 1199, failedTaskIds: [poison], stopped: null });
    const logged = errors.mock.calls.map((args) => format(...(args as unknown[])));
    errors.mockRestore();
    // The page's failure names all its tasks; the task that still fails alone is named on its own.
    const covers = (line: string) => (/（待办 ([\d,-]+)）/.exec(line)?.[1] ?? '').split(',').some((part) => {
      const [from, to = from] = part.split('-').map(Number);
      return from <= poison && poison <= to;
    });
    expect(logged.some((l) => l.includes('分开重试') && covers(l))).toBe(true);
    expect(logged.some((l) => l.includes('下次扫描重试') && l.split(' ').includes(String(poison)) && l.includes('poison'))).toBe(true);
    expect(await count("kind = 'overdue' AND channel = 'inapp' AND dedupe_key LIKE '%:first:%'")).toBe(1199);
    expect(await nextOf([poison])).toEqual(['2026-12-04T16:00:00.000Z']); // kept: looked at again next time
    at('2026-12-04T16:01:00Z');
    expect(await scan()).toMatchObject({ tasks: 1, failedTaskIds: [] });
    expect(await count('task_id = ? AND kind = ? AND channel = ?', [poison, 'overdue', 'inapp'])).toBe(1);
    // Overdue tasks are looked at again at the start of the next working day (Monday 12-07).
    expect(new Set(await nextOf(backlog))).toEqual(new Set(['2026-12-06T16:00:00.000Z']));
    await t.sql(`UPDATE case_task SET status = 'done', next_remind_at = NULL WHERE id IN (${backlog.join(',')})`);
  });
});

test('an approved extension moves the points, and the new deadline is announced too', async () => {
  const task = await receivedAt('2026-12-07T02:00:00Z', 'SC-002'); // Monday; due end of Thursday 12-10
  await scan();
  at('2026-12-09T17:00:00Z'); // past 24 h before the old deadline
  await scan();
  expect(await count("task_id = ? AND kind = 'due_soon' AND channel = 'inapp'", [task.id])).toBe(1);
  const head = await t.login('po.head');
  const extended = await t.http().post(`/api/v1/tasks/${task.id}/extensions`).set(bearer(head)).send({ extension: 'economic', reason: '经济犯罪案件' });
  expect(extended.status).toBe(200);
  const newDue = Date.parse(extended.body.dueAt);
  expect(newDue).toBeGreaterThan(Date.parse('2026-12-16T00:00:00Z'));
  expect(await scan()).toMatchObject({ tasks: 1 });
  const start = (await t.db.read((em) => em.findOneByOrFail(CaseTask, { id: task.id }))).startedAt.getTime();
  const h24 = newDue - 24 * 3600_000;
  const p75 = Math.floor(start + 0.75 * (newDue - start));
  expect(await nextOf([task.id])).toEqual([new Date(Math.min(h24, p75)).toISOString()]);
  // The old deadline passes without an overdue reminder.
  at('2026-12-11T02:00:00Z');
  expect((await scan()).tasks).toBe(0);
  expect(await count("task_id = ? AND kind = 'overdue'", [task.id])).toBe(0);
  // 24 h before the new deadline the officer is told again, although "24 h before" was told once for the old one.
  t.clock.set(new Date(Math.max(h24, p75)));
  await scan();
  const windows = (await t.sql("SELECT dedupe_key FROM reminder WHERE task_id = ? AND kind = 'due_soon' AND channel = 'sms' AND user_id = (SELECT id FROM app_user WHERE username = 'po') ORDER BY id", [task.id]))
    .map((r: { dedupe_key: string }) => r.dedupe_key.split(':')[3]);
  expect(windows.sort()).toEqual(['h24', 'h24.x1', 'p75.x1']);
});

test('no statement per task: a page of 40 tasks costs what a page of 1 costs', async () => {
  const model = await receivedAt('2026-12-14T02:00:00Z', 'SC-003');
  const ids = [model.id, ...(await copies(model.id, 40))];
  const deadlines = await t.app.getApplicationContext().getAsync(DeadlinesService);
  const planner = new ReminderPlanner(loadConfig());
  const calendar = await t.db.read((em) => deadlines.calendar(em));
  const now = t.clock.now();
  const statements = async (page: number[]) => {
    let n = 0;
    await t.db.transaction(async (em) => {
      // Counts the calls that reach the database (each is one statement); everything else passes through.
      const counted = new Proxy(em, {
        get(target, prop) {
          const value = Reflect.get(target, prop, target) as unknown;
          if (typeof value !== 'function') return value;
          const fn = value as (...args: unknown[]) => unknown;
          if (!['find', 'findOne', 'findBy', 'insert', 'update', 'save', 'delete', 'query', 'createQueryBuilder', 'count'].includes(String(prop))) return fn.bind(target);
          return (...args: unknown[]) => {
            n++;
            return fn.apply(target, args);
          };
        },
      }) as EntityManager;
      expect((await planner.page(counted, page, now, calendar)).tasks).toBe(page.length);
    });
    return n;
  };
  const one = await statements([ids[0]]);
  const forty = await statements(ids.slice(1));
  expect(one).toBeGreaterThan(0);
  expect(forty).toBe(one);
  expect(await count("kind = 'new_task' AND channel = 'inapp' AND task_id IN (" + ids.join(',') + ')')).toBe(41);
});
