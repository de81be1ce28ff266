import { startApp, bearer, type TestApp } from './support';
import { caseClient, TRANSFER_DOCS } from './cases.support';
import { RemindersService } from '../src/modules/reminders/reminders.service';
import { ConsoleSmsDriver } from '../src/modules/reminders/sms';

let t: TestApp;
let c: ReturnType<typeof caseClient>;
let reminders: RemindersService;
let console_: ConsoleSmsDriver;
const PHONES = { officer: '13900000101', head: '13900000102', retired: '13900000103', optout: '13900000104' };

beforeAll(async () => {
  t = await startApp();
  c = caseClient(t);
  reminders = await t.app.getApplicationContext().getAsync(RemindersService);
  console_ = reminders.driver as ConsoleSmsDriver;
  await t.user('ag', 'SZ-FT-SCJG', ['agency_officer']);
  await t.user('ag.head', 'SZ-FT-SCJG', ['agency_head']);
  await t.user('po', 'SZ-FT-GA', ['police_officer'], { phone: PHONES.officer });
  await t.user('po.head', 'SZ-FT-GA', ['police_head'], { phone: PHONES.head });
  const retired = await t.user('po.retired', 'SZ-FT-GA', ['police_officer'], { phone: PHONES.retired });
  await t.sql("UPDATE app_user SET status = 'retired' WHERE id = ?", [retired.id]);
  await t.user('po.quiet', 'SZ-FT-GA', ['police_officer'], { phone: PHONES.optout });
});
afterAll(() => t.stop());

const at = (iso: string) => t.clock.set(new Date(iso));
const login = (u: string) => t.login(u);
const smsTo = (phone: string) => console_.sent.filter((m) => m.phone === phone);
const rows = (where: string, params: unknown[] = []) =>
  t.sql(`SELECT id, kind, channel, status, dedupe_key, phone FROM reminder WHERE ${where} ORDER BY id`, params) as Promise<Array<{ id: number; kind: string; channel: string; status: string; dedupe_key: string; phone: string }>>;

/** A case the police received at `iso` (their 3-day decision task starts then). */
async function receivedAt(iso: string, no: string) {
  at(iso);
  const [ag, head, po] = await Promise.all([login('ag'), login('ag.head'), login('po')]);
  const created = await c.create(ag, no);
  await c.step(ag, created.id, 'submit_report', ['transfer_report']);
  await c.step(head, created.id, 'approve_transfer');
  await c.step(ag, created.id, 'transfer', TRANSFER_DOCS);
  const view = await c.step(po, created.id, 'sign_receipt', ['receipt']);
  return { caseId: created.id, task: view.tasks.find((x: { status: string; state: string }) => x.status === 'open' && x.state === 'accepted') };
}

test('a new task reminds the officers at once, by SMS and in-app, and never twice', async () => {
  const { task } = await receivedAt('2026-12-01T02:00:00Z', 'RM-001'); // Tuesday 10:00 in Shenzhen
  const po = await login('po');
  await t.http().put('/api/v1/me/sms-preferences').set(bearer(await login('po.quiet'))).send({ new_task: false });
  expect(await reminders.scan()).toBeGreaterThan(0);
  await reminders.scan();
  const sms = await rows("task_id = ? AND kind = 'new_task' AND channel = 'sms'", [task.id]);
  expect(sms.map((r) => r.phone).sort()).toEqual([PHONES.officer, PHONES.head].sort()); // not the retired, not the opted-out
  expect(await rows("task_id = ? AND kind = 'new_task' AND channel = 'inapp'", [task.id])).toHaveLength(1);
  await reminders.drain();
  expect(smsTo(PHONES.officer).some((m) => m.text.includes('有新的待办'))).toBe(true);
  expect(smsTo(PHONES.retired)).toEqual([]);
  expect(smsTo(PHONES.optout)).toEqual([]);
  const notices = (await t.http().get('/api/v1/notifications').set(bearer(po))).body.items.map((n: { body: string }) => n.body);
  expect(notices.some((b: string) => b.includes('有新的待办'))).toBe(true);
});

test('due soon at 75 % and 24 h before; overdue escalates to the head; completing the task cancels what is pending', async () => {
  const { caseId, task } = await receivedAt('2026-12-07T02:00:00Z', 'RM-002'); // Monday; due end of Thursday 12-10
  expect(task.dueAt).toBe('2026-12-10T16:00:00.000Z');
  await reminders.scan();
  await reminders.drain();
  at('2026-12-09T15:00:00Z'); // Wed 23:00: neither point yet (24 h before is 12-10 00:00, 75 % of the window is 02:30)
  await reminders.scan();
  expect(await rows("task_id = ? AND kind = 'due_soon'", [task.id])).toEqual([]);
  at('2026-12-09T17:00:00Z'); // Thu 01:00: 24 h before has passed
  await reminders.scan();
  expect((await rows("task_id = ? AND kind = 'due_soon' AND channel = 'sms'", [task.id])).map((r) => r.dedupe_key.split(':')[3])).toEqual(['h24', 'h24', 'h24']); // po.quiet only opted out of new-task SMS
  at('2026-12-10T02:00:00Z'); // Thu 10:00: 75 % has passed too
  await reminders.scan();
  expect((await rows("task_id = ? AND kind = 'due_soon' AND channel = 'sms'", [task.id])).length).toBe(6);
  at('2026-12-11T02:00:00Z'); // Fri 10:00: overdue
  await reminders.scan();
  expect((await rows("task_id = ? AND kind = 'escalation'", [task.id])).map((r) => r.phone)).toEqual([PHONES.head]);
  const pendingBefore = (await rows("task_id = ? AND status = 'pending'", [task.id])).length;
  expect(pendingBefore).toBeGreaterThan(0);
  const head = await login('po.head');
  await c.step(head, caseId, 'decide_file', ['notice']);
  expect(await rows("task_id = ? AND status = 'pending'", [task.id])).toEqual([]);
  expect((await rows("task_id = ? AND status = 'cancelled'", [task.id])).length).toBe(pendingBefore);
});

test('quiet hours defer SMS to the morning; several messages for one person become one digest', async () => {
  await receivedAt('2026-12-14T13:30:00Z', 'RM-003'); // Monday 21:30
  await receivedAt('2026-12-14T14:10:00Z', 'RM-004'); // Monday 22:10: quiet
  const before = smsTo(PHONES.officer).length;
  await reminders.scan();
  const night = await reminders.drain();
  expect(night?.deferred).toBeGreaterThan(0);
  expect(smsTo(PHONES.officer).length).toBe(before);
  at('2026-12-15T00:05:00Z'); // 08:05
  const morning = await reminders.drain();
  expect(morning?.sent).toBeGreaterThan(0);
  const after = smsTo(PHONES.officer).slice(before);
  expect(after).toHaveLength(1);
  expect(after[0].text).toMatch(/您有\d+件案件待办/);
  const digested = await rows("status = 'digested' AND phone = ?", [PHONES.officer]);
  expect(digested.length).toBeGreaterThanOrEqual(2);
});

test('across a holiday: overdue reminders come on working days (and the 调休 Saturday) only', async () => {
  const { task } = await receivedAt('2026-09-28T02:00:00Z', 'RM-005'); // Mon 09-28; 3 days → 10-01 国庆 → 10-08
  expect(task.dueAt).toBe('2026-10-08T16:00:00.000Z');
  // 75 % of the window falls on 10-06, inside the holiday: it is moved to the last working day before it.
  at('2026-09-30T01:00:00Z');
  await reminders.scan();
  expect((await rows("task_id = ? AND kind = 'due_soon' AND channel = 'inapp'", [task.id])).map((r) => r.dedupe_key.split(':')[3])).toEqual(['p75']);
  for (const day of ['2026-10-02', '2026-10-05', '2026-10-08', '2026-10-09', '2026-10-10', '2026-10-11', '2026-10-12']) {
    at(`${day}T02:00:00Z`);
    await reminders.scan();
  }
  // 24 h before the deadline is 10-08 00:00, a working day: told then (by SMS at 08:00, after the quiet hours).
  expect((await rows("task_id = ? AND kind = 'due_soon' AND channel = 'inapp'", [task.id])).map((r) => r.dedupe_key.split(':')[3])).toEqual(['p75', 'h24']);
  const windows = (await rows("task_id = ? AND kind = 'overdue' AND channel = 'inapp'", [task.id])).map((r) => r.dedupe_key.split(':')[3]);
  expect(windows).toEqual(['2026-10-09', '2026-10-10', '2026-10-12']);
  await reminders.drain();
});

test('overdue tasks show in the filing procuratorate’s supervision view', async () => {
  const { task } = await receivedAt('2026-12-21T02:00:00Z', 'RM-006');
  at('2026-12-28T02:00:00Z');
  await t.user('jcy', 'SZ-FT-JCY', ['procurator']);
  const res = await t.http().get('/api/v1/supervision/overdue?pageSize=100').set(bearer(await login('jcy')));
  if (res.status !== 200) throw new Error(JSON.stringify(res.body));
  const view = res.body;
  expect(view.items.map((x: { id: number }) => x.id)).toContain(task.id);
  expect(view.items.every((x: { overdue: boolean }) => x.overdue)).toBe(true);
  expect((await t.http().get('/api/v1/supervision/overdue').set(bearer(await login('po')))).status).toBe(403);
});

test('operations: the outbox shows counts with masked numbers; a failed message can be resent; test SMS', async () => {
  await t.user('ops', 'SZ-PT', ['system_admin']);
  const ops = await login('ops');
  const outbox = (await t.http().get('/api/v1/reminders/outbox?pageSize=5').set(bearer(ops))).body;
  expect(outbox.counts.sent).toBeGreaterThan(0);
  expect(JSON.stringify(outbox.items)).not.toContain(PHONES.officer);
  expect(outbox.items[0].log.length).toBeGreaterThan(0);
  const test = await t.http().post('/api/v1/reminders/test-sms').set(bearer(ops)).send({ phone: '13812345678' });
  expect(test.status).toBe(200);
  expect(test.body).toMatchObject({ status: 'sent', phoneMasked: '138****5678' });
  expect(console_.sent.some((m) => m.phone === '13812345678')).toBe(true);
  const notFailed = await t.http().post(`/api/v1/reminders/${test.body.id}/resend`).set(bearer(ops)).send({});
  expect(notFailed.status).toBe(409);
  const officer = await login('po');
  expect((await t.http().get('/api/v1/reminders/outbox').set(bearer(officer))).status).toBe(403);
});

test('a task given to a named officer reminds that officer; when they leave it passes to a colleague', async () => {
  const { task } = await receivedAt('2026-12-22T02:00:00Z', 'RM-007');
  const head = await login('po.head');
  const officer = await t.sql("SELECT id FROM app_user WHERE username = 'po'");
  const assigned = await t.http().post(`/api/v1/tasks/${task.id}/assignee`).set(bearer(head)).send({ userId: Number(officer[0].id) });
  expect(assigned.status).toBe(200);
  expect(assigned.body.assignee.name).toBe('测试po');
  await reminders.scan();
  expect((await rows("task_id = ? AND kind = 'new_task' AND channel = 'sms'", [task.id])).map((r) => r.phone)).toEqual([PHONES.officer]);

  await t.user('po.admin', 'SZ-FT-GA', ['org_admin']);
  const colleague = await t.user('po.next', 'SZ-FT-GA', ['police_officer'], { phone: '13900000109' });
  const admin = await login('po.admin');
  const leave = await t.http().post(`/api/v1/users/${officer[0].id}/status`).set(bearer(admin)).send({ status: 'transferred', reason: '调离', handoverToUserId: colleague.id });
  expect(leave.status).toBe(200);
  expect(leave.body.handedOver.tasks).toBe(1);
  at('2026-12-24T19:00:00Z'); // past 24 h before and 75 % of the window
  await reminders.scan();
  expect((await rows("task_id = ? AND kind = 'due_soon' AND channel = 'sms'", [task.id])).map((r) => r.phone)).toEqual(['13900000109', '13900000109']);
});
