import { startApp, type TestApp } from './support';
import { startFakeSms, type FakeSms } from './support-sms-server';
import { OutboxSender } from '../src/modules/reminders/sender';
import { AliyunSmsDriver, ConsoleSmsDriver } from '../src/modules/reminders/sms';
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

describe('messages in doubt are checked with the provider, never re-sent blind', () => {
  const aliyun = (timeoutMs = 3000) => new AliyunSmsDriver({
    accessKeyId: 'LTAIsmstest', accessKeySecret: 'sms-secret-0123456789', signName: '两法衔接平台', endpoint: sms.endpoint, protocol: 'http', timeoutMs,
  });
  const later = (ms: number) => new Date(t.clock.now().getTime() + ms);
  const sentTo = (phone: string) => sms.messages.filter((m) => m.phone === phone);
  const sendsTo = (phone: string) => sentTo(phone).length;
  /** A row as a sender that died during the provider call leaves it: "sending", an OutId, its claim run out. */
  const leftSending = (key: string, outId: string | null) => t.db.transaction((em) => em.update(Reminder, { dedupeKey: key }, {
    status: 'sending', outId, claimedBy: 'dead-instance#0001', claimedAt: t.clock.now(), claimedUntil: later(-1000),
  }));
  const deliveries = async (phone: string) => Number((await t.sql('SELECT COUNT(*) AS n FROM sms_delivery WHERE phone = ?', [phone]))[0].n);

  test('a timeout leaves the row in doubt; the check finds the message went out: marked sent, no second SMS', async () => {
    await queue('13900002001', 1, 'doubt-timeout');
    sms.delayNext(1, 600);
    const first = await new OutboxSender(t.db, aliyun(200), cfg, 'test-instance').drain(t.clock.now());
    expect(first).toMatchObject({ sent: 0, retried: 1 });
    const row = await statusOf('doubt-timeout:0');
    expect(row).toMatchObject({ status: 'sending', lastCode: 'TIMEOUT' });
    expect(row.outId).toMatch(/^lfxj-/);
    // The provider took it all the same.
    await new Promise((r) => setTimeout(r, 700));
    expect(sentTo('13900002001').map((m) => m.outId)).toEqual([row.outId]);
    // After the backoff the sender asks instead of sending again.
    const second = await sender().drain(later(60_000));
    expect(second).toMatchObject({ confirmed: 1, sent: 0 });
    expect(await statusOf('doubt-timeout:0')).toMatchObject({ status: 'sent', outId: row.outId });
    expect(sendsTo('13900002001')).toBe(1);
    expect(await deliveries('13900002001')).toBe(1);
    expect(sms.requests.filter((r) => r.action === 'QuerySendDetails' && r.phone === '13900002001')).toHaveLength(1);
  });

  test('left "sending" with an OutId the provider does not know: queued again and sent once', async () => {
    await queue('13900002002', 1, 'doubt-lost');
    await leftSending('doubt-lost:0', 'lfxj-never-arrived');
    const result = await sender().drain(t.clock.now());
    expect(result).toMatchObject({ requeued: 1, sent: 1 });
    expect(sentTo('13900002002')).toHaveLength(1);
    expect(sentTo('13900002002')[0].outId).not.toBe('lfxj-never-arrived');
    const log = await t.sql("SELECT event FROM reminder_log l JOIN reminder r ON r.id = l.reminder_id WHERE r.dedupe_key = 'doubt-lost:0' ORDER BY l.id");
    expect(log.map((l: { event: string }) => l.event)).toEqual(['reclaimed', 'claimed', 'sent']);
  });

  test('left "sending" before the provider was called (no OutId): queued again without asking', async () => {
    await queue('13900002003', 1, 'doubt-before');
    await leftSending('doubt-before:0', null);
    const before = sms.requests.length;
    expect(await sender().drain(t.clock.now())).toMatchObject({ requeued: 1, sent: 1 });
    expect(sms.requests.slice(before).map((r) => r.action)).toEqual(['SendSms']);
  });

  test('a failed check is tried again later; the message is not sent meanwhile', async () => {
    await queue('13900002004', 1, 'doubt-check');
    const outId = 'lfxj-sent-before-the-crash';
    expect((await aliyun().send({ phone: '13900002004', templateCode: 'SMS_LFXJ_OVERDUE', params: { caseNo: 'LF0', task: '审查', due: '2026-12-04 00:00' }, text: 'x', outId })).ok).toBe(true);
    await leftSending('doubt-check:0', outId);
    sms.failNext(1, { code: 'isp.SYSTEM_ERROR', action: 'QuerySendDetails' });
    expect(await sender().drain(t.clock.now())).toMatchObject({ confirmed: 0, requeued: 0, sent: 0 });
    expect((await statusOf('doubt-check:0')).status).toBe('sending');
    expect(await sender().drain(t.clock.now())).toMatchObject({ confirmed: 0, sent: 0 }); // not yet time to ask again
    expect(await sender().drain(later(60_000))).toMatchObject({ confirmed: 1, sent: 0 });
    expect(sendsTo('13900002004')).toBe(1);
    expect(await deliveries('13900002004')).toBe(1);
  });

  test('the console driver cannot know what an earlier process printed: the row is left to a person, not re-sent', async () => {
    await queue('13900002005', 1, 'doubt-console');
    await leftSending('doubt-console:0', 'lfxj-printed-by-a-dead-process');
    const printed: string[] = [];
    const result = await new OutboxSender(t.db, new ConsoleSmsDriver((l) => printed.push(l), null), cfg, 'test-instance').drain(t.clock.now());
    expect(result).toMatchObject({ failed: 1, sent: 0 });
    expect(printed).toEqual([]);
    expect(await statusOf('doubt-console:0')).toMatchObject({ status: 'failed', lastCode: 'UNKNOWN_SEND' });
    expect((await statusOf('doubt-console:0')).lastError).toContain('不再自动重发');
  });

  test('a digest that failed and is folded into a later digest counts the reminders behind it', async () => {
    await queue('13900002006', 3, 'fold-a');
    sms.failNext(1, { code: 'isp.SYSTEM_ERROR', action: 'SendSms' });
    expect((await sender().drain(t.clock.now())).retried).toBe(1);
    await queue('13900002006', 2, 'fold-b');
    expect((await sender().drain(later(60_000))).sent).toBe(1);
    expect(sentTo('13900002006').map((m) => m.text)).toEqual(['案件办理提醒：您有5件案件待办']);
  });

  test('the daily cap counts deliveries, whichever path sent them (a single, a digest, a message confirmed after a crash)', async () => {
    const capped = { ...cfg, reminders: { ...cfg.reminders, dailyCap: 3 } };
    const capSender = () => new OutboxSender(t.db, aliyun(), capped, 'test-instance');
    const phone = '13900002007';
    await queue(phone, 1, 'cap-single');
    expect((await capSender().drain(t.clock.now())).sent).toBe(1);
    await queue(phone, 2, 'cap-digest');
    expect((await capSender().drain(t.clock.now())).sent).toBe(1);
    await queue(phone, 1, 'cap-crash');
    const outId = 'lfxj-cap-crash';
    expect((await aliyun().send({ phone, templateCode: 'SMS_LFXJ_OVERDUE', params: { caseNo: 'LF0', task: '审查', due: '2026-12-04 00:00' }, text: 'x', outId })).ok).toBe(true);
    await leftSending('cap-crash:0', outId);
    expect((await capSender().drain(t.clock.now())).confirmed).toBe(1);
    expect(await deliveries(phone)).toBe(3);
    expect(sendsTo(phone)).toBe(3);
    await queue(phone, 1, 'cap-over');
    expect(await capSender().drain(t.clock.now())).toMatchObject({ deferred: 1, sent: 0 });
    expect(await statusOf('cap-over:0')).toMatchObject({ status: 'pending' });
    expect(sendsTo(phone)).toBe(3);
  });
});
