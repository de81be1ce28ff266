import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { chromium, type BrowserContext } from 'playwright-core';

const REPO = path.resolve(__dirname, '../..');

export interface Platform {
  baseUrl: string;
  /** Demo accounts and the temporary passwords the backend printed at its first start. */
  demo: Map<string, string>;
  stop: () => Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    }).on('error', reject);
  });
}

/** `npm start`'s server on a fresh SQLite file, exactly as a user would run it. */
export async function startPlatform(): Promise<Platform> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lfxj-browser-'));
  const child: ChildProcess = spawn(process.execPath, ['bootstrap.js'], {
    cwd: path.join(REPO, 'backend'),
    env: { ...process.env, NODE_ENV: 'local', DB_TYPE: 'sqlite', DB_PATH: path.join(dataDir, 'lfxj.sqlite'), PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const demo = new Map<string, string>();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`backend did not start:\n${output}`)), 45000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('两法衔接平台已启动')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`backend exited with ${code}:\n${output}`)));
  });
  const block = output.split('演示账号已创建')[1] ?? '';
  for (const m of block.matchAll(/^ {2}(\S+)\s+(\S+)$/gm)) demo.set(m[1], m[2]);
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    demo,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Debian's Chromium, headless, with a fresh profile and no background traffic. */
export async function openBrowser(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'lfxj-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    locale: 'zh-CN',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export const ARTIFACTS = path.join(REPO, 'tests/artifacts');
