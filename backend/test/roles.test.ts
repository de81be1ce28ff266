import { ROLE_KEYS, ROLE_ORG_KINDS, ORG_KINDS, type Role, type TokenPair } from '@lfxj/contracts';
import { startApp, bearer, type TestApp } from './support';

/**
 * Roles fit the kind of organisation whose work they do: an agency's organisation admin
 * cannot make a police head, and the platform admin roles live only in the platform's own
 * organisation. Checked on create, on a role change and on a move to another organisation.
 */
let t: TestApp;
let agencyAdmin: TokenPair;
let secAdmin: TokenPair;
let sysAdmin: TokenPair;
const ids: Record<string, number> = {};
let phone = 13700000000;
const nextPhone = () => String(++phone);

beforeAll(async () => {
  t = await startApp();
  await t.user('ftadmin', 'SZ-FT-SCJG', ['org_admin']);
  await t.user('secadmin', 'SZ-PT', ['security_admin']);
  await t.user('sysadmin', 'SZ-PT', ['system_admin']);
  [agencyAdmin, secAdmin, sysAdmin] = await Promise.all(['ftadmin', 'secadmin', 'sysadmin'].map((u) => t.login(u)));
  for (const code of ['SZ-FT-SCJG', 'SZ-FT-GA', 'SZ-FT-JCY', 'SZ-PT']) ids[code] = (await t.org(code)).id;
});
afterAll(() => t.stop());

const userCount = async () => Number((await t.sql('SELECT COUNT(*) AS n FROM app_user'))[0].n);
const create = (admin: TokenPair, username: string, orgCode: string, roles: Role[]) =>
  t.http().post('/api/v1/users').set(bearer(admin)).send({ username, displayName: '测试', orgId: ids[orgCode], phone: nextPhone(), roles });

test('the table in contracts names at least one kind for every role, and only known kinds', () => {
  for (const role of ROLE_KEYS) {
    expect(ROLE_ORG_KINDS[role].length).toBeGreaterThan(0);
    for (const kind of ROLE_ORG_KINDS[role]) expect(ORG_KINDS).toContain(kind);
  }
  for (const role of ['system_admin', 'security_admin', 'audit_admin'] as const) expect(ROLE_ORG_KINDS[role]).toEqual(['平台']);
});

test("an agency's organisation admin cannot create a police head in the agency (issue 7, item 16)", async () => {
  const before = await userCount();
  const res = await create(agencyAdmin, 'fakehead', 'SZ-FT-SCJG', ['police_head']);
  expect(res.status).toBe(422);
  expect(res.body.code).toBe('RULE_VIOLATION');
  expect(res.body.details.fields[0].field).toBe('roles');
  expect(res.body.message).toBe('角色（roles）“公安机关负责人”只能授予公安机关的人员，深圳市市场监督管理局福田监管局是行政执法机关');
  expect(await userCount()).toBe(before);
  // The roles that fit are fine.
  expect((await create(agencyAdmin, 'realofficer', 'SZ-FT-SCJG', ['agency_officer'])).status).toBe(200);
});

test('a platform admin role only in the platform organisation, even from the security admin', async () => {
  const before = await userCount();
  for (const [org, roles] of [['SZ-FT-JCY', ['audit_admin']], ['SZ-FT-GA', ['security_admin']], ['SZ-FT-SCJG', ['system_admin']]] as const) {
    const res = await create(secAdmin, `pa${org.replace(/-/g, '').toLowerCase()}`, org, [...roles]);
    expect(res.status).toBe(422);
    expect(res.body.message).toContain('只能授予平台的人员');
  }
  expect(await userCount()).toBe(before);
  expect((await create(secAdmin, 'auditor2', 'SZ-PT', ['audit_admin'])).status).toBe(200);
});

test('every role is refused in every organisation kind the table does not list for it', async () => {
  const orgByKind = new Map<string, number>();
  for (const row of await t.sql<{ id: number; kind: string }>("SELECT id, kind FROM organisation WHERE status = 'active' ORDER BY id")) {
    if (!orgByKind.has(row.kind)) orgByKind.set(row.kind, Number(row.id));
  }
  expect([...orgByKind.keys()].sort()).toEqual([...ORG_KINDS].sort());
  let n = 0;
  for (const role of ROLE_KEYS) {
    for (const [kind, orgId] of orgByKind) {
      const res = await t.http().post('/api/v1/users').set(bearer(secAdmin))
        .send({ username: `k${++n}x`, displayName: '测试', orgId, phone: nextPhone(), roles: [role] });
      const fits = ROLE_ORG_KINDS[role].includes(kind as never);
      if (fits !== (res.status === 200)) throw new Error(`${role} in ${kind}: ${res.status} ${JSON.stringify(res.body)}`);
      if (!fits) expect(res.body.code).toBe('RULE_VIOLATION');
    }
  }
});

test('a role change is checked against the organisation', async () => {
  const officer = (await create(agencyAdmin, 'officer2', 'SZ-FT-SCJG', ['agency_officer'])).body;
  const res = await t.http().put(`/api/v1/users/${officer.id}/roles`).set(bearer(agencyAdmin)).send({ roles: ['agency_officer', 'police_head'] });
  expect(res.status).toBe(422);
  expect(res.body.details.fields[0].field).toBe('roles');
  const roles = await t.sql('SELECT role FROM user_role WHERE user_id = ?', [officer.id]);
  expect(roles.map((r: { role: string }) => r.role)).toEqual(['agency_officer']);
  expect((await t.http().put(`/api/v1/users/${officer.id}/roles`).set(bearer(agencyAdmin)).send({ roles: ['agency_officer', 'agency_head'] })).status).toBe(200);
});

test('a move to an organisation of another kind is refused while the roles do not fit it', async () => {
  const officer = (await create(sysAdmin, 'mover', 'SZ-FT-SCJG', ['agency_officer'])).body;
  const move = await t.http().patch(`/api/v1/users/${officer.id}`).set(bearer(sysAdmin)).send({ orgId: ids['SZ-FT-GA'] });
  expect(move.status).toBe(422);
  expect(move.body.details.fields[0].field).toBe('orgId');
  expect(move.body.message).toContain('执法机关承办人');
  expect(Number((await t.sql('SELECT org_id FROM app_user WHERE id = ?', [officer.id]))[0].org_id)).toBe(ids['SZ-FT-SCJG']);
  // Another agency of the same kind is fine.
  const other = (await t.org('SZ-LH-SCJG')).id;
  expect((await t.http().patch(`/api/v1/users/${officer.id}`).set(bearer(sysAdmin)).send({ orgId: other })).status).toBe(200);
});
