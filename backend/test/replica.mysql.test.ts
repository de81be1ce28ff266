import { DataSource } from 'typeorm';
import type { TokenPair } from '@lfxj/contracts';
import { startPrivateMariadb, type PrivateMariadb } from './support-mariadb';
import { startApp, bearer, type TestApp } from './support';
import { caseClient, TRANSFER_DOCS } from './cases.support';
import { CaseRecord } from '../src/modules/cases/entities';
import { loadConfig } from '../src/config/env';
import { dataSourceOptions } from '../src/db/options';

/**
 * A primary and a read replica (two private MariaDB servers, row-based binlog replication), the
 * app on the primary with the replica configured. With the replica's SQL thread stopped it serves
 * a frozen past, so every read that shows the present came from the primary:
 * - lag-tolerant lists (case search, overdue supervision) are served by the replica; notifications are
 *   not (a 通报 marked read must not come back unread on the next reload);
 * - the case detail, everything after a write, and every permission check read the primary;
 * - a replica that is down makes lag-tolerant reads fall back to the primary.
 * The app connects as an account without SUPER, so a write that reached the read-only replica would fail.
 */
let primary: PrimaryReplica['primary'];
let replica: PrimaryReplica['replica'];
let onPrimary: DataSource;
let onReplica: DataSource;
let t: TestApp;
let c: ReturnType<typeof caseClient>;
let agency: TokenPair;
let police: TokenPair;
let admin: TokenPair;
let caseId = 0;

interface PrimaryReplica {
  primary: PrivateMariadb;
  replica: PrivateMariadb;
}

async function caughtUp(): Promise<void> {
  const [{ pos }] = await onPrimary.query('SELECT @@gtid_binlog_pos AS pos') as Array<{ pos: string }>;
  const [{ r }] = await onReplica.query('SELECT MASTER_GTID_WAIT(?, 30) AS r', [pos]) as Array<{ r: number | string }>;
  if (Number(r) !== 0) throw new Error(`the replica did not catch up with ${pos}`);
}
const freeze = () => onReplica.query('STOP SLAVE SQL_THREAD');
const thaw = async () => {
  await onReplica.query('START SLAVE SQL_THREAD');
  await caughtUp();
};
const get = (path: string, who: TokenPair) => t.http().get(`/api/v1${path}`).set(bearer(who));
const listed = async (who: TokenPair) => {
  const res = await get(`/cases?pageSize=100`, who);
  expect(res.status).toBe(200);
  return res.body.items as Array<{ id: number; title: string }>;
};

beforeAll(async () => {
  [primary, replica] = await Promise.all([
    startPrivateMariadb({ args: ['--log-bin=primary-bin', '--server-id=1', '--binlog-format=ROW', '--log-bin-trust-function-creators=1'] }),
    startPrivateMariadb({ args: ['--server-id=2', '--read-only', '--relay-log=replica-relay'] }),
  ]);
  onPrimary = await primary.admin();
  onReplica = await replica.admin();
  await onReplica.query(`CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = ${primary.port}, MASTER_USER = 'root', MASTER_PASSWORD = '', MASTER_USE_GTID = slave_pos`);
  await onReplica.query('START SLAVE');
  // Replicated like everything else: the app's account, allowed its test databases only (no SUPER, so read_only binds it).
  await onPrimary.query("CREATE USER 'lfxj'@'127.0.0.1' IDENTIFIED BY 'Lfxj#Replica2026'");
  await onPrimary.query("GRANT ALL PRIVILEGES ON `lfxj\\_t\\_%`.* TO 'lfxj'@'127.0.0.1'");
  await caughtUp();
  t = await startApp({
    ...primary.env('unused'), DB_USER: 'lfxj', DB_PASSWORD: 'Lfxj#Replica2026', DB_REPLICA_HOSTS: `127.0.0.1:${replica.port}`,
  });
  c = caseClient(t);
  await t.user('ag', 'SZ-FT-SCJG', ['agency_officer']);
  await t.user('ag.head', 'SZ-FT-SCJG', ['agency_head']);
  await t.user('po', 'SZ-FT-GA', ['police_officer']);
  await t.user('ftadmin', 'SZ-FT-SCJG', ['org_admin']);
  [agency, police, admin] = await Promise.all([t.login('ag'), t.login('po'), t.login('ftadmin')]);
  const created = await c.create(agency, 'REPL-1');
  caseId = created.id;
  await c.step(agency, caseId, 'submit_report', ['transfer_report']);
  await c.step(await t.login('ag.head'), caseId, 'approve_transfer');
  await c.step(agency, caseId, 'transfer', TRANSFER_DOCS);
  await caughtUp();
}, 180_000);

afterAll(async () => {
  await t?.stop();
  await onPrimary?.destroy();
  await onReplica?.destroy();
  await Promise.all([primary?.destroy(), replica?.destroy()]);
}, 60_000);

test('DB_REPLICA_HOSTS: a list of host:port, the primary stays the default for reads; refused on SQLite', () => {
  const cfg = loadConfig({ DB_TYPE: 'mysql', DB_HOST: 'db-primary', DB_PORT: '3307', DB_REPLICA_HOSTS: '10.0.0.2:3306, db-replica-2' });
  expect(cfg.db.replicas).toEqual([{ host: '10.0.0.2', port: 3306 }, { host: 'db-replica-2', port: 3307 }]);
  const options = dataSourceOptions(cfg) as { replication?: { master: { host: string }; slaves: Array<{ host: string; port: number; database: string }>; defaultMode: string } };
  expect(options.replication).toMatchObject({ master: { host: 'db-primary' }, defaultMode: 'master' });
  expect(options.replication!.slaves).toEqual([expect.objectContaining({ host: '10.0.0.2', port: 3306, database: 'lfxj' }), expect.objectContaining({ host: 'db-replica-2', port: 3307 })]);
  expect('replication' in dataSourceOptions(loadConfig({ DB_TYPE: 'mysql' }))).toBe(false);
  expect(() => loadConfig({ DB_REPLICA_HOSTS: '10.0.0.2' })).toThrow(/只适用于 DB_TYPE=mysql/);
  expect(() => loadConfig({ DB_TYPE: 'mysql', DB_REPLICA_HOSTS: '10.0.0.2:db' })).toThrow(/不是“主机:端口”/);
});

test('the replica replicates (the setup works)', async () => {
  const database = process.env.DB_NAME!;
  const [row] = await onReplica.query(`SELECT title FROM \`${database}\`.case_record WHERE id = ?`, [caseId]) as Array<{ title: string }>;
  expect(row.title).toBe('REPL-1 销售假冒注册商标的商品案');
  const [status] = await onReplica.query('SHOW SLAVE STATUS') as Array<Record<string, string>>;
  expect(status).toMatchObject({ Slave_IO_Running: 'Yes', Slave_SQL_Running: 'Yes' });
});

test('lag-tolerant lists are served by the replica; the detail, read right after, by the primary', async () => {
  await freeze();
  try {
    const database = process.env.DB_NAME!;
    await onPrimary.query(`UPDATE \`${database}\`.case_record SET title = '改名后的案件标题' WHERE id = ?`, [caseId]);
    const policeOrg = await t.org('SZ-FT-GA');
    await onPrimary.query(`INSERT INTO \`${database}\`.notification (org_id, case_id, event_id, title, body, created_at) VALUES (?, ?, NULL, '只在主库的通报', '只在主库的通报', UTC_TIMESTAMP(3))`,
      [policeOrg.id, caseId]);
    // The replica is frozen before both writes: the case list shows the past; the notification list
    // (read right after marking one read) shows the present.
    expect((await listed(agency)).find((x) => x.id === caseId)?.title).toBe('REPL-1 销售假冒注册商标的商品案');
    const notices = await get('/notifications?pageSize=100', police);
    expect(notices.status).toBe(200);
    expect((notices.body.items as Array<{ title: string }>).map((n) => n.title)).toContain('只在主库的通报');
    // The detail is what one opens right after acting: always the primary.
    const detail = await c.get(agency, caseId);
    expect(detail.status).toBe(200);
    expect(detail.body.title).toBe('改名后的案件标题');
    // A plain read through the gate (TypeORM would send it to a replica by default) reads the primary too.
    expect((await t.db.read((em) => em.findOneByOrFail(CaseRecord, { id: caseId }))).title).toBe('改名后的案件标题');
    expect((await t.db.read((em) => em.createQueryBuilder(CaseRecord, 'c').where('c.id = :caseId', { caseId }).getOneOrFail())).title).toBe('改名后的案件标题');
    // …and the same read marked lag-tolerant reads the replica.
    expect((await t.db.read((em) => em.findOneByOrFail(CaseRecord, { id: caseId }), { replica: true })).title).toBe('REPL-1 销售假冒注册商标的商品案');
  } finally {
    await thaw();
  }
  expect((await listed(agency)).find((x) => x.id === caseId)?.title).toBe('改名后的案件标题');
});

test('no stale read after one\'s own write: the answer of a write and the reads after it come from the primary', async () => {
  await freeze();
  try {
    const receipt = await c.step(police, caseId, 'sign_receipt', ['receipt']);
    expect(receipt.state).toBe('accepted');
    // The detail and the inbox right after the write see it, although the replica has not.
    const detail = await c.get(police, caseId);
    expect(detail.body.state).toBe('accepted');
    expect(detail.body.version).toBe(receipt.version);
    const inbox = await get('/tasks?pageSize=100', police);
    expect(inbox.status).toBe(200);
    expect((inbox.body.items as Array<{ caseId: number; status: string }>).some((x) => x.caseId === caseId && x.status === 'open')).toBe(true);
    const database = process.env.DB_NAME!;
    const [stale] = await onReplica.query(`SELECT state FROM \`${database}\`.case_record WHERE id = ?`, [caseId]) as Array<{ state: string }>;
    expect(stale.state).not.toBe('accepted'); // the replica really is behind
  } finally {
    await thaw();
  }
});

test('permission checks read the primary: a role revoked or an account disabled there is refused at once, even on a replica-served list', async () => {
  const officer = await t.user('ag2', 'SZ-FT-SCJG', ['agency_officer']);
  const other = await t.user('ag3', 'SZ-FT-SCJG', ['agency_officer']);
  const [mine, theirs] = await Promise.all([t.login('ag2'), t.login('ag3')]);
  await caughtUp();
  expect((await get('/cases', mine)).status).toBe(200);
  expect((await get('/cases', theirs)).status).toBe(200);
  await freeze();
  try {
    const revoked = await t.http().put(`/api/v1/users/${officer.id}/roles`).set(bearer(admin)).send({ roles: [] });
    expect(revoked.status).toBe(200);
    const refused = await get('/cases', mine);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('FORBIDDEN');
    const disabled = await t.http().post(`/api/v1/users/${other.id}/status`).set(bearer(admin)).send({ status: 'disabled', reason: '测试停用' });
    expect(disabled.status).toBe(200);
    const inactive = await get('/cases', theirs);
    // Disabling ends the account's sessions (401); were one left, the account's status would refuse it (403).
    expect([401, 403]).toContain(inactive.status);
    expect(['SESSION_REVOKED', 'ACCOUNT_INACTIVE']).toContain(inactive.body.code);
    // A session ended on the primary is dead at once too.
    const out = await t.http().post('/api/v1/auth/logout').set(bearer(agency)).send({});
    expect(out.status).toBe(200);
    expect((await get('/cases', agency)).status).toBe(401);
    agency = await t.login('ag');
  } finally {
    await thaw();
  }
});

test('a replica that is down: lag-tolerant reads fall back to the primary (current data, no error)', async () => {
  const database = process.env.DB_NAME!;
  await onPrimary.query(`UPDATE \`${database}\`.case_record SET title = '副本停机时的标题' WHERE id = ?`, [caseId]);
  await onReplica.destroy();
  await replica.stop();
  try {
    for (let i = 0; i < 3; i++) {
      // The first finds the replica refusing connections; the next ones find it resting and go straight to the primary.
      expect((await listed(agency)).find((x) => x.id === caseId)?.title).toBe('副本停机时的标题');
    }
    const notices = await get('/notifications', police);
    expect(notices.status).toBe(200);
  } finally {
    await replica.start();
    onReplica = await replica.admin();
  }
});
