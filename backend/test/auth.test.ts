import { API, type RouteDef } from '@lfxj/contracts';
import { startApp, bearer, PASSWORD, type TestApp } from './support';
import { MINUTE, HOUR } from '../src/common/clock';

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.stop());
afterEach(() => t.clock.reset());

const login = (username: string, password: string) => t.http().post('/api/v1/auth/login').send({ username, password });

describe('login', () => {
  test('succeeds with the right password and returns the session user', async () => {
    await t.user('alice', 'SZ-FT-SCJG', ['agency_officer']);
    const res = await login('alice', PASSWORD);
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ username: 'alice', roles: ['agency_officer'] });
    expect(res.body.user.orgName).toContain('福田');
    expect(res.body.mustChangePassword).toBe(false);
    const me = await t.http().get('/api/v1/auth/me').set(bearer(res.body));
    expect(me.status).toBe(200);
    expect(me.body.phoneMasked).toMatch(/^138\*{4}\d{4}$/);
  });

  test('fails with a wrong password or an unknown account, in the same words', async () => {
    await t.user('bob', 'SZ-FT-SCJG', ['agency_officer']);
    const wrong = await login('bob', 'Wrong#Pass1');
    const unknown = await login('nobody', 'Wrong#Pass1');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.code).toBe('INVALID_CREDENTIALS');
    expect(unknown.body).toEqual({ code: 'INVALID_CREDENTIALS', message: '用户名或密码错误', details: {} });
  });

  // Delays, the hard lock and the holder's SMS: test/login-throttle.test.ts.

  test('without trusted proxies X-Forwarded-For is ignored: the session and the audit row keep the TCP peer', async () => {
    await t.user('carol', 'SZ-FT-SCJG', ['agency_officer']);
    const res = await t.http().post('/api/v1/auth/login').set('X-Forwarded-For', '203.0.113.7').send({ username: 'carol', password: PASSWORD });
    expect(res.status).toBe(200);
    const [session] = await t.sql('SELECT client_ip FROM user_session WHERE user_id = ?', [res.body.user.id]);
    const [audit] = await t.sql("SELECT client_ip FROM audit_log WHERE action = 'auth.login' AND username = 'carol'");
    expect(session.client_ip).toBe('127.0.0.1');
    expect(audit.client_ip).toBe('127.0.0.1');
  });
});

describe('temporary passwords', () => {
  test('must be changed before any other call, then work normally', async () => {
    await t.user('dave', 'SZ-FT-SCJG', ['agency_officer'], { temporary: true });
    const first = await login('dave', PASSWORD);
    expect(first.status).toBe(200);
    expect(first.body.mustChangePassword).toBe(true);
    const blocked = await t.http().get('/api/v1/regions').set(bearer(first.body));
    expect(blocked.status).toBe(403);
    expect(blocked.body.code).toBe('PASSWORD_CHANGE_REQUIRED');
    const me = await t.http().get('/api/v1/auth/me').set(bearer(first.body));
    expect(me.status).toBe(403);
    expect(me.body.code).toBe('PASSWORD_CHANGE_REQUIRED');

    const weak = await t.http().post('/api/v1/auth/password').set(bearer(first.body)).send({ oldPassword: PASSWORD, newPassword: 'dave12345' });
    expect(weak.status).toBe(400);
    expect(weak.body.code).toBe('PASSWORD_POLICY');
    expect(weak.body.message).toContain('newPassword');
    expect(weak.body.message).toContain('不得包含用户名');

    const same = await t.http().post('/api/v1/auth/password').set(bearer(first.body)).send({ oldPassword: PASSWORD, newPassword: PASSWORD });
    expect(same.body.code).toBe('PASSWORD_POLICY');

    const changed = await t.http().post('/api/v1/auth/password').set(bearer(first.body)).send({ oldPassword: PASSWORD, newPassword: 'New#Secret2026' });
    expect(changed.status).toBe(200);
    expect(changed.body.mustChangePassword).toBe(false);
    expect((await t.http().get('/api/v1/regions').set(bearer(changed.body))).status).toBe(200);
  });

  test('every call but the password change and logout answers 403, /auth/me included (README)', async () => {
    await t.user('dora', 'SZ-FT-SCJG', ['agency_officer'], { temporary: true });
    const tokens = (await login('dora', PASSWORD)).body;
    const routes = Object.values(API).flatMap((ops) => Object.values(ops) as RouteDef[]).filter((d) => d.auth !== false);
    const open = routes.filter((d) => d.allowWithTempPassword).map((d) => d.operationId);
    expect(open.sort()).toEqual(['auth.changePassword', 'auth.logout']);
    for (const def of routes.filter((d) => !d.allowWithTempPassword)) {
      const url = `/api/v1${def.path.replace(':id', '1').replace(':key', 'head_approval')}`;
      const res = await t.http()[def.method](url).set(bearer(tokens)).send(def.method === 'get' ? undefined : {});
      if (res.status !== 403 || res.body.code !== 'PASSWORD_CHANGE_REQUIRED') throw new Error(`${def.operationId}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    expect((await t.http().post('/api/v1/auth/logout').set(bearer(tokens)).send({})).status).toBe(200);
  });

  test('expire: after 72 hours the temporary password no longer logs in', async () => {
    await t.user('erin', 'SZ-FT-SCJG', ['agency_officer'], { temporary: true });
    t.clock.advance(73 * HOUR);
    const res = await login('erin', PASSWORD);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('TEMP_PASSWORD_EXPIRED');
  });
});

describe('tokens and sessions', () => {
  test('refresh rotates; presenting an old refresh token again ends the session', async () => {
    await t.user('frank', 'SZ-FT-SCJG', ['agency_officer']);
    const first = (await login('frank', PASSWORD)).body;
    const second = await t.http().post('/api/v1/auth/refresh').send({ refreshToken: first.refreshToken });
    expect(second.status).toBe(200);
    expect(second.body.refreshToken).not.toBe(first.refreshToken);
    const reuse = await t.http().post('/api/v1/auth/refresh').send({ refreshToken: first.refreshToken });
    expect(reuse.status).toBe(401);
    expect(reuse.body.code).toBe('REFRESH_TOKEN_REUSED');
    // The whole session is gone: the newest tokens of it are dead too.
    expect((await t.http().post('/api/v1/auth/refresh').send({ refreshToken: second.body.refreshToken })).body.code).toBe('REFRESH_TOKEN_INVALID');
    expect((await t.http().get('/api/v1/regions').set(bearer(second.body))).body.code).toBe('SESSION_REVOKED');
  });

  test('a password change kills every access and refresh token of the user', async () => {
    await t.user('grace', 'SZ-FT-SCJG', ['agency_officer']);
    const phone = (await login('grace', PASSWORD)).body;
    const desk = (await login('grace', PASSWORD)).body;
    const changed = await t.http().post('/api/v1/auth/password').set(bearer(desk)).send({ oldPassword: PASSWORD, newPassword: 'Changed#Pw2026' });
    expect(changed.status).toBe(200);
    for (const old of [phone, desk]) {
      expect((await t.http().get('/api/v1/regions').set(bearer(old))).status).toBe(401);
      expect((await t.http().post('/api/v1/auth/refresh').send({ refreshToken: old.refreshToken })).status).toBe(401);
    }
    expect((await t.http().get('/api/v1/regions').set(bearer(changed.body))).status).toBe(200);
    expect((await login('grace', PASSWORD)).status).toBe(401);
  });

  test('the last five passwords cannot be reused', async () => {
    await t.user('heidi', 'SZ-FT-SCJG', ['agency_officer']);
    let tokens = (await login('heidi', PASSWORD)).body;
    let current = PASSWORD;
    for (const next of ['First#Pw2026', 'Second#Pw2026', 'Third#Pw2026']) {
      const res = await t.http().post('/api/v1/auth/password').set(bearer(tokens)).send({ oldPassword: current, newPassword: next });
      expect(res.status).toBe(200);
      tokens = res.body;
      current = next;
    }
    const reuse = await t.http().post('/api/v1/auth/password').set(bearer(tokens)).send({ oldPassword: current, newPassword: 'First#Pw2026' });
    expect(reuse.status).toBe(400);
    expect(reuse.body.message).toContain('最近 5 次');
  });

  test('logout revokes the session; idle sessions end', async () => {
    await t.user('ivan', 'SZ-FT-SCJG', ['agency_officer']);
    const a = (await login('ivan', PASSWORD)).body;
    expect((await t.http().post('/api/v1/auth/logout').set(bearer(a)).send({})).status).toBe(200);
    expect((await t.http().get('/api/v1/regions').set(bearer(a))).body.code).toBe('SESSION_REVOKED');

    const b = (await login('ivan', PASSWORD)).body;
    t.clock.advance(10 * MINUTE);
    expect((await t.http().get('/api/v1/regions').set(bearer(b))).status).toBe(200);
    t.clock.advance(31 * MINUTE);
    const idle = await t.http().get('/api/v1/regions').set(bearer(b));
    expect(idle.status).toBe(401);
    expect(['SESSION_IDLE', 'TOKEN_INVALID']).toContain(idle.body.code);
    expect((await t.http().post('/api/v1/auth/refresh').send({ refreshToken: b.refreshToken })).status).toBe(401);
  });

  test('an expired or forged access token is refused', async () => {
    await t.user('judy', 'SZ-FT-SCJG', ['agency_officer']);
    const tokens = (await login('judy', PASSWORD)).body;
    const forged = tokens.accessToken.slice(0, -3) + (tokens.accessToken.endsWith('abc') ? 'xyz' : 'abc');
    expect((await t.http().get('/api/v1/regions').set(bearer(forged))).body.code).toBe('TOKEN_INVALID');
    expect((await t.http().get('/api/v1/regions')).body.code).toBe('UNAUTHENTICATED');
    t.clock.advance(16 * MINUTE);
    expect((await t.http().get('/api/v1/regions').set(bearer(tokens))).body.code).toBe('TOKEN_INVALID');
  });
});
