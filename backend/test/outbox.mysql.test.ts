import { DataSource } from 'typeorm';
import { randomBytes } from 'crypto';
import { loadConfig, type AppConfig } from '../src/config/env';
import { dataSourceOptions } from '../src/db/options';
import { Reminder } from '../src/modules/reminders/entities';
import { Db } from '../src/common/db';
import { OutboxSender } from '../src/modules/reminders/sender';
import { AliyunSmsDriver } from '../src/modules/reminders/sms';
import { startFakeSms, type FakeSms } from './support-sms-server';
import { mysqlAdmin } from './support';

/**
 * Two backend instances (two connection pools, two senders) drain one MariaDB outbox at the
 * same time through the real Aliyun SDK, while the provider fails for a while: every message
 * is delivered exactly once. (Runs in the MariaDB pass: it needs FOR UPDATE SKIP LOCKED.)
 */
const N = 1000;
let sms: FakeSms;
let cfg: AppConfig;
const database = `lfxj_outbox_${randomBytes(4).toString('hex')}`;
const admin = mysqlAdmin();
const sources: DataSource[] = [];

beforeAll(async () => {
  sms = await startFakeSms({
    accessKeyId: 'LTAIsmstest', accessKeySecret: 'sms-secret-0123456789', signNames: ['两法衔接平台'],
    templates: { SMS_LFXJ_NEW_TASK: '案件办理提醒：${org}有新的待办（${caseNo} ${task}）', SMS_LFXJ_DIGEST: '案件办理提醒：您有${count}件案件待办' },
  });
  cfg = loadConfig({ ...process.env, DB_TYPE: 'mysql', DB_NAME: database, REMINDER_QUIET_FROM: '0', REMINDER_QUIET_TO: '0', REMINDER_BACKOFF_SECONDS: '1' });
  await admin.initialize();
  await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  for (let i = 0; i < 2; i++) {
    const ds = new DataSource(dataSourceOptions(cfg));
    await ds.initialize();
    sources.push(ds);
  }
  await sources[0].runMigrations({ transaction: 'each' });
  const now = new Date();
  const rows = Array.from({ length: N }, (_, i) => ({
    dedupeKey: `load:${i}`, kind: 'new_task' as const, channel: 'sms' as const, taskId: null, caseId: null, orgId: null, userId: null,
    phone: `139${String(i).padStart(8, '0')}`, templateCode: 'SMS_LFXJ_NEW_TASK',
    params: JSON.stringify({ org: '福田分局', caseNo: `LF2026${String(i).padStart(7, '0')}`, task: '签收移送案件' }),
    text: `案件办理提醒 ${i}`, status: 'pending' as const, attempts: 0, nextAttemptAt: now,
  }));
  for (let i = 0; i < N; i += 200) await sources[0].createQueryBuilder().insert().into(Reminder).values(rows.slice(i, i + 200)).execute();
});

afterAll(async () => {
  for (const ds of sources) await ds.destroy();
  await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await admin.destroy();
  await sms.close();
});

test('1,000 reminders, two instances at once, a provider outage in the middle: each sent exactly once', async () => {
  const driver = () => new AliyunSmsDriver({ ...cfg.sms.aliyun, accessKeyId: 'LTAIsmstest', accessKeySecret: 'sms-secret-0123456789', signName: '两法衔接平台', endpoint: sms.endpoint, protocol: 'http' });
  const senders = sources.map((ds, i) => new OutboxSender(Db.over(ds), driver(), cfg, `instance-${i}`));
  // The provider fails 40 requests (system errors, then HTTP 500) and then recovers.
  sms.failNext(20, { code: 'isp.SYSTEM_ERROR' });
  sms.failNext(20, { code: 'isp.SYSTEM_ERROR', status: 500 });
  let clock = Date.now();
  const deadline = Date.now() + 120_000;
  for (let round = 0; round < 200 && Date.now() < deadline; round++) {
    const now = new Date(clock);
    await Promise.all(senders.map((s) => s.drain(now, 50)));
    const [{ n }] = await sources[0].query("SELECT COUNT(*) AS n FROM reminder WHERE status IN ('pending', 'sending')");
    if (Number(n) === 0) break;
    clock += 60_000; // past any backoff
  }
  const statuses = await sources[0].query('SELECT status, COUNT(*) AS n FROM reminder GROUP BY status');
  expect(statuses.map((s: { status: string; n: string }) => [s.status, Number(s.n)])).toEqual([['sent', N]]);
  expect(sms.messages).toHaveLength(N);
  expect(new Set(sms.messages.map((m) => m.phone)).size).toBe(N);
  expect(sms.requests.filter((r) => r.code !== 'OK').length).toBeGreaterThanOrEqual(40);
  // Both instances did part of the work.
  const holders = await sources[0].query("SELECT detail, COUNT(*) AS n FROM reminder_log WHERE event = 'claimed' GROUP BY detail");
  expect(holders.length).toBe(2);
  const retried = await sources[0].query("SELECT COUNT(DISTINCT reminder_id) AS n FROM reminder_log WHERE event = 'retry'");
  expect(Number(retried[0].n)).toBeGreaterThan(0);
});
