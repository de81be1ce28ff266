import { startPrivateMariadb, type PrivateMariadb } from './support-mariadb';
import { spawnApp, type ChildApp } from './support-process';

/**
 * A real instance on a private MariaDB server whose clock zone is +08:00 (as on many servers in
 * China): instants stay UTC, and while the server is down every request answers 503 with
 * Retry-After; once it is back the platform carries on and nothing it accepted is lost.
 */
let db: PrivateMariadb;
let app: ChildApp;
let token = '';
const PASSWORD = 'Lfxj#Outage2026';

beforeAll(async () => {
  db = await startPrivateMariadb({ timeZone: '+08:00' });
  const admin = await db.admin();
  await admin.query('CREATE DATABASE lfxj_outage CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
  await admin.destroy();
  app = await spawnApp({ ...db.env('lfxj_outage'), SEED_ON_START: 'true', SEED_DEMO_ACCOUNTS: 'true', REMINDERS_ENABLED: 'true', AUDIT_SEAL_SECONDS: '5' });
  const temporary = /^ {2}ft\.scjg\s+(\S+)$/m.exec(app.output())![1];
  const login = await post('/auth/login', { username: 'ft.scjg', password: temporary });
  const changed = await post('/auth/password', { oldPassword: temporary, newPassword: PASSWORD }, login.body.accessToken as string);
  token = changed.body.accessToken as string;
}, 120_000);
afterAll(async () => {
  await app?.stop();
  await db?.destroy();
});

async function request(method: string, path: string, body?: unknown, bearer = token) {
  const res = await fetch(`${app.base}/api/v1${path}`, {
    method, headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  }).catch((err: Error) => {
    throw new Error(`${method} ${path}: ${err.message}; the instance said:\n${app.output().slice(-3000)}`, { cause: err });
  });
  return { status: res.status, headers: res.headers, body: await res.json() as Record<string, unknown> };
}
const post = (path: string, body: unknown, bearer = token) => request('POST', path, body, bearer);
const newCase = (no: string) => post('/cases', { agencyCaseNo: no, title: `${no} 涉嫌销售伪劣产品案`, parties: [] });

async function column(sql: string): Promise<unknown[]> {
  const admin = await db.admin();
  try {
    return (await admin.query(sql) as Array<Record<string, unknown>>).map((r) => Object.values(r)[0]);
  } finally {
    await admin.destroy();
  }
}

test('on a +08:00 server every stored instant is UTC: the API, the database and the date filter agree', async () => {
  const before = Date.now();
  const created = await newCase('TZ-1');
  expect(created.status).toBe(200);
  const createdAt = Date.parse(created.body.createdAt as string);
  // The app's clock, not the session's CURRENT_TIMESTAMP (which would be 8 hours ahead here).
  expect(Math.abs(createdAt - before)).toBeLessThan(60_000);
  const [stored] = await column(`SELECT DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%s.%f') FROM lfxj_outage.case_record WHERE id = ${created.body.id}`);
  expect(`${String(stored).slice(0, 23)}Z`).toBe(created.body.createdAt);
  const [updated] = await column(`SELECT DATE_FORMAT(updated_at, '%Y-%m-%dT%H:%i:%s.%f') FROM lfxj_outage.case_record WHERE id = ${created.body.id}`);
  expect(Math.abs(Date.parse(`${String(updated).slice(0, 23)}Z`) - before)).toBeLessThan(60_000);
  for (const table of ['notification', 'user_session', 'audit_log']) {
    const col = table === 'audit_log' ? 'at' : 'created_at';
    const [latest] = await column(`SELECT DATE_FORMAT(MAX(${col}), '%Y-%m-%dT%H:%i:%s') FROM lfxj_outage.${table}`);
    if (latest) expect(Math.abs(Date.parse(`${String(latest)}Z`) - Date.now())).toBeLessThan(120_000);
  }
  // The Shanghai day of now finds the case in the list.
  const day = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  const listed = await request('GET', `/cases?from=${day}&to=${day}&no=TZ-1`);
  expect((listed.body.items as unknown[]).length).toBe(1);
});

test('while the database is down every request answers 503 with Retry-After; afterwards all works and nothing is lost', async () => {
  const kept = await newCase('OUTAGE-KEPT');
  expect(kept.status).toBe(200);
  await db.stop();
  try {
    const answers = [
      await request('GET', '/cases'),
      await request('GET', `/cases/${kept.body.id}`),
      await newCase('OUTAGE-REFUSED'),
      await post('/auth/login', { username: 'ft.scjg', password: PASSWORD }, ''),
      await request('GET', '/tasks'),
    ];
    for (const a of answers) {
      expect(a.status).toBe(503);
      expect(a.body.code).toBe('DB_UNAVAILABLE');
      expect(a.body.message).toMatch(/数据库暂时无法访问/);
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    // The instance's background work (scan, sender, sealer) meets the outage too and must not stop the process.
    await new Promise((r) => setTimeout(r, 6000));
  } finally {
    await db.start();
  }
  let back = await newCase('OUTAGE-AFTER');
  for (let i = 0; i < 20 && back.status === 503; i++) {
    await new Promise((r) => setTimeout(r, 500));
    back = await newCase('OUTAGE-AFTER');
  }
  expect(back.status).toBe(200);
  const after = await request('GET', '/cases?no=OUTAGE');
  expect((after.body.items as Array<{ agencyCaseNo: string }>).map((i) => i.agencyCaseNo).sort()).toEqual(['OUTAGE-AFTER', 'OUTAGE-KEPT']);
  expect(app.output()).not.toMatch(/CHILD_APP_FAILED|exit with code/);
});
