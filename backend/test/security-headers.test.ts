import { createHash } from 'crypto';
import { API, ROLE_KEYS, type RouteDef, type TokenPair } from '@lfxj/contracts';
import { startApp, bearer, PASSWORD, type TestApp } from './support';
import { contentSecurityPolicy, TAB_BAR_LINK } from '../src/common/web.middleware';

/**
 * Issue 7, item 14: `Cache-Control: no-store` on every authenticated answer and on the login and
 * refresh answers (success or failure), a Content-Security-Policy on the API and on the apps.
 * The apps themselves are checked in a browser (tests/browser/security.test.ts): they must run
 * under the policy without a single violation.
 */
let t: TestApp;
let root: TokenPair;
const ROUTES = Object.values(API).flatMap((ops) => Object.values(ops) as RouteDef[]);

beforeAll(async () => {
  t = await startApp();
  await t.user('root', 'SZ-PT', [...ROLE_KEYS]);
  root = await t.login('root');
});
afterAll(() => t.stop());

type Res = { status: number; headers: Record<string, string> };
function expectNoStore(res: Res, what: string) {
  if (res.headers['cache-control'] !== 'no-store') throw new Error(`${what} (${res.status}): Cache-Control ${res.headers['cache-control']}`);
  if (res.headers['content-security-policy'] !== "default-src 'none'; frame-ancestors 'none'") throw new Error(`${what}: CSP ${res.headers['content-security-policy']}`);
}

test('every operation answers no-store, with a token or without, in success and in failure', async () => {
  for (const def of ROUTES) {
    const url = `/api/v1${def.path.replace(':id', '1').replace(':key', 'head_approval')}`;
    for (const token of [root, null]) {
      let req = t.http()[def.method](url);
      if (token) req = req.set(bearer(token));
      const res = await req.send(def.method === 'get' ? undefined : {});
      expectNoStore(res, `${def.operationId} ${token ? 'with' : 'without'} token`);
    }
  }
});

test('login and refresh answers are no-store, whatever they say', async () => {
  await t.user('alice', 'SZ-FT-SCJG', ['agency_officer']);
  const ok = await t.http().post('/api/v1/auth/login').send({ username: 'alice', password: PASSWORD });
  expect(ok.status).toBe(200);
  expectNoStore(ok, 'login ok');
  expectNoStore(await t.http().post('/api/v1/auth/login').send({ username: 'alice', password: 'Wrong#2026x' }), 'login failed');
  expectNoStore(await t.http().post('/api/v1/auth/login').set('Content-Type', 'application/json').send('{"bad'), 'login bad JSON');
  const refreshed = await t.http().post('/api/v1/auth/refresh').send({ refreshToken: ok.body.refreshToken });
  expect(refreshed.status).toBe(200);
  expectNoStore(refreshed, 'refresh ok');
  expectNoStore(await t.http().post('/api/v1/auth/refresh').send({ refreshToken: ok.body.refreshToken }), 'refresh reused');
});

test('unknown API routes and the OpenAPI document too', async () => {
  expectNoStore(await t.http().get('/api/v1/no-such-thing').set(bearer(root)), 'unknown route with token');
  expectNoStore(await t.http().get('/api/v1/no-such-thing'), 'unknown route');
  expectNoStore(await t.http().get('/api/v1/openapi.json'), 'openapi');
});

test('the apps\' policy: scripts from the platform and the page\'s own inline scripts by hash, never unsafe-inline or eval', () => {
  const inline = '!function(n){n.x=1}(window);';
  const html = `<html><head><script>${inline}</script><script defer src="/h5/js/app.js"></script><style>body{margin:0}</style></head></html>`;
  const csp = contentSecurityPolicy(html);
  const directives = Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
  const hash = `'sha256-${createHash('sha256').update(inline).digest('base64')}'`;
  expect(directives['script-src']).toEqual(["'self'", hash, ...TAB_BAR_LINK]);
  // The tab bar's allowance is the hash of the one empty javascript: URL, nothing broader.
  expect(TAB_BAR_LINK).toEqual(["'unsafe-hashes'", `'sha256-${createHash('sha256').update('javascript:;').digest('base64')}'`]);
  expect(directives['default-src']).toEqual(["'self'"]);
  expect(directives['object-src']).toEqual(["'none'"]);
  expect(directives['frame-ancestors']).toEqual(["'none'"]);
  expect(directives['connect-src']).toEqual(["'self'"]);
  expect(csp).not.toContain('unsafe-eval');
  expect(contentSecurityPolicy('<html><script src="/a.js"></script></html>')).toContain(`script-src 'self' ${TAB_BAR_LINK.join(' ')};`);
});
