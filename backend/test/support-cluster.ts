/**
 * Several real backend instances (child processes, see support-process.ts) on one database the
 * test owns: a SQLite file or, with TEST_DB=mysql, a fresh MariaDB/MySQL database. The first
 * instance migrates and seeds; the test reaches the same database through the gate (Db.over)
 * to set up users and look at what the instances wrote, and talks to them over real HTTP.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { randomBytes } from 'crypto';
import * as bcrypt from 'bcryptjs';
import { DataSource } from 'typeorm';
import type { Role, TokenPair } from '@lfxj/contracts';
import { loadConfig } from '../src/config/env';
import { dataSourceOptions } from '../src/db/options';
import { Db } from '../src/common/db';
import { User, UserRole } from '../src/modules/users/entities';
import { Organisation } from '../src/modules/directory/entities';
import { spawnApp, type ChildApp } from './support-process';
import { mysqlAdmin, PASSWORD, TEST_DB } from './support';

export interface Cluster {
  /** The database settings every instance gets. */
  dbEnv: Record<string, string>;
  db: Db;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- raw rows have whatever columns the query names
  sql: <R = any>(query: string, params?: unknown[]) => Promise<R[]>;
  /** Start an instance; the first one started migrates the database and loads the seed. */
  start: (env?: Record<string, string>) => Promise<ChildApp>;
  user: (username: string, orgCode: string, roles: Role[], phone: string) => Promise<number>;
  destroy: () => Promise<void>;
}

/** On the database of the test pass (TEST_DB), or the one named. */
export async function startCluster(opts: { db?: 'sqlite' | 'mysql' } = {}): Promise<Cluster> {
  const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  let dbEnv: Record<string, string>;
  let drop: () => Promise<void>;
  if ((opts.db ?? TEST_DB) === 'mysql') {
    const database = `lfxj_c_${id}`;
    const admin = mysqlAdmin();
    await admin.initialize();
    await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    dbEnv = {
      DB_TYPE: 'mysql', DB_HOST: process.env.DB_HOST ?? '127.0.0.1', DB_PORT: process.env.DB_PORT ?? '3306', DB_USER: process.env.DB_USER ?? 'root',
      DB_PASSWORD: process.env.DB_PASSWORD ?? '', DB_NAME: database,
    };
    drop = async () => {
      await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await admin.destroy();
    };
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lfxj-cluster-'));
    dbEnv = { DB_TYPE: 'sqlite', DB_PATH: path.join(dir, 'lfxj.sqlite') };
    drop = async () => fs.rmSync(dir, { recursive: true, force: true });
  }
  let ds: DataSource | null = null;
  let db: Db | null = null;
  const children: ChildApp[] = [];
  const gate = (): Db => {
    if (!db) throw new Error('start an instance first (it creates the schema)');
    return db;
  };
  const cluster: Cluster = {
    dbEnv,
    get db() {
      return gate();
    },
    sql: (query, params = []) => {
      const db = gate();
      return db.transaction((em) => em.query(query, params));
    },
    start: async (env = {}) => {
      const first = !ds;
      const child = await spawnApp({ ...dbEnv, SEED_ON_START: first ? 'true' : 'false', ...env });
      children.push(child);
      if (first) {
        ds = new DataSource({ ...dataSourceOptions(loadConfig({ ...process.env, ...dbEnv })), migrations: [] });
        await ds.initialize();
        db = Db.over(ds);
      }
      return child;
    },
    user: async (username, orgCode, roles, phone) => {
      const passwordHash = await bcrypt.hash(PASSWORD, 4);
      const db = gate();
      return db.transaction(async (em) => {
        const org = await em.findOneByOrFail(Organisation, { code: orgCode });
        const user = await em.save(em.create(User, {
          username, displayName: `测试${username}`, orgId: org.id, phone, status: 'active', passwordHash, mustChangePassword: false,
          tempPasswordExpiresAt: null, passwordChangedAt: new Date(),
        }));
        if (roles.length) await em.insert(UserRole, roles.map((role) => ({ userId: user.id, role })));
        return user.id;
      });
    },
    destroy: async () => {
      for (const child of children) await child.kill();
      if (ds) await (ds as DataSource).destroy();
      await drop();
    },
  };
  return cluster;
}

/** JSON over real HTTP to one instance. */
export async function call<T = unknown>(app: ChildApp, method: string, url: string, body?: unknown, token?: TokenPair): Promise<{ status: number; body: T }> {
  const res = await fetch(`${app.base}/api/v1${url}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token.accessToken}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

export async function loginTo(app: ChildApp, username: string, password = PASSWORD): Promise<TokenPair> {
  const res = await call<TokenPair>(app, 'POST', '/auth/login', { username, password });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Upload one small PDF as a document of a case; its id. */
export async function uploadTo(app: ChildApp, token: TokenPair, caseId: number, docType: string): Promise<number> {
  const form = new FormData();
  form.append('file', new Blob([`%PDF-1.4\n% ${docType}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n`], { type: 'application/pdf' }), `${docType}.pdf`);
  const res = await fetch(`${app.base}/api/v1/cases/${caseId}/documents?docType=${docType}`, { method: 'POST', headers: { authorization: `Bearer ${token.accessToken}` }, body: form });
  const body = (await res.json()) as Array<{ id: number }>;
  if (res.status !== 200) throw new Error(`upload ${docType}: ${res.status} ${JSON.stringify(body)}`);
  return body[0].id;
}

/** Poll until `check` gives a value (not undefined/false), or fail after `ms`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, ms = 20_000, every = 200): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}
