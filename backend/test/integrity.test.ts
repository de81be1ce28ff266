import type { TokenPair } from '@lfxj/contracts';
import * as mysql from 'mysql2/promise';
import { startApp, bearer, TEST_DB, type TestApp } from './support';
import { caseClient, TRANSFER_DOCS } from './cases.support';
import { AuditService } from '../src/modules/audit/audit.service';
import { shanghaiDate } from '../src/common/clock';

/** What a case file keeps true over time: names as they were, one filing per transfer, unique numbers, a whole audit chain. */
let t: TestApp;
let c: ReturnType<typeof caseClient>;
let agency: TokenPair;
let head: TokenPair;
let police: TokenPair;
let policeHead: TokenPair;
let procurator: TokenPair;
let sysadmin: TokenPair;

beforeAll(async () => {
  t = await startApp();
  c = caseClient(t);
  await t.user('i.agency', 'SZ-FT-SCJG', ['agency_officer']);
  await t.user('i.head', 'SZ-FT-SCJG', ['agency_head']);
  await t.user('i.police', 'SZ-FT-GA', ['police_officer']);
  await t.user('i.police.head', 'SZ-FT-GA', ['police_head']);
  await t.user('i.jcy', 'SZ-FT-JCY', ['procurator']);
  await t.user('i.sys', 'SZ-PT', ['system_admin']);
  [agency, head, police, policeHead, procurator, sysadmin] = await Promise.all(
    ['i.agency', 'i.head', 'i.police', 'i.police.head', 'i.jcy', 'i.sys'].map((u) => t.login(u)));
});
afterAll(() => t.stop());

test('a rename effective today leaves earlier entries of today under the old name, like their 通报', async () => {
  const created = await c.create(agency, 'NAMES-1');
  await c.step(agency, created.id, 'submit_report', ['transfer_report']);
  const org = await t.org('SZ-FT-SCJG');
  const before = (await c.get(agency, created.id)).body.timeline.map((e: { actorOrg: string }) => e.actorOrg);
  expect(before).toEqual(['深圳市市场监督管理局福田监管局', '深圳市市场监督管理局福田监管局']);
  const renamed = await t.http().post(`/api/v1/organisations/${org.id}/names`).set(bearer(sysadmin))
    .send({ name: '深圳市市场监督管理局福田监管局（新）', validFrom: shanghaiDate(t.clock.now()) });
  expect(renamed.status).toBe(200);
  await c.step(head, created.id, 'approve_transfer');
  const timeline = (await c.get(agency, created.id)).body.timeline;
  expect(timeline.map((e: { actorOrg: string }) => e.actorOrg)).toEqual([
    '深圳市市场监督管理局福田监管局', '深圳市市场监督管理局福田监管局', '深圳市市场监督管理局福田监管局（新）',
  ]);
  expect(timeline[0].actorName).toBe('测试i.agency');
  // The procuratorate's 通报 of the first step carries the name the timeline shows for it.
  const notice = (await c.notifications(procurator)).items.find((n: { eventId: number }) => n.eventId === timeline[1].id);
  expect(notice.body.startsWith('深圳市市场监督管理局福田监管局：')).toBe(true);
});

test('a case transferred, dismissed, suggested and transferred again is filed twice', async () => {
  const created = await c.create(agency, 'TWICE-1');
  await c.step(agency, created.id, 'submit_report', ['transfer_report']);
  await c.step(head, created.id, 'approve_transfer');
  const first = await c.step(agency, created.id, 'transfer', TRANSFER_DOCS);
  expect(first.filings).toHaveLength(1);
  await c.step(police, created.id, 'sign_receipt', ['receipt']);
  await c.step(policeHead, created.id, 'decide_file', ['notice']);
  await c.step(agency, created.id, 'hand_over', ['handover_list']);
  await c.step(policeHead, created.id, 'report_dismissal', ['notice'], { reason: '撤销案件' });
  await c.step(procurator, created.id, 'suggest_transfer', ['opinion'], { reason: '仍涉嫌犯罪，建议移送' });
  await c.step(agency, created.id, 'accept_suggestion', ['transfer_report']);
  await c.step(head, created.id, 'approve_transfer');
  const second = await c.step(agency, created.id, 'transfer', TRANSFER_DOCS);
  expect(second.state).toBe('transferred');
  expect(second.filings).toHaveLength(2);
  expect(second.filing.id).toBe(second.filings[1].id);
  const transfers = second.timeline.filter((e: { transition: string }) => e.transition === 'transfer').map((e: { id: number }) => e.id);
  expect(second.filings.map((f: { eventId: number }) => f.eventId)).toEqual(transfers);
  // The procuratorate signs each filing once.
  for (const f of second.filings) expect((await t.http().post(`/api/v1/filings/${f.id}/sign`).set(bearer(procurator)).send({})).status).toBe(200);
  // Only the open task of the police body now holding the case is left.
  const open = (await c.get(police, created.id)).body.tasks.filter((x: { status: string }) => x.status === 'open');
  expect(open).toHaveLength(1);
  expect(open[0].state).toBe('transferred');
});

test('the same agency case number sent at once by many requests is registered once; the rest get 409 naming the field', async () => {
  const results = await Promise.all(Array.from({ length: 8 }, () => t.http().post('/api/v1/cases').set(bearer(agency)).send({
    agencyCaseNo: 'SAME-NO-1', title: '同号并发登记', parties: [],
  })));
  const statuses = results.map((r) => r.status).sort();
  expect(statuses.filter((s) => s === 200)).toHaveLength(1);
  expect(statuses.filter((s) => s === 409)).toHaveLength(7);
  for (const r of results.filter((x) => x.status === 409)) {
    expect(r.body.message).toContain('执法机关案件编号');
    expect(r.body.details.fields[0].field).toBe('agencyCaseNo');
  }
  const [{ n }] = await t.sql("SELECT COUNT(*) AS n FROM case_record WHERE agency_case_no = 'SAME-NO-1'");
  expect(Number(n)).toBe(1);
});

(TEST_DB === 'mysql' ? test : test.skip)('an audit row that commits after a higher id was sealed is sealed later, and the chain verifies', async () => {
  const audit = await t.app.getApplicationContext().getAsync(AuditService);
  await audit.seal();
  // Another connection (another instance) holds a transaction with an audit row (a lower id) open.
  const other = await mysql.createConnection({
    host: process.env.DB_HOST ?? '127.0.0.1', port: Number(process.env.DB_PORT ?? 3306), user: process.env.DB_USER ?? 'root',
    password: process.env.DB_PASSWORD ?? '', database: process.env.DB_NAME,
  });
  try {
    await other.beginTransaction();
    await other.query("INSERT INTO audit_log (at, action, outcome, details) VALUES (UTC_TIMESTAMP(3), 'test.slow', 'success', '{}')");
    // Meanwhile a request commits its row (a higher id), and the sealer runs.
    await t.http().post('/api/v1/auth/login').send({ username: 'nobody', password: 'Wrong#Pass123' });
    expect(await audit.seal()).toBeGreaterThan(0);
    await other.commit();
  } finally {
    await other.end();
  }
  await audit.seal();
  expect(await audit.verify()).toMatchObject({ ok: true, unsealed: 0 });
});

test('a document of another organisation’s case answers like a missing one: no case number', async () => {
  await t.user('i.stranger', 'SZ-NS-SCJG', ['agency_officer']);
  const stranger = await t.login('i.stranger');
  const created = await c.create(agency, 'DOC-STRANGER-1');
  await c.step(agency, created.id, 'submit_report', ['transfer_report']);
  const doc = (await c.get(agency, created.id)).body.timeline[1].documents[0];
  const refused = await t.http().get(`/api/v1/documents/${doc.id}/content`).set(bearer(stranger));
  const missing = await t.http().get('/api/v1/documents/99999999/content').set(bearer(stranger));
  expect(refused.status).toBe(404);
  expect(refused.body.message).toBe(`文书不存在（编号 ${doc.id}）`);
  expect(refused.body.message).not.toContain('案件');
  expect(missing.body.message).toBe('文书不存在（编号 99999999）');
});

test('verifying the audit chain holds no write transaction: writes go on while it runs', async () => {
  // A long chain (sealed), so that verification takes a while.
  const rows = Array.from({ length: 1000 }, (_, i) => `(CURRENT_TIMESTAMP, 'test.bulk', 'success', '{"i":${i}}')`).join(', ');
  for (let i = 0; i < 10; i++) await t.sql(`INSERT INTO audit_log (at, action, outcome, details) VALUES ${rows}`);
  const audit = await t.app.getApplicationContext().getAsync(AuditService);
  await audit.seal(20_000);
  await t.user('i.auditor', 'SZ-PT', ['audit_admin']);
  const auditor = await t.login('i.auditor');
  // The moment verification starts on the server, another write asks for a transaction.
  const finished: string[] = [];
  let probe: Promise<void> | null = null;
  const original = audit.verify.bind(audit);
  const spy = jest.spyOn(audit, 'verify').mockImplementation(() => {
    const verification = original().then((r) => {
      finished.push('verification');
      return r;
    });
    probe = t.db.transaction(async () => undefined).then(() => { finished.push('other write'); });
    return verification;
  });
  try {
    const result = await t.http().post('/api/v1/audit/verify').set(bearer(auditor)).send({});
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ ok: true });
    expect(result.body.checked).toBeGreaterThan(10_000);
    // Held inside a write transaction, the walk would make the other write wait until it ended
    // (SQLite queues write transactions, so there this fails; MySQL would pin a pooled connection).
    await probe;
    expect(finished).toEqual(['other write', 'verification']);
  } finally {
    spy.mockRestore();
  }
});
