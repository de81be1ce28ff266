import { startFakeSms, type FakeSms } from './support-sms-server';
import { startCluster, eventually, type Cluster } from './support-cluster';
import { Reminder } from '../src/modules/reminders/entities';
import type { ChildApp } from './support-process';

/**
 * A real backend instance is killed (SIGKILL) right after the SMS provider accepted its send and
 * before the answer reached it; whoever takes over asks the provider (QuerySendDetails, by the
 * OutId written before the call) and sends nothing twice. Runs on the database of the pass
 * (TEST_DB): two processes on one SQLite file, or on one MariaDB database.
 */
const KEY = { id: 'LTAIcrash', secret: 'crash-sms-secret-0123456789' };
let sms: FakeSms;
let cluster: Cluster;
const running: ChildApp[] = [];

const env = (instance: string, extra: Record<string, string> = {}) => ({
  INSTANCE_ID: instance, SMS_DRIVER: 'aliyun', SMS_ACCESS_KEY_ID: KEY.id, SMS_ACCESS_KEY_SECRET: KEY.secret, SMS_ENDPOINT: sms.endpoint, SMS_PROTOCOL: 'http',
  REMINDERS_ENABLED: 'true', REMINDER_SEND_SECONDS: '1', REMINDER_SCAN_SECONDS: '60', REMINDER_BACKOFF_SECONDS: '1', SMS_CLAIM_SECONDS: '3',
  LEASE_TTL_SECONDS: '3', LEASE_HEARTBEAT_SECONDS: '1', REMINDER_QUIET_FROM: '0', REMINDER_QUIET_TO: '0', REMINDER_DAILY_CAP: '100', AUDIT_SEAL_SECONDS: '0',
  ...extra,
});
const start = async (instance: string, extra: Record<string, string> = {}) => {
  const app = await cluster.start(env(instance, extra));
  running.push(app);
  return app;
};

beforeAll(async () => {
  sms = await startFakeSms({
    accessKeyId: KEY.id, accessKeySecret: KEY.secret, signNames: ['两法衔接平台'],
    templates: {
      SMS_LFXJ_OVERDUE: '案件办理提醒：${caseNo}“${task}”已于${due}到期，尚未办理。',
      SMS_LFXJ_DIGEST: '案件办理提醒：您有${count}件案件待办或即将到期，请登录两法衔接平台查看。',
    },
  });
  cluster = await startCluster();
});
afterAll(async () => {
  await cluster.destroy();
  await sms.close();
});

async function queue(phones: string[], perPhone: number, key: string) {
  const now = new Date();
  await cluster.db.transaction((em) => em.insert(Reminder, phones.flatMap((phone, p) => Array.from({ length: perPhone }, (_, i) => ({
    dedupeKey: `${key}:${p}:${i}`, kind: 'overdue' as const, channel: 'sms' as const, taskId: null, caseId: null, orgId: null, userId: null, phone,
    templateCode: 'SMS_LFXJ_OVERDUE', params: JSON.stringify({ caseNo: `LF${p}${i}`, task: '审查并决定是否立案', due: '2026-12-04 24:00' }),
    text: `提醒 ${p}-${i}`, status: 'pending' as const, attempts: 0, nextAttemptAt: now,
  })))));
}
const rowsTo = (phones: string[]) => cluster.sql<{ id: number; kind: string; status: string; out_id: string | null; claimed_by: string | null }>(
  `SELECT id, kind, status, out_id, claimed_by FROM reminder WHERE phone IN (${phones.map(() => '?').join(',')}) AND status NOT IN ('digested') ORDER BY id`, phones);
const sendsTo = (phones: string[]) => sms.messages.filter((m) => phones.includes(m.phone));

test('killed after the provider accepted a SendBatchSms: the instance that takes over confirms it, 0 duplicates', async () => {
  const phones = ['13900003001', '13900003002', '13900003003', '13900003004'];
  sms.holdNext(1);
  const a = await start('sms-a');
  await queue(phones, 2, 'batch');
  const held = await sms.nextHeld();
  expect(held.map((m) => [m.action, m.phone]).sort()).toEqual(phones.map((p) => ['SendBatchSms', p]));
  const outId = held[0].outId;
  expect(outId).toMatch(/^lfxj-/);
  // The outbox knew the OutId before the provider did; the claim is sms-a's.
  const during = await rowsTo(phones);
  expect(during.map((r) => [r.kind, r.status, r.out_id])).toEqual(phones.map(() => ['digest', 'sending', outId]));
  expect(during.every((r) => r.claimed_by?.startsWith('sms-a#'))).toBe(true);
  await a.kill();
  sms.releaseHeld(); // nobody is listening any more

  const before = sms.requests.length;
  // Its own claims last a minute (see the next test); sms-a's, which it finds, ran out after 3 s.
  const b = await start('sms-b', { SMS_CLAIM_SECONDS: '60' });
  await eventually('the take-over', async () => (await rowsTo(phones)).every((r) => r.status === 'sent'), 30_000);
  expect(sendsTo(phones)).toHaveLength(4);
  expect(sendsTo(phones).map((m) => m.outId)).toEqual(phones.map(() => outId));
  expect(sms.requests.slice(before).filter((r) => r.action !== 'QuerySendDetails')).toEqual([]);
  expect(sms.requests.slice(before).filter((r) => r.action === 'QuerySendDetails').map((r) => r.phone).sort()).toEqual(phones);
  const deliveries = await cluster.sql("SELECT phone, via, out_id FROM sms_delivery WHERE via = 'confirmed' ORDER BY phone");
  expect(deliveries.map((d: { phone: string; out_id: string }) => [d.phone, d.out_id])).toEqual(phones.map((p) => [p, outId]));
  const log = await cluster.sql("SELECT l.detail FROM reminder_log l JOIN reminder r ON r.id = l.reminder_id WHERE l.event = 'confirmed' AND r.phone = ?", [phones[0]]);
  expect(log[0].detail).toContain(outId);
  expect(b.output()).not.toMatch(/13900003001/); // numbers never appear in full in the output
});

test('killed during a SendSms and restarted under the same name: it checks at once (not after the claim) and sends nothing twice', async () => {
  const phone = '13900003005';
  const [b] = running.slice(-1);
  sms.holdNext(1);
  await queue([phone], 1, 'single');
  const held = await sms.nextHeld();
  expect(held.map((m) => [m.action, m.phone])).toEqual([['SendSms', phone]]);
  await b.kill();
  sms.releaseHeld();
  // sms-b claimed it for a minute: a stranger would wait that long; the same instance knows its predecessor is dead.
  const again = await start('sms-b', { SMS_CLAIM_SECONDS: '60' });
  const restarted = Date.now();
  await eventually('the restarted instance to confirm it', async () => (await rowsTo([phone]))[0].status === 'sent', 20_000);
  expect(Date.now() - restarted).toBeLessThan(15_000);
  expect(sendsTo([phone])).toHaveLength(1);
  const events = await cluster.sql("SELECT l.event FROM reminder_log l JOIN reminder r ON r.id = l.reminder_id WHERE r.phone = ? ORDER BY l.id", [phone]);
  expect(events.map((e: { event: string }) => e.event)).toEqual(['claimed', 'confirmed']);
  await again.stop();
});
