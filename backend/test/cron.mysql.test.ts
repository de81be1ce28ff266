import type { TokenPair, VerifyResult } from '@lfxj/contracts';
import { startFakeSms, type FakeSms } from './support-sms-server';
import { startCluster, call, loginTo, uploadTo, eventually, type Cluster } from './support-cluster';
import type { ChildApp } from './support-process';

/**
 * The cron work for real: two backend instances (child processes, cron on, ticks of a second)
 * on one MariaDB database while a client acts on cases over HTTP, against either instance. The
 * deadline scan, the SMS sender and the audit sealer run beside the requests: each reminder is
 * written once, each SMS sent once, the audit chain is sealed and verifies. The lease holder is
 * killed (SIGKILL): the other takes over within the expiry; an instance restarted under the same
 * name resumes at once; a clean stop gives the leases up at once.
 */
const KEY = { id: 'LTAIcron', secret: 'cron-sms-secret-0123456789' };
const TTL = 3;
let sms: FakeSms;
let cluster: Cluster;

const env = (instance: string, extra: Record<string, string> = {}) => ({
  INSTANCE_ID: instance, SMS_DRIVER: 'aliyun', SMS_ACCESS_KEY_ID: KEY.id, SMS_ACCESS_KEY_SECRET: KEY.secret, SMS_ENDPOINT: sms.endpoint, SMS_PROTOCOL: 'http',
  REMINDERS_ENABLED: 'true', REMINDER_SCAN_SECONDS: '1', REMINDER_SEND_SECONDS: '1', AUDIT_SEAL_SECONDS: '1', SMS_CLAIM_SECONDS: '3',
  LEASE_TTL_SECONDS: String(TTL), LEASE_HEARTBEAT_SECONDS: '1', REMINDER_QUIET_FROM: '0', REMINDER_QUIET_TO: '0', REMINDER_DAILY_CAP: '1000',
  ...extra,
});

beforeAll(async () => {
  sms = await startFakeSms({
    accessKeyId: KEY.id, accessKeySecret: KEY.secret, signNames: ['两法衔接平台'],
    templates: {
      SMS_LFXJ_NEW_TASK: '案件办理提醒：${org}有新的待办（${caseNo} ${task}），请于${due}前办理。',
      SMS_LFXJ_DIGEST: '案件办理提醒：您有${count}件案件待办或即将到期，请登录两法衔接平台查看。',
    },
  });
  cluster = await startCluster({ db: 'mysql' });
});
afterAll(async () => {
  await cluster.destroy();
  await sms.close();
});

const leases = async () => new Map((await cluster.sql<{ name: string; holder: string; expires_at: Date }>('SELECT name, holder, expires_at FROM lease'))
  .map((l) => [l.name, { holder: l.holder, expiresAt: new Date(l.expires_at) }]));
const holderOf = async (name: string) => (await leases()).get(name)?.holder;

/** One case from record to the police's receipt, every step on the instance `on(i)` picks (as a load balancer would). */
async function transferCase(no: string, on: (step: number) => ChildApp) {
  let step = 0;
  const next = () => on(step++);
  const tokens = new Map<string, TokenPair>();
  const as = async (u: string, app: ChildApp) => tokens.get(u) ?? tokens.set(u, await loginTo(app, u)).get(u)!;
  const act = async (u: string, id: number, transition: string, docs: string[] = []) => {
    const app = next();
    const who = await as(u, app);
    const documentIds: number[] = [];
    for (const d of docs) documentIds.push(await uploadTo(app, who, id, d));
    const current = await call<{ version: number }>(app, 'GET', `/cases/${id}`, undefined, who);
    const res = await call(app, 'POST', `/cases/${id}/actions`, { transition, version: current.body.version, documentIds }, who);
    if (res.status !== 200) throw new Error(`${transition}: ${res.status} ${JSON.stringify(res.body)}`);
  };
  const app = next();
  const created = await call<{ id: number }>(app, 'POST', '/cases', {
    agencyCaseNo: no, title: `${no} 销售假冒注册商标的商品案`, suspectedOffence: '销售假冒注册商标的商品罪', amountInvolved: '168000.00',
    facts: '经查，当事人销售假冒注册商标的商品，货值金额较大。', parties: [{ kind: 'company', name: '某某贸易有限公司' }],
  }, await as('ag', app));
  if (created.status !== 200) throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
  const id = created.body.id;
  await act('ag', id, 'submit_report', ['transfer_report']);
  await act('ag.head', id, 'approve_transfer');
  await act('ag', id, 'transfer', ['transfer_letter', 'investigation_report', 'evidence_list', 'expert_report', 'other']);
  await act('po', id, 'sign_receipt', ['receipt']);
  return id;
}

/** Everything the cron work owes is done: every open task scanned, no SMS waiting, every audit row sealed. */
async function settled() {
  const [{ tasks }] = await cluster.sql("SELECT COUNT(*) AS tasks FROM case_task WHERE status = 'open' AND next_remind_at <= ?", [new Date()]);
  const [{ waiting }] = await cluster.sql("SELECT COUNT(*) AS waiting FROM reminder WHERE channel = 'sms' AND status IN ('pending', 'sending')");
  const [{ unsealed }] = await cluster.sql('SELECT COUNT(*) AS unsealed FROM audit_log WHERE hash IS NULL');
  return Number(tasks) + Number(waiting) + Number(unsealed) === 0;
}

/** Written once and sent once, whoever did it. */
async function onceEach() {
  const [{ inapp }] = await cluster.sql("SELECT COUNT(*) AS inapp FROM reminder WHERE channel = 'inapp'");
  const [{ notices }] = await cluster.sql("SELECT COUNT(*) AS notices FROM notification WHERE body LIKE '案件办理提醒%'");
  expect(Number(inapp)).toBeGreaterThan(0);
  expect(Number(notices)).toBe(Number(inapp));
  const [{ sent }] = await cluster.sql("SELECT COUNT(*) AS sent FROM reminder WHERE channel = 'sms' AND status = 'sent'");
  const [{ deliveries }] = await cluster.sql('SELECT COUNT(*) AS deliveries FROM sms_delivery');
  expect(sms.messages.length).toBeGreaterThan(0);
  expect(Number(sent)).toBe(sms.messages.length);
  expect(Number(deliveries)).toBe(sms.messages.length);
  const perOutIdAndPhone = new Map<string, number>();
  for (const m of sms.messages) perOutIdAndPhone.set(`${m.outId}:${m.phone}`, (perOutIdAndPhone.get(`${m.outId}:${m.phone}`) ?? 0) + 1);
  expect([...perOutIdAndPhone.values()].every((n) => n === 1)).toBe(true);
}

test('two instances, cron on, requests in flight; a killed lease holder is replaced within the expiry; a restart resumes; a stop releases', async () => {
  const a = await cluster.start(env('node-a'));
  // node-b keeps its leases longer, so that its restart below happens well within their expiry:
  // taking them back at once shows it does not wait for them as a stranger would.
  const [b] = await Promise.all([
    cluster.start(env('node-b', { LEASE_TTL_SECONDS: '20' })),
    cluster.user('ag', 'SZ-FT-SCJG', ['agency_officer'], '13900004001'),
    cluster.user('ag.head', 'SZ-FT-SCJG', ['agency_head'], '13900004002'),
    cluster.user('po', 'SZ-FT-GA', ['police_officer'], '13900004003'),
    cluster.user('po.head', 'SZ-FT-GA', ['police_head'], '13900004004'),
    cluster.user('auditor', 'SZ-PT', ['audit_admin'], '13900004005'),
  ]);
  const both = (i: number) => (i % 2 ? b : a);
  await Promise.all([transferCase('CRON-1', both), transferCase('CRON-2', (i) => both(i + 1)), transferCase('CRON-3', both)]);
  const auditor = await loginTo(b, 'auditor'); // (the login is audited too)
  await eventually('the scan, the sender and the sealer to catch up', settled, 20_000);
  await onceEach();
  expect(await holderOf('reminder-scan')).toBe('node-a');
  expect(await holderOf('audit-seal')).toBe('node-a');
  const verified = await call<VerifyResult>(b, 'POST', '/audit/verify', {}, auditor);
  expect(verified.status).toBe(200);
  expect(verified.body).toMatchObject({ ok: true, unsealed: 0, firstBrokenId: null });
  expect(verified.body.checked).toBeGreaterThan(20);

  // The holder crashes while a client goes on working on the other instance.
  await a.kill();
  const killedAt = Date.now();
  const working = transferCase('CRON-4', () => b);
  await eventually('node-b to take the scan over', async () => (await holderOf('reminder-scan')) === 'node-b', 10_000, 100);
  expect(Date.now() - killedAt).toBeLessThan((TTL + 2) * 1000); // the expiry, plus at most a tick
  await eventually('node-b to take the sealer over', async () => (await holderOf('audit-seal')) === 'node-b', 5_000, 100);
  await working;
  // node-a comes back, now a stranger to the leases node-b holds, while the client goes on.
  const [a2] = await Promise.all([cluster.start(env('node-a')), transferCase('CRON-5', () => b)]);
  await eventually('catching up after the take-over', settled, 20_000);
  await onceEach();

  // node-b crashes and comes straight back under its name: it takes its leases back at once,
  // long before they expire, and node-a (waiting) never gets them.
  const held = (await leases()).get('reminder-scan')!;
  await b.kill();
  const b2 = await cluster.start(env('node-b', { LEASE_TTL_SECONDS: '20' }));
  const resumed = await eventually('node-b to renew its lease', async () => {
    const now = (await leases()).get('reminder-scan');
    return now && now.holder === 'node-b' && now.expiresAt > held.expiresAt ? now : undefined;
  }, 5_000, 100);
  expect(Date.now()).toBeLessThan(held.expiresAt.getTime());
  expect(resumed.holder).toBe('node-b');
  await transferCase('CRON-6', (i) => (i % 2 ? a2 : b2));
  await eventually('the restarted instance to do the work', settled, 20_000);
  await onceEach();
  expect(await holderOf('audit-seal')).toBe('node-b');

  // A clean stop gives the leases up: node-a takes over at its next tick, not after 20 s.
  await b2.stop();
  const stoppedAt = Date.now();
  await eventually('node-a to take over after the stop', async () => (await holderOf('reminder-scan')) === 'node-a', 5_000, 100);
  expect(Date.now() - stoppedAt).toBeLessThan(3_000);
  const verifiedAgain = await call<VerifyResult>(a2, 'POST', '/audit/verify', {}, await loginTo(a2, 'auditor'));
  expect(verifiedAgain.body).toMatchObject({ ok: true, firstBrokenId: null });
  await a2.stop();
}, 90_000);
