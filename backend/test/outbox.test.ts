import { startApp, type TestApp } from './support';
import { startFakeSms, type FakeSms } from './support-sms-server';
import { OutboxSender } from '../src/modules/reminders/sender';
import { AliyunSmsDriver } from '../src/modules/reminders/sms';
import { Reminder } from '../src/modules/reminders/entities';
import { loadConfig } from '../src/config/env';

/** The sender through the real Aliyun SDK: retries, permanent failures with the provider's code, batch digests. */
let t: TestApp;
let sms: FakeSms;
const cfg = loadConfig({ REMINDER_QUIET_FROM: '0', REMINDER_QUIET_TO: '0' });

beforeAll(async () => {
  t = await startApp();
  sms = await startFakeSms({
    accessKeyId: 'LTAIsmstest', accessKeySecret: 'sms-secret-0123456789', signNames: ['两法衔接平台'],
    templates: { SMS_LFXJ_OVERDUE: '案件办理提醒：${caseNo}“${task}”已于${due}到期', SMS_LFXJ_DIGEST: '案件办理提醒：您有${count}件案件待办' },
  });
});
afterAll(async () => {
  await t.stop();
  await sms.close();
});

const sender = () => new OutboxSender(t.db, new AliyunSmsDriver({
  accessKeyId: 'LTAIsmstest', accessKeySecret: 'sms-secret-0123456789', signName: '两法衔接平台', endpoint: sms.endpoint, protocol: 'http',
}), cfg, 'test-instance');

async function queue(phone: string, n: number, key: string) {
  const now = t.clock.now();
  for (let i = 0; i < n; i++) {
    await t.db.transaction((em) => em.createQueryBuilder().insert().into(Reminder).values({
      dedupeKey: `${key}:${i}`, kind: 'overdue', channel: 'sms', taskId: null, caseId: null, orgId: null, userId: null, phone,
      templateCode: 'SMS_LFXJ_OVERDUE', params: JSON.stringify({ caseNo: `LF${i}`, task: '审查并决定是否立案', due: '2026-12-04 00:00' }),
      text: `提醒 ${i}`, status: 'pending', attempts: 0, nextAttemptAt: now,
    }).execute());
  }
}
const statusOf = async (key: string) => t.db.read((em) => em.findOneByOrFail(Reminder, { dedupeKey: key }));

test('a permanent refusal is recorded with the provider’s code and not retried', async () => {
  await queue('13900001001', 1, 'perm');
  sms.failNext(1, { code: 'isv.MOBILE_NUMBER_ILLEGAL' });
  const result = await sender().drain(t.clock.now());
  expect(result.failed).toBe(1);
  expect(await statusOf('perm:0')).toMatchObject({ status: 'failed', lastCode: 'isv.MOBILE_NUMBER_ILLEGAL', attempts: 1 });
});

test('a temporary failure is retried after a backoff and then delivered once', async () => {
  await queue('13900001002', 1, 'temp');
  sms.failNext(1, { code: 'isp.SYSTEM_ERROR' });
  expect((await sender().drain(t.clock.now())).retried).toBe(1);
  expect((await sender().drain(t.clock.now())).sent).toBe(0); // still backing off
  const later = new Date(t.clock.now().getTime() + 60_000);
  expect((await sender().drain(later)).sent).toBe(1);
  expect(await statusOf('temp:0')).toMatchObject({ status: 'sent', attempts: 2 });
  expect(sms.messages.filter((m) => m.phone === '13900001002')).toHaveLength(1);
});

test('several messages for two people become two digests sent in one SendBatchSms call', async () => {
  await queue('13900001003', 3, 'digest-a');
  await queue('13900001004', 2, 'digest-b');
  const before = sms.requests.length;
  const result = await sender().drain(t.clock.now());
  expect(result.sent).toBe(2);
  const calls = sms.requests.slice(before);
  expect(calls.map((r) => r.action)).toEqual(['SendBatchSms']);
  const digests = sms.messages.filter((m) => ['13900001003', '13900001004'].includes(m.phone));
  expect(digests.map((m) => m.text).sort()).toEqual(['案件办理提醒：您有2件案件待办', '案件办理提醒：您有3件案件待办']);
  expect((await statusOf('digest-a:0')).status).toBe('digested');
});
