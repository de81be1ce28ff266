import { startApp, bearer, PASSWORD, type TestApp } from './support';
import type { TokenPair } from '@lfxj/contracts';

let t: TestApp;
let officer: TokenPair;
let orgAdmin: TokenPair;
let secAdmin: TokenPair;
let sysAdmin: TokenPair;
let colleagueId: number;
let foreignId: number;

beforeAll(async () => {
  t = await startApp();
  await t.user('officer', 'SZ-FT-SCJG', ['agency_officer'], { phone: '13800001111' });
  colleagueId = (await t.user('colleague', 'SZ-FT-SCJG', ['agency_officer'], { phone: '13800002222' })).id;
  foreignId = (await t.user('foreigner', 'SZ-NS-GA', ['police_officer'], { phone: '13800003333' })).id;
  await t.user('ftadmin', 'SZ-FT-SCJG', ['org_admin']);
  await t.user('secadmin', 'SZ-PT', ['security_admin']);
  await t.user('sysadmin', 'SZ-PT', ['system_admin']);
  [officer, orgAdmin, secAdmin, sysAdmin] = await Promise.all(['officer', 'ftadmin', 'secadmin', 'sysadmin'].map((u) => t.login(u)));
});
afterAll(() => t.stop());

describe('ordinary users', () => {
  test('cannot list users', async () => {
    const res = await t.http().get('/api/v1/users').set(bearer(officer));
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN');
  });

  test("cannot read another person's account or phone, only their own (masked)", async () => {
    const other = await t.http().get(`/api/v1/users/${colleagueId}`).set(bearer(officer));
    expect(other.status).toBe(403);
    expect(JSON.stringify(other.body)).not.toContain('13800002222');
    const self = await t.http().get(`/api/v1/users/${officer.user.id}`).set(bearer(officer));
    expect(self.status).toBe(200);
    expect(self.body.phone).toBe('138****1111');
  });

  test('cannot reach admin endpoints', async () => {
    const calls = [
      t.http().post('/api/v1/users').set(bearer(officer)).send({ username: 'x1234', displayName: '某', orgId: 1, phone: '13900000000', roles: ['agency_officer'] }),
      t.http().post(`/api/v1/users/${colleagueId}/reset-password`).set(bearer(officer)).send({}),
      t.http().put(`/api/v1/users/${colleagueId}/roles`).set(bearer(officer)).send({ roles: ['system_admin'] }),
      t.http().get('/api/v1/audit').set(bearer(officer)),
      t.http().put('/api/v1/routing/1').set(bearer(officer)).send({ policeOrgId: 1, procuratorateOrgId: 1 }),
      t.http().post('/api/v1/regulations').set(bearer(officer)).send({ title: 'x', category: '法律', issuerIds: [1] }),
    ];
    for (const res of await Promise.all(calls)) {
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
    }
  });
});

describe('organisation admins', () => {
  test('see and manage only their own organisation, with full phone numbers there', async () => {
    const list = await t.http().get('/api/v1/users').set(bearer(orgAdmin));
    expect(list.status).toBe(200);
    const orgIds = new Set(list.body.items.map((u: { orgId: number }) => u.orgId));
    expect([...orgIds]).toEqual([orgAdmin.user.orgId]);
    expect(list.body.items.find((u: { id: number }) => u.id === colleagueId).phone).toBe('13800002222');
    expect((await t.http().get(`/api/v1/users/${foreignId}`).set(bearer(orgAdmin))).status).toBe(403);
    expect((await t.http().post(`/api/v1/users/${foreignId}/reset-password`).set(bearer(orgAdmin)).send({})).status).toBe(403);
    const create = await t.http().post('/api/v1/users').set(bearer(orgAdmin))
      .send({ username: 'intruder', displayName: '他人', orgId: (await t.org('SZ-NS-GA')).id, phone: '13900000001', roles: ['police_officer'] });
    expect(create.status).toBe(403);
  });

  test('cannot grant platform admin roles; 三员分立 holds even for the security admin', async () => {
    const grant = await t.http().put(`/api/v1/users/${colleagueId}/roles`).set(bearer(orgAdmin)).send({ roles: ['agency_officer', 'system_admin'] });
    expect(grant.status).toBe(403);
    expect(grant.body.message).toContain('系统管理员');
    const both = await t.http().put(`/api/v1/users/${colleagueId}/roles`).set(bearer(secAdmin)).send({ roles: ['system_admin', 'audit_admin'] });
    expect(both.status).toBe(422);
    expect(both.body.message).toContain('三员分立');
  });

  test('create an account: the temporary password goes by SMS to the person, never to the admin', async () => {
    const res = await t.http().post('/api/v1/users').set(bearer(orgAdmin))
      .send({ username: 'newbie', displayName: '新同事', orgId: orgAdmin.user.orgId, phone: '13912345678', roles: ['agency_officer'] });
    expect(res.status).toBe(200);
    expect(res.body.mustChangePassword).toBe(true);
    const sms = t.sms.recent.find((m) => m.phone === '13912345678');
    expect(sms).toBeDefined();
    const temporary = /临时密码 (\S+)，/.exec(sms!.text)![1];
    expect(JSON.stringify(res.body)).not.toContain(temporary);
    const login = await t.http().post('/api/v1/auth/login').send({ username: 'newbie', password: temporary });
    expect(login.body.mustChangePassword).toBe(true);
    expect((await t.http().get('/api/v1/regions').set(bearer(login.body))).body.code).toBe('PASSWORD_CHANGE_REQUIRED');
  });

  test('reset: old sessions end, a new temporary password is sent, the answer shows only a masked number', async () => {
    const before = await t.login('colleague');
    const res = await t.http().post(`/api/v1/users/${colleagueId}/reset-password`).set(bearer(orgAdmin)).send({});
    expect(res.status).toBe(200);
    expect(res.body.sentTo).toBe('138****2222');
    expect((await t.http().get('/api/v1/regions').set(bearer(before))).status).toBe(401);
    expect((await t.http().post('/api/v1/auth/login').send({ username: 'colleague', password: PASSWORD })).status).toBe(401);
    const temporary = /临时密码 (\S+)，/.exec(t.sms.recent.filter((m) => m.phone === '13800002222').pop()!.text)![1];
    const fresh = await t.http().post('/api/v1/auth/login').send({ username: 'colleague', password: temporary });
    expect(fresh.body.mustChangePassword).toBe(true);
    await t.http().post('/api/v1/auth/password').set(bearer(fresh.body)).send({ oldPassword: temporary, newPassword: 'Reset#Done2026' });
  });
});

describe('people who leave', () => {
  test('a retiring duty contact must hand over; afterwards they cannot log in', async () => {
    const leaver = await t.user('leaver', 'SZ-FT-SCJG', ['agency_officer']);
    const successor = await t.user('successor', 'SZ-FT-SCJG', ['agency_officer']);
    const session = await t.login('leaver');
    const orgId = orgAdmin.user.orgId;
    expect((await t.http().put(`/api/v1/organisations/${orgId}/duty-contacts`).set(bearer(orgAdmin)).send({ userIds: [leaver.id] })).status).toBe(200);

    const noHandover = await t.http().post(`/api/v1/users/${leaver.id}/status`).set(bearer(orgAdmin)).send({ status: 'retired', reason: '退休' });
    expect(noHandover.status).toBe(422);
    expect(noHandover.body.message).toContain('handoverToUserId');

    const res = await t.http().post(`/api/v1/users/${leaver.id}/status`).set(bearer(orgAdmin))
      .send({ status: 'retired', reason: '退休', handoverToUserId: successor.id });
    expect(res.status).toBe(200);
    expect(res.body.handedOver).toEqual({ dutyContacts: 1, tasks: 0 });
    expect(res.body.user.status).toBe('retired');
    expect((await t.http().get('/api/v1/regions').set(bearer(session))).status).toBe(401);
    const login = await t.http().post('/api/v1/auth/login').send({ username: 'leaver', password: PASSWORD });
    expect(login.status).toBe(403);
    expect(login.body.code).toBe('ACCOUNT_INACTIVE');
    const contacts = await t.sql('SELECT user_id FROM org_contact WHERE org_id = ?', [orgId]);
    expect(contacts.map((c: { user_id: number }) => Number(c.user_id))).toEqual([successor.id]);
  });

  test('platform system admins manage every organisation', async () => {
    const res = await t.http().get(`/api/v1/users?orgId=${(await t.org('SZ-NS-GA')).id}`).set(bearer(sysAdmin));
    expect(res.status).toBe(200);
    expect(res.body.items.map((u: { id: number }) => u.id)).toContain(foreignId);
    expect(res.body.items[0].phone).toBe('13800003333');
  });
});
