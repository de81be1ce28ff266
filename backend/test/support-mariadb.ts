/**
 * A private MariaDB server for tests that stop a database or need other server settings (a
 * +08:00 time zone). The shared server on 3306 is never stopped or reconfigured.
 */
import { spawn, execFileSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DataSource } from 'typeorm';
import { freePort } from './support-process';

export interface PrivateMariadb {
  port: number;
  /** Environment for the app: DB_TYPE=mysql on this server, database `name`. */
  env: (database: string) => Record<string, string>;
  /** An admin connection (root) for setting up databases. */
  admin: () => Promise<DataSource>;
  /** Stop the server (SIGTERM, waits for it to exit). */
  stop: () => Promise<void>;
  /** Start it again on the same port and data. */
  start: () => Promise<void>;
  /** Stop for good and remove the data directory. */
  destroy: () => Promise<void>;
}

const MARIADBD = fs.existsSync('/usr/sbin/mariadbd') ? '/usr/sbin/mariadbd' : 'mariadbd';

/**
 * `args` are further server options; a later one overrides an earlier one, so they can change the
 * defaults below (e.g. `--innodb-buffer-pool-size=128M`, or `--log-bin` with a `--server-id`).
 */
export async function startPrivateMariadb(opts: { timeZone?: string; args?: string[] } = {}): Promise<PrivateMariadb> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lfxj-mariadb-'));
  const datadir = path.join(dir, 'data');
  const socket = path.join(dir, 'mysqld.sock');
  execFileSync('mariadb-install-db', ['--no-defaults', '--user=root', `--datadir=${datadir}`, '--auth-root-authentication-method=normal', '--skip-test-db'], { stdio: 'ignore' });
  const port = await freePort();
  let server: ChildProcess | null = null;

  const start = async () => {
    const args = [
      '--no-defaults', '--user=root', `--datadir=${datadir}`, `--port=${port}`, '--bind-address=127.0.0.1', `--socket=${socket}`,
      '--skip-log-bin', '--innodb-buffer-pool-size=64M', '--innodb-log-file-size=16M', `--pid-file=${path.join(dir, 'mysqld.pid')}`,
      '--skip-name-resolve', '--character-set-server=utf8mb4', '--collation-server=utf8mb4_unicode_ci', ...(opts.timeZone ? [`--default-time-zone=${opts.timeZone}`] : []),
      ...(opts.args ?? []),
    ];
    server = spawn(MARIADBD, args, { stdio: 'ignore' });
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const ds = await connect();
        await ds.destroy();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`private MariaDB did not start: ${(err as Error).message}`, { cause: err });
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };
  const connect = async () => {
    const ds = new DataSource({ type: 'mysql', host: '127.0.0.1', port, username: 'root', password: '' });
    await ds.initialize();
    return ds;
  };
  const stop = async () => {
    const s = server;
    if (!s || s.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      s.once('exit', () => resolve());
      s.kill('SIGTERM');
    });
    server = null;
  };
  await start();
  return {
    port,
    env: (database) => ({ DB_TYPE: 'mysql', DB_HOST: '127.0.0.1', DB_PORT: String(port), DB_USER: 'root', DB_PASSWORD: '', DB_NAME: database }),
    admin: connect,
    stop,
    start,
    destroy: async () => {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
