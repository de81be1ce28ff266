import { startApp, bearer, type TestApp } from './support';
import { AuditService } from '../src/modules/audit/audit.service';
import { auditVerify } from '../src/cli/audit-verify';

let t: TestApp;
let audit: AuditService;

beforeAll(async () => {
  t = await startApp();
  audit = await t.app.getApplicationContext().getAsync(AuditService);
  await t.user('auditor', 'SZ-PT', ['audit_admin']);
  await t.user('sysadmin', 'SZ-PT', ['system_admin']);
});
afterAll(() => t.stop());

const rows = (where = '1=1', params: unknown[] = []) =>
  t.sql(`SELECT id, action, outcome, user_id, username, details, hash FROM audit_log WHERE ${where} ORDER BY id`, params);

test('logins, failures and writes are recorded with who, what, outcome and address; secrets never', async () => {
  await t.http().post('/api/v1/auth/login').send({ username: 'sysadmin', password: 'Wrong#Pass123' });
  const admin = await t.login('sysadmin');
  const org = await t.org('SZ-FT-SCJG');
  await t.http().post(`/api/v1/organisations/${org.id}/names`).set(bearer(admin)).send({ name: '审计测试名称', validFrom: '2026-06-01' });
  await t.http().post(`/api/v1/organisations/${org.id}/names`).set(bearer(admin)).send({ name: '审计测试名称二', validFrom: '2000-01-01' });

  const failed = (await rows("action = 'auth.login' AND outcome = 'failure'"))[0];
  expect(failed.username).toBe('sysadmin');
  expect(failed.details).not.toContain('Wrong#Pass123');
  expect(JSON.parse(failed.details).password).toBe('***');
  const ok = (await rows("action = 'auth.login' AND outcome = 'success'"))[0];
  expect(Number(ok.user_id)).toBe(admin.user.id);
  const renames = await rows("action = 'directory.renameOrganisation'");
  expect(renames.map((r: { outcome: string }) => r.outcome)).toEqual(['success', 'failure']);

  const auditor = await t.login('auditor');
  const list = await t.http().get('/api/v1/audit?action=directory.renameOrganisation').set(bearer(auditor));
  expect(list.status).toBe(200);
  expect(list.body.items[0]).toMatchObject({ targetType: 'organisation', targetId: String(org.id), outcome: 'failure' });
  expect((await t.http().get('/api/v1/audit').set(bearer(admin))).status).toBe(403);
});

test('the database refuses to change a sealed row or delete a recent one', async () => {
  await audit.seal();
  const [row] = await rows();
  await expect(t.sql("UPDATE audit_log SET outcome = 'success' WHERE id = ?", [row.id])).rejects.toThrow(/只能追加/);
  await expect(t.sql('DELETE FROM audit_log WHERE id = ?', [row.id])).rejects.toThrow(/180 天/);
  // Whoever has the rights to drop the triggers is still caught by the hash chain (below).
  await t.sql('DROP TRIGGER audit_log_append_only');
  await t.sql('DROP TRIGGER audit_log_retention');
});

test('deleting a row breaks the chain at the next one', async () => {
  await audit.seal();
  const all = await t.sql('SELECT * FROM audit_log ORDER BY id');
  const victim = all[1];
  await t.sql('DELETE FROM audit_log WHERE id = ?', [victim.id]);
  expect(await audit.verify()).toMatchObject({ ok: false, firstBrokenId: Number(all[2].id) });
  // Put it back exactly as it was: the chain is whole again.
  const columns = Object.keys(victim);
  await t.sql(`INSERT INTO audit_log (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, columns.map((c) => victim[c]));
  expect((await audit.verify()).ok).toBe(true);
});

test('editing any row by hand makes audit:verify fail at that row', async () => {
  await audit.seal();
  const all = await rows();
  expect(all.every((r: { hash: string | null }) => r.hash)).toBe(true);
  const lines: string[] = [];
  expect((await auditVerify((l) => lines.push(l))).ok).toBe(true);
  expect(lines[0]).toContain('校验通过');

  const victim = all[Math.floor(all.length / 2)];
  await t.sql("UPDATE audit_log SET outcome = 'success', details = '{}' WHERE id = ?", [victim.id]);
  const result = await auditVerify((l) => lines.push(l));
  expect(result.ok).toBe(false);
  expect(result.firstBrokenId).toBe(Number(victim.id));
  expect(lines[1]).toContain(`编号 ${victim.id}`);

  const auditor = await t.login('auditor');
  const viaApi = await t.http().post('/api/v1/audit/verify').set(bearer(auditor)).send({});
  expect(viaApi.body).toMatchObject({ ok: false, firstBrokenId: Number(victim.id) });
});

