/**
 * The processes a bench run needs: the database (a private MariaDB on a data directory the bench
 * keeps, or an existing server), the built platform, the raw-driver server, the reminder scan.
 */
import { spawn, fork, execFileSync, type ChildProcess } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createConnection, type Connection } from 'mysql2/promise';
import { startPrivateMariadb, type PrivateMariadb } from '../../backend/test/support-mariadb';
import { freePort } from '../../backend/test/support-process';

export const REPO = path.resolve(__dirname, '../..');
export const BACKEND_DIST = path.join(REPO, 'backend/dist');
/** The TypeScript loader the backend's child instances use (swc, @lfxj/contracts from source). */
export const TS_EXEC_ARGV = ['-r', path.join(REPO, 'backend/test/child/register.js')];

export interface DbTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export const dbEnv = (t: DbTarget): Record<string, string> => ({
  DB_TYPE: 'mysql', DB_HOST: t.host, DB_PORT: String(t.port), DB_USER: t.user, DB_PASSWORD: t.password, DB_NAME: t.database,
});

export const connect = (t: DbTarget, database = true): Promise<Connection> => createConnection({
  host: t.host, port: t.port, user: t.user, password: t.password, database: database ? t.database : undefined,
  timezone: 'Z', charset: 'utf8mb4_unicode_ci', supportBigNumbers: true, bigNumberStrings: true,
});

/** Server settings shared by generation and the measured runs (the redo log keeps its size across restarts). */
const COMMON_ARGS = ['--innodb-log-file-size=256M', '--max-connections=500', '--max-allowed-packet=64M'];
/** Generation only: a big buffer pool and no flush per commit (the data is thrown away if it fails). */
export const GENERATE_ARGS = [...COMMON_ARGS, '--innodb-buffer-pool-size=2G', '--innodb-flush-log-at-trx-commit=0', '--innodb-doublewrite=0'];
/** The measured server: the 128 MiB buffer pool, durable commits. */
export const BENCH_ARGS = [...COMMON_ARGS, '--innodb-buffer-pool-size=128M'];

export interface RunningDb {
  target: DbTarget;
  version: string;
  stop: () => Promise<void>;
}

/** A private MariaDB on `datadir` (created first when `fresh`). */
export async function startOnDatadir(datadir: string, args: string[], fresh: boolean, database: string): Promise<RunningDb> {
  if (fresh) {
    fs.rmSync(datadir, { recursive: true, force: true });
    fs.mkdirSync(datadir, { recursive: true });
    execFileSync('mariadb-install-db', ['--no-defaults', '--user=root', `--datadir=${datadir}`, '--auth-root-authentication-method=normal', '--skip-test-db'], { stdio: 'ignore' });
  }
  // A later option overrides an earlier one: the data directory is the bench's, not the helper's own.
  const server: PrivateMariadb = await startPrivateMariadb({ args: [...args, `--datadir=${datadir}`] });
  const target = { host: '127.0.0.1', port: server.port, user: 'root', password: '', database };
  const conn = await connect(target, false);
  const [rows] = await conn.query('SELECT VERSION() AS v');
  await conn.end();
  return { target, version: String((rows as Array<{ v: string }>)[0].v), stop: () => server.destroy() };
}

/** Copy the generated data directory for one run (the run changes it; the copy made once is kept). */
export function copyDatadir(from: string, to: string): void {
  fs.rmSync(to, { recursive: true, force: true });
  execFileSync('cp', ['-a', '--reflink=auto', from, to]);
}

const logDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'lfxj-bench-logs-'));

/** The platform's environment: production mode, no seeding, no background jobs competing with the measured requests. */
export function platformEnv(t: DbTarget, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...dbEnv(t), NODE_ENV: 'production', HOST: '127.0.0.1', JWT_SECRET: randomBytes(32).toString('hex'), SEED_ON_START: 'false',
    SEED_DEMO_ACCOUNTS: 'false', REMINDERS_ENABLED: 'false', AUDIT_SEAL_SECONDS: '0', ACCESS_TTL_MINUTES: '720', IDLE_MINUTES: '720',
    REFRESH_TTL_HOURS: '24', LOG_LEVEL: 'warn', MIDWAY_LOGGER_WRITEABLE_DIR: logDir(), STORAGE_DIR: logDir(), ...extra,
  };
}

/** `npm run db:seed` as a deployment runs it: the platform's migrations, then the Shenzhen directory and regulations. */
export async function seedPlatform(t: DbTarget): Promise<void> {
  const child = spawn(process.execPath, [path.join(BACKEND_DIST, 'cli/seed.js')], {
    env: { ...process.env, ...platformEnv(t), NODE_ENV: 'development', SEED_ON_START: 'true', PORT: '0', INSTANCE_ID: 'bench-seed' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`bench: seeding the platform failed (${code}):\n${out}`);
}

export interface Platform {
  base: string;
  stop: () => Promise<void>;
}

/** The built platform (`backend/bootstrap.js` on backend/dist), as `npm start` runs it. */
export async function startPlatform(t: DbTarget): Promise<Platform> {
  if (!fs.existsSync(path.join(BACKEND_DIST, 'configuration.js'))) throw new Error('bench: backend/dist is missing: run `npm run build:server` first');
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [path.join(REPO, 'backend/bootstrap.js')], {
    cwd: path.join(REPO, 'backend'), env: { ...process.env, ...platformEnv(t), PORT: String(port), INSTANCE_ID: 'bench-platform' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-4000)));
  child.stderr?.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-4000)));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bench: the platform exited (${child.exitCode}):\n${out}`);
    try {
      if ((await fetch(`${base}/api/v1/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`bench: the platform did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    base,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(force);
    },
  };
}

export async function login(base: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  const body = (await res.json()) as { accessToken?: string };
  if (!res.ok || !body.accessToken) throw new Error(`bench: login ${username} failed: ${res.status} ${JSON.stringify(body)}`);
  return body.accessToken;
}

export interface RawServer {
  base: string;
  stop: () => Promise<void>;
}

/** The raw-driver server (raw.ts) in a process of its own. */
export async function startRaw(t: DbTarget): Promise<RawServer> {
  const child = fork(path.join(__dirname, 'raw.ts'), [], { execArgv: TS_EXEC_ARGV, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port?: number; error?: string }) => (m.port ? resolve(m.port) : reject(new Error(`bench: raw server: ${m.error}`))));
    child.once('exit', (code) => reject(new Error(`bench: raw server exited with ${code}`)));
    child.send({ db: t });
  });
  return {
    base: `http://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.disconnect();
      await exited;
    },
  };
}

export interface ScanOutcome {
  finished: boolean;
  ms: number;
  report: { pages: number; tasks: number; written: number; failedTaskIds: number[]; stopped: string | null } | null;
  error: string | null;
}

/**
 * One pass of the platform's own reminder scan (scan-platform.ts boots the built app and calls it),
 * killed after `timeoutMs`. `onReady` runs between the boot and the pass (the runner reads its counters there).
 */
export async function platformScan(t: DbTarget, timeoutMs: number, onReady: () => Promise<void>): Promise<ScanOutcome> {
  const child = fork(path.join(__dirname, 'scan-platform.ts'), [], {
    execArgv: TS_EXEC_ARGV, stdio: ['ignore', 'ignore', 'inherit', 'ipc'], cwd: path.join(REPO, 'backend'),
    // This process loads TypeScript (the bench's own file), the app it boots is the built JavaScript.
    env: { ...process.env, ...platformEnv(t), PORT: '0', INSTANCE_ID: 'bench-scan', MIDWAY_TS_MODE: 'false' },
  });
  let started = performance.now();
  return new Promise((resolve) => {
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (o: ScanOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(o);
    };
    const elapsed = () => Math.round(performance.now() - started);
    child.on('message', (m: { ready?: boolean; ms?: number; report?: ScanOutcome['report']; error?: string }) => {
      if (m.ready) {
        void onReady().then(() => {
          started = performance.now();
          timer = setTimeout(() => {
            child.kill('SIGKILL');
            finish({ finished: false, ms: elapsed(), report: null, error: `not finished after ${Math.round(timeoutMs / 1000)} s` });
          }, timeoutMs);
          child.send({ go: true });
        });
      } else if (m.error) finish({ finished: false, ms: elapsed(), report: null, error: m.error });
      else finish({ finished: !!m.report && !m.report.stopped && !m.report.failedTaskIds.length, ms: m.ms ?? 0, report: m.report ?? null, error: m.report ? null : 'the scan did not run (lease held)' });
    });
    child.on('exit', (code) => finish({ finished: false, ms: elapsed(), report: null, error: `scan process exited with ${code}` }));
  });
}
