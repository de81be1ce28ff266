/**
 * Test harness: boots the real app over HTTP on a fresh real database (a SQLite file, or a
 * new MariaDB/MySQL database when TEST_DB=mysql), with the Shenzhen seed loaded.
 */
import { createApp, close, createHttpRequest } from '@midwayjs/mock';
import type { Framework, Application } from '@midwayjs/koa';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { DataSource } from 'typeorm';
import type { Role, TokenPair } from '@lfxj/contracts';
import { Clock } from '../src/common/clock';
import { Db } from '../src/common/db';
import { AuthService } from '../src/modules/auth/auth.service';
import { User, UserRole } from '../src/modules/users/entities';
import { Organisation } from '../src/modules/directory/entities';
import { SmsService } from '../src/modules/sms/sms.service';

export const TEST_DB = (process.env.TEST_DB ?? 'sqlite') as 'sqlite' | 'mysql';
export const PASSWORD = 'Lfxj#Test2026';

export function mysqlAdmin(): DataSource {
  return new DataSource({
    type: 'mysql', host: process.env.DB_HOST ?? '127.0.0.1', port: Number(process.env.DB_PORT ?? 3306),
    username: process.env.DB_USER ?? 'root', password: process.env.DB_PASSWORD ?? '',
  });
}

export interface TestApp {
  app: Application;
  http: () => ReturnType<typeof createHttpRequest>;
  clock: Clock;
  db: Db;
  /** Raw SQL through the database gate (in a write transaction, so it serves reads and writes). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- raw rows have whatever columns the query names
  sql: <R = any>(query: string, params?: unknown[]) => Promise<R[]>;
  sms: SmsService;
  org: (code: string) => Promise<Organisation>;
  /** A user with a known, already changed password (or a temporary one). */
  user: (username: string, orgCode: string, roles: Role[], opts?: { temporary?: boolean; phone?: string }) => Promise<User>;
  login: (username: string, password?: string) => Promise<TokenPair>;
  stop: () => Promise<void>;
}

export async function startApp(env: Record<string, string> = {}): Promise<TestApp> {
  const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  let dropDatabase = async () => {};
  // Uploaded files go to a folder of this test run, never into the repository's ./data.
  const storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lfxj-files-'));
  Object.assign(process.env, {
    MIDWAY_SERVER_ENV: 'unittest', SEED_ON_START: 'true', SEED_DEMO_ACCOUNTS: 'false', BCRYPT_ROUNDS: '4',
    AUDIT_SEAL_SECONDS: '0', REMINDERS_ENABLED: 'false', DB_TYPE: TEST_DB, STORAGE_DIR: storageDir, ...env,
  });
  if (TEST_DB === 'mysql') {
    const database = `lfxj_t_${id}`;
    const admin = mysqlAdmin();
    await admin.initialize();
    await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    process.env.DB_NAME = database;
    dropDatabase = async () => {
      await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await admin.destroy();
    };
  } else {
    const dir = path.join(os.tmpdir(), 'lfxj-test');
    fs.mkdirSync(dir, { recursive: true });
    process.env.DB_PATH = path.join(dir, `${id}.sqlite`);
    dropDatabase = async () => {
      for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${process.env.DB_PATH}${suffix}`, { force: true });
    };
  }
  const app = await createApp<Framework>();
  const container = app.getApplicationContext();
  const clock = await container.getAsync(Clock);
  const db = await container.getAsync(Db);
  const auth = await container.getAsync(AuthService);
  const sms = await container.getAsync(SmsService);
  const http = () => createHttpRequest(app);

  const t: TestApp = {
    app, http, clock, db, sms,
    sql: (query, params = []) => db.transaction((em) => em.query(query, params)),
    org: async (code) => db.read((em) => em.findOneByOrFail(Organisation, { code })),
    user: async (username, orgCode, roles, opts = {}) => {
      const org = await t.org(orgCode);
      return db.transaction(async (em) => {
        const user = await em.save(em.create(User, {
          username, displayName: `测试${username}`, orgId: org.id, phone: opts.phone ?? `138${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`,
          status: 'active', passwordHash: await auth.hashPassword(PASSWORD), mustChangePassword: !!opts.temporary,
          tempPasswordExpiresAt: opts.temporary ? auth.temporaryPasswordExpiry() : null, passwordChangedAt: clock.now(),
        }));
        if (roles.length) await em.insert(UserRole, roles.map((role) => ({ userId: user.id, role })));
        return user;
      });
    },
    login: async (username, password = PASSWORD) => {
      const res = await http().post('/api/v1/auth/login').send({ username, password });
      if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as TokenPair;
    },
    stop: async () => {
      await close(app);
      await dropDatabase();
      fs.rmSync(storageDir, { recursive: true, force: true });
    },
  };
  return t;
}

export const bearer = (tokens: TokenPair | string) => ({ Authorization: `Bearer ${typeof tokens === 'string' ? tokens : tokens.accessToken}` });
