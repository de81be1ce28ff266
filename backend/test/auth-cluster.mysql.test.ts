/**
 * Two real instances on one MariaDB database, each remembering sessions for AUTH_CACHE_SECONDS:
 * what instance A changes (logout, disabling, a role, a password) holds on instance B no longer
 * than that lifetime. B is polled until it refuses; the poll gives up (red) a little after the
 * lifetime has run out, counted from B's read of the session.
 */
import type { TokenPair } from '@lfxj/contracts';
import { startCluster, call, loginTo, type Cluster } from './support-cluster';
import type { ChildApp } from './support-process';

const LIFETIME_MS = 4_000;
/** Time for B to answer a poll, on a busy machine. */
const SLACK_MS = 2_500;

let cluster: Cluster;
let a: ChildApp;
let b: ChildApp;
let admin: TokenPair;

beforeAll(async () => {
  cluster = await startCluster({ db: 'mysql' });
  const env = { AUTH_CACHE_SECONDS: String(LIFETIME_MS / 1000), REMINDERS_ENABLED: 'false', AUDIT_SEAL_SECONDS: '0' };
  a = await cluster.start({ ...env, INSTANCE_ID: 'auth-a' });
  b = await cluster.start({ ...env, INSTANCE_ID: 'auth-b' });
  await cluster.user('secadmin', 'SZ-PT', ['security_admin'], '13700000001');
  admin = await loginTo(a, 'secadmin');
}, 180_000);
afterAll(() => cluster?.destroy(), 60_000);

/**
 * B reads the session (and remembers it); `change` runs on A; B is then polled until it refuses.
 * Right after the change B still answers from memory, unless the machine was so slow that the
 * lifetime had nearly run out anyway.
 */
async function refusedOnB(tokens: TokenPair, url: string, change: () => Promise<void>): Promise<{ status: number; code: string }> {
  const readAt = Date.now();
  expect((await call(b, 'GET', url, undefined, tokens)).status).toBe(200);
  await change();
  const deadline = readAt + LIFETIME_MS + SLACK_MS;
  for (let poll = 0; ; poll++) {
    const asked = Date.now();
    const res = await call<{ code: string }>(b, 'GET', url, undefined, tokens);
    if (poll === 0 && asked - readAt < LIFETIME_MS - 1_000) expect(res.status).toBe(200);
    if (res.status !== 200) return { status: res.status, code: res.body.code };
    if (Date.now() > deadline) throw new Error(`instance B still accepts the session ${Date.now() - readAt} ms after reading it (lifetime ${LIFETIME_MS} ms)`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('logout on A: B refuses the session within the lifetime', async () => {
  await cluster.user('x-logout', 'SZ-FT-SCJG', ['agency_officer'], '13700000002');
  const tokens = await loginTo(a, 'x-logout');
  const refused = await refusedOnB(tokens, '/regions', async () => {
    expect((await call(a, 'POST', '/auth/logout', {}, tokens)).status).toBe(200);
  });
  expect(refused).toEqual({ status: 401, code: 'SESSION_REVOKED' });
});

test('an admin disables the account on A: B refuses within the lifetime', async () => {
  const id = await cluster.user('x-disable', 'SZ-FT-SCJG', ['agency_officer'], '13700000003');
  const tokens = await loginTo(a, 'x-disable');
  const refused = await refusedOnB(tokens, '/regions', async () => {
    expect((await call(a, 'POST', `/users/${id}/status`, { status: 'disabled', reason: '停用' }, admin)).status).toBe(200);
  });
  expect(refused.status).toBe(401);
});

test('a role taken away on A: B stops granting it within the lifetime', async () => {
  const id = await cluster.user('x-role', 'SZ-FT-SCJG', ['agency_officer', 'org_admin'], '13700000004');
  const tokens = await loginTo(a, 'x-role');
  const refused = await refusedOnB(tokens, '/users', async () => {
    expect((await call(a, 'PUT', `/users/${id}/roles`, { roles: ['agency_officer'] }, admin)).status).toBe(200);
  });
  expect(refused).toEqual({ status: 403, code: 'FORBIDDEN' });
});

test("a password change on A: B refuses the user's other session within the lifetime", async () => {
  await cluster.user('x-pw', 'SZ-FT-SCJG', ['agency_officer'], '13700000005');
  const other = await loginTo(b, 'x-pw');
  const refused = await refusedOnB(other, '/regions', async () => {
    const desk = await loginTo(a, 'x-pw');
    expect((await call(a, 'POST', '/auth/password', { oldPassword: 'Lfxj#Test2026', newPassword: 'Cluster#Pw2026' }, desk)).status).toBe(200);
  });
  expect(refused).toEqual({ status: 401, code: 'SESSION_REVOKED' });
});
