/**
 * Real backend instances in child processes, on a database the test owns: several instances
 * at once, killed (SIGKILL, a crash) or stopped (SIGTERM, a clean shutdown) and restarted.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

export interface ChildApp {
  port: number;
  base: string;
  /** What the process wrote to stdout and stderr. */
  output: () => string;
  /** What its loggers wrote to their files (read before the directory is removed on exit). */
  logs: () => string;
  /** SIGKILL: the process dies at once, as in a crash. */
  kill: () => Promise<void>;
  /** SIGTERM: a clean shutdown (leases released). */
  stop: () => Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    }).on('error', reject);
  });
}

/**
 * Start one instance with `env` (the database settings come from the caller) and wait until it listens.
 * A free port can be taken by another process before the instance binds it (the instance then
 * exits saying PORT_IN_USE): try another.
 */
export async function spawnApp(env: Record<string, string>, timeoutMs = 60_000): Promise<ChildApp> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await spawnOnce(await freePort(), env, timeoutMs);
    } catch (err) {
      if (attempt >= 5 || !/PORT_IN_USE|EADDRINUSE/.test(String((err as Error).message))) throw err;
    }
  }
}

async function spawnOnce(port: number, env: Record<string, string>, timeoutMs: number): Promise<ChildApp> {
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lfxj-child-logs-'));
  const child: ChildProcess = spawn(process.execPath, [path.join(__dirname, 'child/app.js')], {
    cwd: path.resolve(__dirname, '..'),
    env: {
      ...process.env, MIDWAY_HTTP_PORT: '', NODE_ENV: 'test', MIDWAY_SERVER_ENV: 'child', MIDWAY_LOGGER_WRITEABLE_DIR: logDir, LOG_LEVEL: 'warn',
      HOST: '127.0.0.1', PORT: String(port), SEED_ON_START: 'false', SEED_DEMO_ACCOUNTS: 'false', BCRYPT_ROUNDS: '4', ...env,
    },
    // stdin stays open: when this test process dies, the child sees it close and exits too.
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', (code, signal) => {
    out += `\n[实例已退出：code=${code} signal=${signal}]`;
    resolve();
  }));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child app did not start:\n${out}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const ready = /CHILD_APP_READY port=(\S*)\n/.exec(out);
      if (ready) {
        clearTimeout(timer);
        if (ready[1] === String(port)) resolve();
        else reject(new Error(`child app listens on port ${ready[1]}, not ${port}:\n${out}`));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child app exited with ${code}:\n${out}`));
    });
  });
  let finalLogs: string | null = null;
  const logs = () => finalLogs ?? readTree(logDir);
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    // A clean shutdown that hangs must not keep the test (or the machine) busy.
    const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(force);
    finalLogs ??= readTree(logDir);
    fs.rmSync(logDir, { recursive: true, force: true });
  };
  return { port, base: `http://127.0.0.1:${port}`, output: () => out, logs, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}

function readTree(dir: string): string {
  if (!fs.existsSync(dir)) return '';
  return fs.readdirSync(dir, { withFileTypes: true }).map((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? readTree(p) : fs.readFileSync(p, 'utf8');
  }).join('\n');
}
