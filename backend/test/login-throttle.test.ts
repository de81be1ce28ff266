import { startApp, bearer, PASSWORD, type TestApp } from './support';
import { MINUTE } from '../src/common/clock';

/**
 * Login failure handling (issue 7, item 12; 等保 GB/T 22239-2019 8.1.4.1 b): the same answers for
 * known and unknown account names, growing delays (429 + Retry-After) per account name and per
 * client address instead of a lock any stranger can set with five requests, a hard lock only for
 * sustained failures, the holder told once by SMS, an admin's unlock clearing it.
 *
 * The app trusts the test client (127.0.0.1) as a proxy, so each attempt names its client address
 * in X-Forwarded-For: account tests use a fresh address per attempt, address tests a fixed one.
 */
let t: TestApp;
beforeAll(async () => {
  // bcrypt at cost 8 (not the suite's 4): the password check takes long enough for parallel attempts to overlap.
  t = await startApp({ TRUSTED_PROXIES: '127.0.0.1,::1,10.0.0.0/8', BCRYPT_ROUNDS: '8' });
  await t.user('secadmin', 'SZ-PT', ['security_admin']);
});
afterAll(() => t.stop());
// Delays are counted on a frozen clock that the tests move: a slow machine must not let one run out.
beforeEach(() => t.clock.freeze());
afterEach(() => t.clock.reset());

let n = 0;
const freshAddress = () => `198.51.${Math.floor(++n / 250)}.${(n % 250) + 1}`;
const attempt = (username: string, password: string, address = freshAddress()) =>
  t.http().post('/api/v1/auth/login').set('X-Forwarded-For', address).send({ username, password });
const WRONG = 'Wrong#Pass2026';
const retryAfter = (res: { headers: Record<string, string> }) => (res.headers['retry-after'] === undefined ? null : Number(res.headers['retry-after']));

/** Fail until the account name is hard-locked, waiting out each delay; the answers seen on the way. */
async function failUntilLocked(username: string, limit = 40) {
  const trace: Array<{ status: number; body: Record<string, unknown>; retryAfter: number | null }> = [];
  for (let i = 0; i < limit; i++) {
    const res = await attempt(username, WRONG);
    const { lockedUntil, ...details } = res.body.details ?? {};
    trace.push({ status: res.status, body: { ...res.body, details }, retryAfter: retryAfter(res) });
    if (res.status === 423) {
      expect(typeof lockedUntil).toBe('string');
      return trace;
    }
    const wait = retryAfter(res);
    if (wait) t.clock.advance(wait * 1000);
  }
  throw new Error(`${username} was never locked: ${JSON.stringify(trace.slice(-3))}`);
}

async function smsTo(phone: string, count: number) {
  for (let i = 0; i < 100 && t.sms.recent.filter((m) => m.phone === phone).length < count; i++) await new Promise((r) => setTimeout(r, 50));
  return t.sms.recent.filter((m) => m.phone === phone);
}

test('a known and an unknown account name get exactly the same answers, failure after failure, up to the lock', async () => {
  await t.user('alice', 'SZ-FT-SCJG', ['agency_officer']);
  const known = await failUntilLocked('alice');
  t.clock.reset();
  const unknown = await failUntilLocked('no.such.person');
  expect(unknown).toEqual(known);
  // What the sequence is: 3 free failures, then doubling delays, the hard lock at the 15th.
  expect(known).toHaveLength(15);
  expect(known.slice(0, 3).map((a) => [a.status, a.body])).toEqual(Array(3).fill([401, { code: 'INVALID_CREDENTIALS', message: '用户名或密码错误', details: {} }]));
  expect(known.slice(3, 14).map((a) => a.retryAfter)).toEqual([2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]);
  expect(known[3].body.message).toBe('用户名或密码错误；登录失败次数较多，请 2 秒后再试');
  expect(known[14]).toMatchObject({ status: 423, retryAfter: 3600, body: { code: 'ACCOUNT_LOCKED', message: '登录失败次数过多，账号已锁定，请 60 分钟后再试，或联系单位管理员解锁' } });
  // Nothing in the table names the account: rows are keyed by hashes.
  const rows = await t.sql('SELECT * FROM login_throttle');
  expect(JSON.stringify(rows)).not.toMatch(/alice|no\.such\.person/);
});

test('while a delay runs every attempt answers 429 with Retry-After, without looking at the password', async () => {
  await t.user('bob', 'SZ-FT-SCJG', ['agency_officer']);
  for (let i = 0; i < 3; i++) expect(retryAfter(await attempt('bob', WRONG))).toBeNull();
  const fourth = await attempt('bob', WRONG);
  expect(fourth.status).toBe(401);
  expect(retryAfter(fourth)).toBe(2);
  const right = await attempt('bob', PASSWORD);
  expect(right.status).toBe(429);
  expect(right.body.code).toBe('LOGIN_THROTTLED');
  expect(right.body.message).toMatch(/^登录失败次数较多，请 [12] 秒后再试$/);
  expect(retryAfter(right)).toBeGreaterThanOrEqual(1);
  expect(retryAfter(right)).toBeLessThanOrEqual(2);
  expect(Cache(right)).toBe('no-store');
  t.clock.advance(2000);
  expect(retryAfter(await attempt('bob', WRONG))).toBe(4);
  t.clock.advance(4000);
  // The right password after the delay logs in, and ends the episode: the next failure is free again.
  expect((await attempt('bob', PASSWORD)).status).toBe(200);
  const after = await attempt('bob', WRONG);
  expect(after.status).toBe(401);
  expect(retryAfter(after)).toBeNull();
});

const Cache = (res: { headers: Record<string, string> }) => res.headers['cache-control'];

test('a stranger can no longer lock someone out: 50 quick failures, even 20 at once, cost the holder 2 seconds', async () => {
  await t.user('carol', 'SZ-FT-SCJG', ['agency_officer']);
  const parallel = await Promise.all(Array.from({ length: 20 }, () => attempt('carol', WRONG)));
  const statuses = parallel.map((r) => r.status);
  // Attempts on one name run one after another: only 4 reached the password check.
  expect(statuses.filter((s) => s === 401)).toHaveLength(4);
  expect(statuses.filter((s) => s === 429)).toHaveLength(16);
  for (let i = 0; i < 30; i++) expect((await attempt('carol', WRONG)).status).toBe(429);
  t.clock.advance(2000);
  const holder = await attempt('carol', PASSWORD);
  expect(holder.status).toBe(200);
});

test('sustained failures hard-lock the account; the holder is told once by SMS; an admin unlock clears it', async () => {
  const dave = await t.user('dave', 'SZ-FT-SCJG', ['agency_officer'], { phone: '13800009999' });
  await failUntilLocked('dave');
  const sms = await smsTo('13800009999', 1);
  expect(sms).toHaveLength(1);
  expect(sms[0].text).toMatch(/^您的两法衔接平台账号 dave 登录失败次数过多，已锁定至 \d{4}-\d{2}-\d{2} \d{2}:\d{2}。如非本人操作，请立即联系单位管理员。$/);
  expect((await attempt('dave', PASSWORD)).status).toBe(423);

  const admin = await t.login('secadmin');
  const view = await t.http().get(`/api/v1/users/${dave.id}`).set(bearer(admin));
  expect(view.body.lockedUntil).toEqual(expect.any(String));

  // The lock runs out, the attack goes on: locked again at once, and no second SMS in this episode.
  t.clock.advance(61 * MINUTE);
  expect((await attempt('dave', WRONG)).status).toBe(423);
  await new Promise((r) => setTimeout(r, 300));
  expect(t.sms.recent.filter((m) => m.phone === '13800009999')).toHaveLength(1);

  const again = await t.login('secadmin'); // the first session has gone idle meanwhile
  const unlock = await t.http().post(`/api/v1/users/${dave.id}/unlock`).set(bearer(again)).send({});
  expect(unlock.status).toBe(200);
  expect((await t.http().get(`/api/v1/users/${dave.id}`).set(bearer(again))).body.lockedUntil).toBeNull();
  expect((await attempt('dave', PASSWORD)).status).toBe(200);
});

test('a new episode after the window: counts start again and the holder would be told again', async () => {
  await t.user('erin', 'SZ-FT-SCJG', ['agency_officer'], { phone: '13800008888' });
  await failUntilLocked('erin');
  expect(await smsTo('13800008888', 1)).toHaveLength(1);
  t.clock.advance(25 * 60 * MINUTE);
  expect((await attempt('erin', WRONG)).body).toEqual({ code: 'INVALID_CREDENTIALS', message: '用户名或密码错误', details: {} });
  t.clock.reset();
  t.clock.advance(26 * 60 * MINUTE);
  await failUntilLocked('erin');
  expect(await smsTo('13800008888', 2)).toHaveLength(2);
});

test('one client address trying many names is slowed down too; other addresses are not', async () => {
  await t.user('frank', 'SZ-FT-SCJG', ['agency_officer']);
  const sprayer = '203.0.113.50';
  for (let i = 0; i < 20; i++) expect(retryAfter(await attempt(`guess${i}`, WRONG, sprayer))).toBeNull();
  const slowed = await attempt('guess20', WRONG, sprayer);
  expect(slowed.status).toBe(401);
  expect(retryAfter(slowed)).toBe(2);
  // Even a real account with its right password waits, from that address only.
  expect((await attempt('frank', PASSWORD, sprayer)).status).toBe(429);
  expect((await attempt('frank', PASSWORD, '203.0.113.51')).status).toBe(200);
  t.clock.advance(2000);
  expect((await attempt('frank', PASSWORD, sprayer)).status).toBe(200);
});

test('the account name counts in any letter case', async () => {
  await t.user('grace', 'SZ-FT-SCJG', ['agency_officer']);
  for (const name of ['grace', 'GRACE', 'Grace']) expect((await attempt(name, WRONG)).status).toBe(401);
  expect(retryAfter(await attempt('gRaCe', WRONG))).toBe(2);
  expect((await attempt('grace', PASSWORD)).status).toBe(429);
});

describe('the client address behind trusted proxies', () => {
  const lastLogin = async (username: string) => ({
    session: (await t.sql('SELECT s.client_ip FROM user_session s JOIN app_user u ON u.id = s.user_id WHERE u.username = ? ORDER BY s.created_at DESC LIMIT 1', [username]))[0].client_ip,
    audit: (await t.sql("SELECT client_ip FROM audit_log WHERE action = 'auth.login' AND username = ? ORDER BY id DESC LIMIT 1", [username]))[0].client_ip,
  });

  test('is the first untrusted hop from the right, in the session and in the audit row', async () => {
    await t.user('heidi', 'SZ-FT-SCJG', ['agency_officer']);
    const cases: Array<[string | null, string]> = [
      [null, '127.0.0.1'],
      // The left part is whatever the client claimed; our proxy (127.0.0.1) added the right part.
      ['192.0.2.1, 203.0.113.9', '203.0.113.9'],
      // Several trusted proxies in a row (10.0.0.0/8, then 127.0.0.1).
      ['192.0.2.1, 203.0.113.9, 10.1.2.3', '203.0.113.9'],
      ['203.0.113.9, 10.1.2.3, 10.200.0.1', '203.0.113.9'],
      // An untrusted hop in the middle ends the walk there.
      ['203.0.113.9, 192.0.2.77, 10.1.2.3', '192.0.2.77'],
      ['[2001:db8::1]:4711', '2001:db8::1'],
      ['203.0.113.10:5555', '203.0.113.10'],
      // Not an address: keep the last one a trusted proxy vouched for.
      ['unknown', '127.0.0.1'],
    ];
    for (const [xff, expected] of cases) {
      t.clock.advance(1000); // each session its own instant, so "the last one" is well defined
      let req = t.http().post('/api/v1/auth/login');
      if (xff) req = req.set('X-Forwarded-For', xff);
      expect((await req.send({ username: 'heidi', password: PASSWORD })).status).toBe(200);
      expect(await lastLogin('heidi')).toEqual({ session: expected, audit: expected });
    }
  });

  test('every audited write records it, not only the login', async () => {
    const admin = await t.login('secadmin');
    const target = await t.user('ivan', 'SZ-FT-SCJG', ['agency_officer']);
    const res = await t.http().post(`/api/v1/users/${target.id}/unlock`).set(bearer(admin)).set('X-Forwarded-For', '203.0.113.77').send({});
    expect(res.status).toBe(200);
    const [row] = await t.sql("SELECT client_ip FROM audit_log WHERE action = 'users.unlock' ORDER BY id DESC LIMIT 1");
    expect(row.client_ip).toBe('203.0.113.77');
  });
});
