/**
 * Who a request is, at the cost of one statement or none: the session, user and roles in one
 * statement, kept per instance for AUTH_CACHE_SECONDS (30 here, on a frozen clock, so only what
 * the test does ends an entry), and forgotten at once by every change of this instance that
 * bears on it. Other instances: auth-cluster.mysql.test.ts; no cache: auth-uncached.test.ts.
 */
import { createHmac } from 'crypto';
import type { TokenPair } from '@lfxj/contracts';
import { DEFAULT_JWT_SECRET, loadConfig } from '../src/config/env';
import { startApp, bearer, PASSWORD, type TestApp } from './support';
import { sqlLog, touchesAuthTables, type SqlLog } from './support-sql-log';
import { caseClient } from './cases.support';
import { AuthService } from '../src/modules/auth/auth.service';
import { UserRole } from '../src/modules/users/entities';
import { SessionCache, type ResolvedSession } from '../src/modules/auth/session-cache';

let t: TestApp;
let log: SqlLog;
let secAdmin: TokenPair;
beforeAll(async () => {
  t = await startApp({ AUTH_CACHE_SECONDS: '30' });
  log = await sqlLog(t);
  await t.user('secadmin', 'SZ-PT', ['security_admin']);
  secAdmin = await t.login('secadmin');
});
beforeEach(() => t.clock.freeze());
afterEach(() => t.clock.reset());
afterAll(() => t.stop());

const regions = (who: TokenPair | string) => t.http().get('/api/v1/regions').set(bearer(who));
const authStatements = async (fn: () => Promise<unknown>) => (await log.during(fn)).filter(touchesAuthTables);

describe('statements', () => {
  test('a request whose session is not remembered costs one statement (session, user and roles joined); a remembered one none', async () => {
    await t.user('stmt', 'SZ-FT-SCJG', ['agency_officer', 'agency_head']);
    const tokens = await t.login('stmt');
    const first = await authStatements(async () => expect((await regions(tokens)).status).toBe(200));
    expect(first).toHaveLength(1);
    expect(first[0]).toMatch(/user_session[\s\S]*JOIN[\s\S]*app_user[\s\S]*JOIN[\s\S]*user_role/i);
    for (let i = 0; i < 3; i++) expect(await authStatements(async () => expect((await regions(tokens)).status).toBe(200))).toEqual([]);
    const me = await t.http().get('/api/v1/auth/me').set(bearer(tokens));
    expect(me.body.roles).toEqual(['agency_head', 'agency_officer']);
  });

  test('password_hash is read by sign-in and the password change only, never by what else loads a user', async () => {
    const officer = await t.user('nohash', 'SZ-FT-SCJG', ['agency_officer']);
    await t.user('nohash2', 'SZ-FT-SCJG', ['agency_officer']);
    const readsHash = (sql: string) => /password_hash/i.test(sql) && /^\s*SELECT/i.test(sql) && /app_user/i.test(sql);
    let tokens!: TokenPair;
    expect((await log.during(async () => { tokens = await t.login('nohash'); })).filter(readsHash)).toHaveLength(1);
    const c = caseClient(t);
    const statements = await log.during(async () => {
      const ok = async (res: { status: number; body: unknown }) => {
        if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
        return res.body as Record<string, unknown>;
      };
      await ok(await t.http().get('/api/v1/auth/me').set(bearer(tokens)));
      await ok(await t.http().post('/api/v1/auth/refresh').send({ refreshToken: tokens.refreshToken }));
      await ok(await t.http().get('/api/v1/users').set(bearer(secAdmin)));
      await ok(await t.http().get(`/api/v1/users/${officer.id}`).set(bearer(secAdmin)));
      await ok(await t.http().patch(`/api/v1/users/${officer.id}`).set(bearer(secAdmin)).send({ displayName: '改名后' }));
      await ok(await t.http().put(`/api/v1/users/${officer.id}/roles`).set(bearer(secAdmin)).send({ roles: ['agency_officer', 'agency_head'] }));
      const created = await c.create(tokens, 'NOHASH-1');
      const detail = await ok(await c.get(tokens, created.id));
      const open = (detail.tasks as Array<{ id: number; status: string }>).find((x) => x.status === 'open');
      if (open) await ok(await t.http().post(`/api/v1/tasks/${open.id}/assignee`).set(bearer(tokens)).send({ userId: officer.id }));
      await ok(await t.http().get('/api/v1/tasks').set(bearer(tokens)));
      await ok(await t.http().post(`/api/v1/users/${officer.id}/status`).set(bearer(secAdmin)).send({ status: 'disabled', reason: '测试', handoverToUserId: await userId('nohash2') }));
    });
    expect(statements.filter((s) => /app_user/i.test(s)).length).toBeGreaterThan(5);
    expect(statements.filter(readsHash)).toEqual([]);
  });
});

/** An instant as either driver returns it (MariaDB: a Date; SQLite: UTC text without a zone). */
const instant = (value: Date | string) => (value instanceof Date ? value : new Date(`${value.replace(' ', 'T')}Z`)).getTime();
const userId = async (username: string) => Number((await t.sql('SELECT id FROM app_user WHERE username = ?', [username]))[0].id);

describe('changes on this instance take effect at once, though the session is remembered', () => {
  /** Log in and make one request, so the session is in this instance's cache. */
  const remembered = async (username: string) => {
    const tokens = await t.login(username);
    expect((await regions(tokens)).status).toBe(200);
    expect(await authStatements(() => regions(tokens))).toEqual([]);
    return tokens;
  };

  test('logout', async () => {
    await t.user('c-logout', 'SZ-FT-SCJG', ['agency_officer']);
    const tokens = await remembered('c-logout');
    expect((await t.http().post('/api/v1/auth/logout').set(bearer(tokens)).send({})).status).toBe(200);
    expect((await regions(tokens)).body.code).toBe('SESSION_REVOKED');
  });

  test('a role change: roles taken away are gone from the next request', async () => {
    const id = (await t.user('c-roles', 'SZ-FT-SCJG', ['agency_officer', 'org_admin'])).id;
    const tokens = await remembered('c-roles');
    expect((await t.http().get('/api/v1/users').set(bearer(tokens))).status).toBe(200);
    const changed = await t.http().put(`/api/v1/users/${id}/roles`).set(bearer(secAdmin)).send({ roles: ['agency_officer'] });
    expect(changed.status).toBe(200);
    const after = await t.http().get('/api/v1/users').set(bearer(tokens));
    expect(after.status).toBe(403);
    expect(after.body.code).toBe('FORBIDDEN');
    expect((await t.http().get('/api/v1/auth/me').set(bearer(tokens))).body.roles).toEqual(['agency_officer']);
  });

  test('a status change: a disabled account is refused at once', async () => {
    const id = (await t.user('c-status', 'SZ-FT-SCJG', ['agency_officer'])).id;
    const tokens = await remembered('c-status');
    const res = await t.http().post(`/api/v1/users/${id}/status`).set(bearer(secAdmin)).send({ status: 'disabled', reason: '停用测试' });
    expect(res.status).toBe(200);
    const refused = await regions(tokens);
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('SESSION_REVOKED');
  });

  test('a password change ends the other sessions at once; the new one works', async () => {
    await t.user('c-pw', 'SZ-FT-SCJG', ['agency_officer']);
    const phone = await remembered('c-pw');
    const desk = await remembered('c-pw');
    const changed = await t.http().post('/api/v1/auth/password').set(bearer(desk)).send({ oldPassword: PASSWORD, newPassword: 'Cache#Changed2026' });
    expect(changed.status).toBe(200);
    for (const old of [phone, desk]) expect((await regions(old)).body.code).toBe('SESSION_REVOKED');
    expect((await regions(changed.body)).status).toBe(200);
  });

  test("an admin's password reset ends the sessions at once; the temporary password then gates everything but the change", async () => {
    const id = (await t.user('c-reset', 'SZ-FT-SCJG', ['agency_officer'], { phone: '13900007777' })).id;
    const tokens = await remembered('c-reset');
    expect((await t.http().post(`/api/v1/users/${id}/reset-password`).set(bearer(secAdmin)).send({})).status).toBe(200);
    expect((await regions(tokens)).body.code).toBe('SESSION_REVOKED');
    const temporary = /临时密码 (\S+)，/.exec(t.sms.recent.filter((m) => m.phone === '13900007777').pop()!.text)![1];
    const fresh = (await t.http().post('/api/v1/auth/login').send({ username: 'c-reset', password: temporary })).body as TokenPair;
    // Twice: the second answer comes from the cache and is gated the same.
    for (let i = 0; i < 2; i++) expect((await regions(fresh)).body.code).toBe('PASSWORD_CHANGE_REQUIRED');
    expect(await authStatements(() => regions(fresh))).toEqual([]);
    const changed = await t.http().post('/api/v1/auth/password').set(bearer(fresh)).send({ oldPassword: temporary, newPassword: 'Reset#Cache2026' });
    expect(changed.status).toBe(200);
    expect((await regions(changed.body)).status).toBe(200);
  });

  test('a request that reads the old rows while the change is being written does not keep them past the commit', async () => {
    const id = (await t.user('c-race', 'SZ-FT-SCJG', ['agency_officer', 'org_admin'])).id;
    const tokens = await remembered('c-race');
    const auth = await t.app.getApplicationContext().getAsync(AuthService);
    await t.db.transaction(async (em) => {
      await em.delete(UserRole, { userId: id, role: 'org_admin' });
      auth.accountChanged(em, id);
      // Not committed yet: this request still reads (and remembers) the old roles.
      expect((await t.http().get('/api/v1/users').set(bearer(tokens))).status).toBe(200);
    });
    expect((await t.http().get('/api/v1/users').set(bearer(tokens))).status).toBe(403);
  });

  test("a change of name or organisation shows in the next request's user", async () => {
    const id = (await t.user('c-move', 'SZ-FT-SCJG', ['agency_officer'])).id;
    const tokens = await remembered('c-move');
    const other = await t.org('SZ-NS-SCJG');
    expect((await t.http().patch(`/api/v1/users/${id}`).set(bearer(secAdmin)).send({ displayName: '新名字', orgId: other.id })).status).toBe(200);
    expect((await t.http().get('/api/v1/auth/me').set(bearer(tokens))).body).toMatchObject({ displayName: '新名字', orgId: other.id });
  });
});

describe('time, with the session remembered', () => {
  test('last_seen_at is still touched once a minute', async () => {
    await t.user('c-touch', 'SZ-FT-SCJG', ['agency_officer']);
    const tokens = await t.login('c-touch');
    const seen = async () => instant((await t.sql('SELECT last_seen_at FROM user_session WHERE user_id = ?', [await userId('c-touch')]))[0].last_seen_at);
    const start = await seen();
    t.clock.advance(50_000);
    expect((await regions(tokens)).status).toBe(200); // read from the database, remembered
    expect(await seen()).toBe(start);
    t.clock.advance(11_000);
    // Remembered (no read), but more than a minute since the last touch: touched.
    const statements = await authStatements(() => regions(tokens));
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/^\s*UPDATE/i);
    expect(await seen()).toBe(start + 61_000);
    expect(await authStatements(() => regions(tokens))).toEqual([]);
  });

  test('a session that reaches its end is refused even while remembered', async () => {
    const id = (await t.user('c-end', 'SZ-FT-SCJG', ['agency_officer'])).id;
    const tokens = await t.login('c-end');
    const end = new Date(t.clock.now().getTime() + 20_000);
    await t.sql('UPDATE user_session SET expires_at = ? WHERE user_id = ?', [t.db.isMysql ? end : end.toISOString().replace('T', ' ').replace('Z', ''), id]);
    expect((await regions(tokens)).status).toBe(200);
    t.clock.advance(21_000);
    const statements = await log.during(async () => expect((await regions(tokens)).body.code).toBe('TOKEN_INVALID'));
    expect(statements.filter(touchesAuthTables)).toEqual([]);
  });
});

describe('access tokens', () => {
  /** A token for a live session, signed by hand with the platform's secret and the given algorithm. */
  const forge = (alg: string, payload: Record<string, unknown>) => {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const body = `${part({ alg, typ: 'JWT' })}.${part(payload)}`;
    const hmac = alg === 'none' ? '' : createHmac(`sha${alg.slice(2)}`, DEFAULT_JWT_SECRET).update(body).digest('base64url');
    return `${body}.${hmac}`;
  };

  test('only HS256 is accepted, even with the right secret', async () => {
    await t.user('c-alg', 'SZ-FT-SCJG', ['agency_officer']);
    const tokens = await t.login('c-alg');
    const [, claims] = tokens.accessToken.split('.');
    const payload = JSON.parse(Buffer.from(claims, 'base64url').toString()) as Record<string, unknown>;
    expect((await regions(forge('HS256', payload))).status).toBe(200);
    for (const alg of ['HS512', 'HS384', 'none']) expect((await regions(forge(alg, payload))).body.code).toBe('TOKEN_INVALID');
  });
});

describe('the cache itself', () => {
  const session = (sessionId: string, userId: number): ResolvedSession => ({
    sessionId, userId, username: 'x', displayName: 'x', orgId: 1, roles: [], mustChangePassword: false, lastSeenAt: new Date(0), expiresAt: new Date(8.64e15),
  });

  test('a read that began before a change is not kept', () => {
    const cache = new SessionCache(30_000);
    const now = new Date();
    const mark = cache.mark();
    cache.forgetUser(7);
    cache.put(mark, session('a', 7), now);
    expect(cache.get('a', now)).toBeNull();
    cache.put(cache.mark(), session('a', 7), now);
    expect(cache.get('a', now)).not.toBeNull();
  });

  test('AUTH_CACHE_SECONDS: a few seconds by default, 0 turns it off, never beyond a minute', () => {
    expect(loadConfig({}).authCacheSeconds).toBe(5);
    expect(loadConfig({ AUTH_CACHE_SECONDS: '0' }).authCacheSeconds).toBe(0);
    expect(() => loadConfig({ AUTH_CACHE_SECONDS: '61' })).toThrow('AUTH_CACHE_SECONDS');
    expect(() => loadConfig({ AUTH_CACHE_SECONDS: '-1' })).toThrow('AUTH_CACHE_SECONDS');
  });

  test('an entry ends with its lifetime on the app clock, or when the clock goes back; 0 keeps nothing', () => {
    const cache = new SessionCache(5_000);
    const now = new Date();
    cache.put(cache.mark(), session('a', 1), now);
    expect(cache.get('a', new Date(now.getTime() + 4_999))).not.toBeNull();
    expect(cache.get('a', new Date(now.getTime() + 5_000))).toBeNull();
    cache.put(cache.mark(), session('b', 1), now);
    expect(cache.get('b', new Date(now.getTime() - 1))).toBeNull();
    const off = new SessionCache(0);
    off.put(off.mark(), session('c', 1), now);
    expect(off.get('c', now)).toBeNull();
  });
});
