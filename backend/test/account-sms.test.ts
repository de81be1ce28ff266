import { startApp, bearer, type TestApp } from './support';
import { startFakeSms, type FakeSms } from './support-sms-server';
import { RemindersService } from '../src/modules/reminders/reminders.service';
import { Reminder } from '../src/modules/reminders/entities';

/**
 * Account messages (temporary passwords) go through the outbox after the commit, with the real
 * Aliyun SDK against the local stand-in: the password is never stored in clear, is erased once
 * sent, survives a provider failure right after the commit, and ignores quiet hours, the daily
 * cap and digests (which still count it as a delivery).
 */
const KEY = { id: 'LTAIaccount', secret: 'account-sms-secret-0123456789' };
let sms: FakeSms;
let t: TestApp;
let reminders: RemindersService;

beforeAll(async () => {
  sms = await startFakeSms({
    accessKeyId: KEY.id, accessKeySecret: KEY.secret, signNames: ['两法衔接平台'],
    templates: {
      SMS_LFXJ_ACCOUNT: '您的两法衔接平台账号 ${username} ${action}，临时密码 ${password}，${expires}前有效，首次登录须修改。',
      SMS_LFXJ_TEST: '案件办理提醒：这是一条测试短信，收到即表示短信通道正常。',
      SMS_LFXJ_OVERDUE: '案件办理提醒：${caseNo}“${task}”已于${due}到期，尚未办理。',
      SMS_LFXJ_DIGEST: '案件办理提醒：您有${count}件案件待办或即将到期，请登录两法衔接平台查看。',
    },
  });
  t = await startApp({
    SMS_DRIVER: 'aliyun', SMS_ACCESS_KEY_ID: KEY.id, SMS_ACCESS_KEY_SECRET: KEY.secret, SMS_ENDPOINT: sms.endpoint, SMS_PROTOCOL: 'http',
    REMINDER_DAILY_CAP: '3',
  });
  reminders = await t.app.getApplicationContext().getAsync(RemindersService);
  await t.user('ft.admin', 'SZ-FT-SCJG', ['org_admin']);
  await t.user('sys', 'SZ-PT', ['system_admin']);
});
afterAll(async () => {
  await t.stop();
  await sms.close();
});

const at = (iso: string) => t.clock.set(new Date(iso));
/** Sessions are short: log in at the test's time. */
const as = (username: string) => t.login(username);
const to = (phone: string) => sms.messages.filter((m) => m.phone === phone);
const accountRows = (phone: string) => t.db.read((em) => em.find(Reminder, { where: { phone, kind: 'account' }, order: { id: 'ASC' } }));
/** Every stored text that could hold a password: the outbox rows, their log and the audit log. */
const everythingStored = async () => JSON.stringify([
  await t.sql('SELECT * FROM reminder'), await t.sql('SELECT * FROM reminder_log'), await t.sql('SELECT * FROM audit_log'), await t.sql('SELECT * FROM sms_delivery'),
]);
const drain = async () => {
  const result = await reminders.drain();
  if (!result) throw new Error('the sender did not run');
  return result;
};

test('a provider failure right after the commit: the account exists, the password waits sealed (never in clear), the sender delivers it and erases it', async () => {
  at('2026-12-02T02:00:00Z'); // Wednesday 10:00 in Shenzhen
  sms.failNext(1, { code: 'isp.SYSTEM_ERROR', action: 'SendSms' });
  const org = await t.org('SZ-FT-SCJG');
  const created = await t.http().post('/api/v1/users').set(bearer(await as('ft.admin')))
    .send({ username: 'newbie', displayName: '新同事', orgId: org.id, phone: '13912340001', roles: ['agency_officer'] });
  expect(created.status).toBe(200);
  expect((await t.sql("SELECT status FROM app_user WHERE username = 'newbie'"))[0].status).toBe('active');
  expect(to('13912340001')).toEqual([]);
  const [waiting] = await accountRows('13912340001');
  expect(waiting).toMatchObject({ status: 'pending', attempts: 1, lastCode: 'isp.SYSTEM_ERROR' });
  expect(waiting.params.startsWith('sealed:v1:')).toBe(true);
  expect(waiting.text).toContain('临时密码 ******，');
  const storedWhileWaiting = await everythingStored();

  at('2026-12-02T02:01:00Z'); // past the backoff
  expect((await drain()).sent).toBe(1);
  const [delivered] = to('13912340001');
  expect(delivered.templateCode).toBe('SMS_LFXJ_ACCOUNT');
  const password = delivered.params.password;
  expect(password.length).toBeGreaterThanOrEqual(8);
  // Neither while it waited nor now does the database hold the password.
  expect(storedWhileWaiting).not.toContain(password);
  expect(await everythingStored()).not.toContain(password);
  const [sent] = await accountRows('13912340001');
  expect(sent).toMatchObject({ status: 'sent', params: '{}' });
  const login = await t.http().post('/api/v1/auth/login').send({ username: 'newbie', password });
  expect(login.status).toBe(200);
  expect(login.body.mustChangePassword).toBe(true);
});

describe('account messages ignore quiet hours, the daily cap and digests (and count as deliveries)', () => {
  const PHONE = '13912340002';
  let userId: number;
  const reset = async () => {
    const res = await t.http().post(`/api/v1/users/${userId}/reset-password`).set(bearer(await as('ft.admin'))).send({});
    expect(res.status).toBe(200);
  };
  const queueReminders = async (n: number, key: string) => {
    const now = t.clock.now();
    await t.db.transaction((em) => em.insert(Reminder, Array.from({ length: n }, (_, i) => ({
      dedupeKey: `${key}:${i}`, kind: 'overdue' as const, channel: 'sms' as const, taskId: null, caseId: null, orgId: null, userId: null, phone: PHONE,
      templateCode: 'SMS_LFXJ_OVERDUE', params: JSON.stringify({ caseNo: `LF${i}`, task: '审查并决定是否立案', due: '2026-12-04 24:00' }),
      text: `提醒 ${i}`, status: 'pending' as const, attempts: 0, nextAttemptAt: now,
    }))));
  };

  beforeAll(async () => {
    userId = (await t.user('officer', 'SZ-FT-SCJG', ['agency_officer'], { phone: PHONE })).id;
  });

  test('the cap reached by other messages: reminders wait for tomorrow, the temporary password goes at once', async () => {
    at('2026-12-03T02:00:00Z'); // Thursday 10:00
    for (let i = 0; i < 3; i++) {
      expect((await t.http().post('/api/v1/reminders/test-sms').set(bearer(await as('sys'))).send({ phone: PHONE })).body.status).toBe('sent');
    }
    expect(to(PHONE)).toHaveLength(3);
    expect(Number((await t.sql('SELECT COUNT(*) AS n FROM sms_delivery WHERE phone = ?', [PHONE]))[0].n)).toBe(3);
    await queueReminders(2, 'capped');
    expect(await drain()).toMatchObject({ deferred: 2, sent: 0 });
    await reset();
    expect(to(PHONE).map((m) => m.templateCode)).toEqual(['SMS_LFXJ_TEST', 'SMS_LFXJ_TEST', 'SMS_LFXJ_TEST', 'SMS_LFXJ_ACCOUNT']);
  });

  test('at night: reminders wait for the morning, the temporary password goes at once', async () => {
    at('2026-12-03T15:30:00Z'); // Thursday 23:30
    await queueReminders(1, 'night');
    await reset(); // sent right after the commit
    expect(to(PHONE).at(-1)?.templateCode).toBe('SMS_LFXJ_ACCOUNT');
    expect(to(PHONE)).toHaveLength(5);
    sms.failNext(1, { code: 'isp.SYSTEM_ERROR', action: 'SendSms' });
    await reset(); // fails right after the commit: the night-time sender delivers it
    at('2026-12-03T15:31:00Z');
    expect(await drain()).toMatchObject({ sent: 1, deferred: 1 });
    expect(to(PHONE).map((m) => m.templateCode).slice(-2)).toEqual(['SMS_LFXJ_ACCOUNT', 'SMS_LFXJ_ACCOUNT']);
  });

  test('several messages at once: the reminders become one digest, the temporary password stays its own message', async () => {
    at('2026-12-04T00:05:00Z'); // Friday 08:05: a new day, the reminders are due again
    sms.failNext(1, { code: 'isp.SYSTEM_ERROR', action: 'SendSms' });
    await reset(); // fails right after the commit: it waits in the outbox beside the reminders
    expect((await accountRows(PHONE)).at(-1)?.status).toBe('pending');
    at('2026-12-04T00:06:00Z');
    expect(await drain()).toMatchObject({ sent: 2 });
    const last = to(PHONE).slice(-2);
    expect(last.map((m) => m.templateCode).sort()).toEqual(['SMS_LFXJ_ACCOUNT', 'SMS_LFXJ_DIGEST']);
    expect(last.find((m) => m.templateCode === 'SMS_LFXJ_DIGEST')?.params).toEqual({ count: '3' });
    const password = last.find((m) => m.templateCode === 'SMS_LFXJ_ACCOUNT')!.params.password;
    expect((await t.http().post('/api/v1/auth/login').send({ username: 'officer', password })).status).toBe(200);
    // Every message the provider took for the number is one delivery, whichever path sent it.
    expect(Number((await t.sql('SELECT COUNT(*) AS n FROM sms_delivery WHERE phone = ?', [PHONE]))[0].n)).toBe(to(PHONE).length);
  });
});
