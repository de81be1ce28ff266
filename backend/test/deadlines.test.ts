import { WorkCalendar } from '../src/modules/deadlines/calendar';
import type { TokenPair } from '@lfxj/contracts';
import { startApp, bearer, type TestApp } from './support';
import { caseClient, TRANSFER_DOCS } from './cases.support';

let t: TestApp;
let c: ReturnType<typeof caseClient>;
let admin: TokenPair;
let officer: TokenPair;

const tokens = () => Promise.all(['ft.officer', 'ft.head', 'ft.police', 'sysadmin'].map((u) => t.login(u)));

beforeAll(async () => {
  t = await startApp();
  c = caseClient(t);
  await t.user('ft.officer', 'SZ-FT-SCJG', ['agency_officer']);
  await t.user('ft.head', 'SZ-FT-SCJG', ['agency_head']);
  await t.user('ft.police', 'SZ-FT-GA', ['police_officer']);
  await t.user('sysadmin', 'SZ-PT', ['system_admin']);
  [officer, , , admin] = await tokens();
});
afterAll(() => t.stop());
afterEach(() => t.clock.reset());

/** A case taken up to the police's decision task; returns that task. */
async function receivedCase(no: string) {
  const [agency, head, police] = await tokens();
  const created = await c.create(agency, no);
  await c.step(agency, created.id, 'submit_report', ['transfer_report']);
  await c.step(head, created.id, 'approve_transfer');
  await c.step(agency, created.id, 'transfer', TRANSFER_DOCS);
  const view = await c.step(police, created.id, 'sign_receipt', ['receipt']);
  return view.tasks.find((x: { status: string }) => x.status === 'open');
}

test('every rule carries its legal basis; the police decision is 3 days, not 365', async () => {
  const rules = (await t.http().get('/api/v1/deadline-rules').set(bearer(officer))).body;
  expect(rules.find((r: { key: string }) => r.key === 'police_decision')).toMatchObject({ amount: 3, unit: 'days', version: 1 });
  for (const r of rules) expect(r.basis.length).toBeGreaterThan(10);
});

test('a rule without a legal basis cannot be published; only admins publish', async () => {
  const noBasis = await t.http().post('/api/v1/deadline-rules/police_decision').set(bearer(admin)).send({ amount: 365, unit: 'days', rolloverOnRestDay: true, basis: '' });
  expect(noBasis.status).toBe(400);
  expect(noBasis.body.message).toContain('basis');
  const byOfficer = await t.http().post('/api/v1/deadline-rules/police_decision').set(bearer(officer)).send({ amount: 5, unit: 'days', rolloverOnRestDay: true, basis: '测试依据第一条' });
  expect(byOfficer.status).toBe(403);
});

test('a new rule version applies to new tasks only; running deadlines keep theirs', async () => {
  const before = await receivedCase('DL-001');
  expect(before).toMatchObject({ ruleKey: 'police_decision', ruleVersion: 1 });
  const published = await t.http().post('/api/v1/deadline-rules/police_decision').set(bearer(admin))
    .send({ amount: 5, unit: 'days', rolloverOnRestDay: true, basis: '测试：假设的新规定第八条，5日内审查决定' });
  expect(published.status).toBe(200);
  expect(published.body.version).toBe(2);
  expect(published.body.extensions.length).toBe(3);

  const [, , police] = await tokens();
  const unchanged = (await c.get(police, before.caseId)).body.tasks.find((x: { id: number }) => x.id === before.id);
  expect(unchanged).toMatchObject({ ruleVersion: 1, dueAt: before.dueAt });
  const after = await receivedCase('DL-002');
  expect(after).toMatchObject({ ruleKey: 'police_decision', ruleVersion: 2 });
  expect(after.basis).toContain('5日内');
  const versions = (await t.http().get('/api/v1/deadline-rules/police_decision').set(bearer(officer))).body;
  expect(versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
});

test('a deadline past the last year of holiday data is flagged until admins enter that year', async () => {
  // The first year the calendar package has no State Council schedule for (2027 in late 2026).
  const Y = new WorkCalendar([], []).coveredThroughYear + 1;
  t.clock.advance(Date.parse(`${Y - 1}-12-29T02:00:00Z`) - Date.now());
  [, , , admin] = await tokens();
  const flagged = await receivedCase('DL-010');
  expect(flagged.dueFlagged).toBe(true);
  expect(flagged.flagReason).toContain(String(Y));

  const year = await t.http().put(`/api/v1/calendar/years/${Y}`).set(bearer(admin)).send({ note: `国务院办公厅${Y}年节假日安排已录入` });
  expect(year.status).toBe(200);
  const holiday = await t.http().post('/api/v1/calendar/overrides').set(bearer(admin)).send({ day: `${Y}-01-01`, kind: 'holiday', name: '元旦' });
  expect(holiday.status).toBe(200);
  const clean = await receivedCase('DL-011');
  expect(clean.dueFlagged).toBe(false);
  // 12-29 + 3 days = 01-01, a holiday, so the period ends with the first working day after it (weekends rest).
  const end = new Date(`${Y}-01-02T00:00:00Z`);
  while ([0, 6].includes(end.getUTCDay())) end.setUTCDate(end.getUTCDate() + 1);
  expect(clean.dueAt).toBe(`${end.toISOString().slice(0, 10)}T16:00:00.000Z`);
  const list = (await t.http().get(`/api/v1/calendar/overrides?year=${Y}`).set(bearer(admin))).body;
  expect(list.extraCoveredYears).toContain(Y);
  expect(list.items.map((o: { day: string }) => o.day)).toEqual([`${Y}-01-01`]);
});

test('a holiday another instance entered counts for the next deadline here (the cached calendar follows the table)', async () => {
  const before = await receivedCase('DL-020');
  // The period's last Shanghai day, made a holiday behind this instance's back (as another instance would).
  const lastDay = new Date(Date.parse(before.dueAt) + 8 * 3_600_000 - 1).toISOString().slice(0, 10);
  await t.sql("INSERT INTO calendar_override (day, kind, name, created_at) VALUES (?, 'holiday', '临时调休', '2026-01-01 00:00:00.000')", [lastDay]);
  const after = await receivedCase('DL-021');
  expect(Date.parse(after.dueAt)).toBeGreaterThan(Date.parse(before.dueAt));
  // A rule version published elsewhere is used by the next step here too.
  const [rule] = await t.sql<{ id: number; version: number }>("SELECT id, version FROM deadline_rule WHERE rule_key = 'police_decision' ORDER BY version DESC LIMIT 1");
  await t.sql(`INSERT INTO deadline_rule (rule_key, version, label, amount, unit, rollover_on_rest_day, basis, extensions, unverified, created_at)
    SELECT rule_key, version + 1, label, 7, unit, rollover_on_rest_day, basis, extensions, unverified, created_at FROM deadline_rule WHERE id = ?`, [rule.id]);
  const third = await receivedCase('DL-022');
  expect(third.ruleVersion).toBe(rule.version + 1);
  await t.sql('DELETE FROM calendar_override WHERE day = ?', [lastDay]);
  await t.sql('DELETE FROM deadline_rule WHERE rule_key = ? AND version = ?', ['police_decision', rule.version + 1]);
});
