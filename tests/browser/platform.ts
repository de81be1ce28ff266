import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

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

export interface Browser {
  context: BrowserContext;
  /** Everything the Content-Security-Policy blocked or reported, on any page of this context. */
  cspViolations: string[];
  close: () => Promise<void>;
}

/** Debian's Chromium, headless, with a fresh profile and no background traffic. */
export async function openBrowser(): Promise<Browser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'lfxj-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    locale: 'zh-CN',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  // The apps must run under their CSP: every violation (the page's event, or Chromium's console
  // report of a blocked script, style, eval or connection) fails the test that caused it.
  const cspViolations: string[] = [];
  await context.exposeBinding('__reportCspViolation', ({ page }, text: string) => {
    cspViolations.push(`${page?.url() ?? ''}: ${text}`);
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const report = (window as unknown as { __reportCspViolation: (text: string) => void }).__reportCspViolation;
      void report(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  context.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(`${message.location().url}: ${message.text()}`);
  });
  return {
    context,
    cspViolations,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export const ARTIFACTS = path.join(REPO, 'tests/artifacts');

/* ------------------------------------------------------------------ API helpers for browser tests */

/** A password that fits the rules for every demo account (≥8, 3 classes, no account name). */
export const NEW_PASSWORD = 'Lfxj#Browser2026';

/** A small but real PDF (the backend recognises files by their content). */
export const pdf = (text: string): Buffer =>
  Buffer.from(`%PDF-1.4\n% ${text}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n`);

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  mustChangePassword: boolean;
}

/** Calls the platform's API over HTTP as a logged-in user: to set up a case faster than through the UI. */
export class ApiClient {
  constructor(readonly baseUrl: string, readonly tokens: Tokens) {}

  static async login(baseUrl: string, username: string, password: string): Promise<ApiClient> {
    const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }),
    });
    if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
    return new ApiClient(baseUrl, (await res.json()) as Tokens);
  }

  /** Logs in with the printed temporary password and sets NEW_PASSWORD (or logs in with NEW_PASSWORD if that was done). */
  static async ready(platform: Platform, username: string): Promise<ApiClient> {
    const temporary = platform.demo.get(username);
    if (!temporary) throw new Error(`no demo account ${username}`);
    const first = await ApiClient.login(platform.baseUrl, username, temporary).catch(() => null);
    if (!first) return ApiClient.login(platform.baseUrl, username, NEW_PASSWORD);
    if (!first.tokens.mustChangePassword) return first;
    const changed = await first.call<Tokens>('POST', '/auth/password', { oldPassword: temporary, newPassword: NEW_PASSWORD });
    return new ApiClient(platform.baseUrl, changed);
  }

  async call<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${this.tokens.accessToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status < 200 || res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }

  async upload(caseId: number, docType: string, files: Array<[string, Buffer]>): Promise<number[]> {
    const form = new FormData();
    for (const [name, data] of files) form.append('file', new Blob([new Uint8Array(data)], { type: 'application/pdf' }), name);
    const res = await fetch(`${this.baseUrl}/api/v1/cases/${caseId}/documents?docType=${docType}`, {
      method: 'POST', headers: { authorization: `Bearer ${this.tokens.accessToken}` }, body: form,
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`upload ${docType}: ${res.status} ${text}`);
    return (JSON.parse(text) as Array<{ id: number }>).map((d) => d.id);
  }

  /** Uploads one PDF per document type the step requires, then takes the step with the case's current version. */
  async step(caseId: number, transition: string, docTypes: string[] = [], extra: Record<string, unknown> = {}) {
    const documentIds: number[] = [];
    for (const type of docTypes) documentIds.push(...(await this.upload(caseId, type, [[`${type}.pdf`, pdf(`${transition} ${type}`)]])));
    const { version } = await this.call<{ version: number }>('GET', `/cases/${caseId}`);
    return this.call<{ state: string; version: number }>('POST', `/cases/${caseId}/actions`, { transition, version, documentIds, ...extra });
  }
}

/**
 * One running platform and one browser for a test file: started before its tests, stopped after.
 * Read `run.platform` and `run.browser` inside tests (they are set once `beforeAll` has run).
 */
export function usePlatformAndBrowser() {
  const run = {} as { platform: Platform; browser: Browser };
  beforeAll(async () => {
    run.platform = await startPlatform();
    run.browser = await openBrowser();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
  });
  afterEach(() => {
    const violations = run.browser?.cspViolations.splice(0) ?? [];
    if (violations.length) throw new Error(`Content-Security-Policy 违规：\n${violations.join('\n')}`);
  });
  afterAll(async () => {
    await run.browser?.close();
    await run.platform?.stop();
  });
  return run;
}

/** A screenshot into tests/artifacts/ (not committed), to look at what the page shows a person. */
export function screenshot(page: Page, name: string, fullPage = true) {
  return page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage });
}
