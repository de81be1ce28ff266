/**
 * AUTH_CACHE_SECONDS=0: every request asks the database who it is, in one statement, and sees
 * at once what another instance (here: a statement of the test's own) wrote. The cache: auth-cache.test.ts.
 */
import { startApp, bearer, type TestApp } from './support';
import { sqlLog, touchesAuthTables, type SqlLog } from './support-sql-log';

let t: TestApp;
let log: SqlLog;
beforeAll(async () => {
  t = await startApp({ AUTH_CACHE_SECONDS: '0' });
  log = await sqlLog(t);
});
beforeEach(() => t.clock.freeze());
afterEach(() => t.clock.reset());
afterAll(() => t.stop());

test('every authenticated request costs exactly one statement for who it is', async () => {
  await t.user('plain', 'SZ-FT-SCJG', ['agency_officer']);
  const tokens = await t.login('plain');
  for (let i = 0; i < 3; i++) {
    const statements = await log.during(async () => expect((await t.http().get('/api/v1/regions').set(bearer(tokens))).status).toBe(200));
    const auth = statements.filter(touchesAuthTables);
    expect(auth).toHaveLength(1);
    expect(auth[0]).toMatch(/^\s*SELECT[\s\S]*user_session[\s\S]*app_user[\s\S]*user_role/i);
    expect(auth[0]).not.toMatch(/password_hash/i);
  }
});

test('a revocation written elsewhere is seen by the next request', async () => {
  const id = (await t.user('elsewhere', 'SZ-FT-SCJG', ['agency_officer'])).id;
  const tokens = await t.login('elsewhere');
  expect((await t.http().get('/api/v1/regions').set(bearer(tokens))).status).toBe(200);
  await t.sql("UPDATE user_session SET revoked_at = last_seen_at, revoke_reason = 'test' WHERE user_id = ?", [id]);
  expect((await t.http().get('/api/v1/regions').set(bearer(tokens))).body.code).toBe('SESSION_REVOKED');
});
