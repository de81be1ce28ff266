import { z } from 'zod';
import { API, ROLE_KEYS, type RouteDef, type TokenPair } from '@lfxj/contracts';
import { startApp, bearer, type TestApp } from './support';

/**
 * Every endpoint of the contract, fed bad input: unknown fields, wrong types, huge strings,
 * malformed JSON, bad path ids. Each answer is a 4xx in the one error shape naming the
 * field, and no business table changes.
 */
let t: TestApp;
let root: TokenPair;
const ROUTES = Object.values(API).flatMap((ops) => Object.values(ops) as RouteDef[]);
const TABLES = ['region', 'region_name', 'organisation', 'org_name', 'org_succession', 'region_routing', 'app_user', 'user_role',
  'password_history', 'org_contact', 'user_handover', 'legal_organ', 'regulation', 'regulation_issuer', 'regulation_article'];

beforeAll(async () => {
  t = await startApp();
  await t.user('root', 'SZ-PT', [...ROLE_KEYS]); // holds every role so that validation, not authorization, answers
  root = await t.login('root');
});
afterAll(() => t.stop());

const counts = async () => Promise.all(TABLES.map(async (table) => Number((await t.sql(`SELECT COUNT(*) AS n FROM ${table}`))[0].n)));

function call(def: RouteDef, opts: { path?: string; query?: string; body?: unknown; raw?: string }) {
  const url = `/api/v1${opts.path ?? def.path.replace(/:id\b/g, '1')}${opts.query ?? ''}`;
  let req = t.http()[def.method](url).set(bearer(root));
  if (opts.raw !== undefined) req = req.set('Content-Type', 'application/json').send(opts.raw);
  else if (opts.body !== undefined) req = req.send(opts.body as object);
  return req;
}

function expectFieldError(res: { status: number; body: { code: string; message: string; details: { fields?: Array<{ field: string }> } } }, field: string, label: string) {
  if (res.status < 400 || res.status >= 500) throw new Error(`${label}: expected 4xx, got ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  expect(Object.keys(res.body).sort()).toEqual(['code', 'details', 'message']);
  const fields = (res.body.details.fields ?? []).map((f) => f.field);
  if (!fields.includes(field)) throw new Error(`${label}: field ${field} not named in ${JSON.stringify(res.body)}`);
  expect(res.body.message).toMatch(/[\u4e00-\u9fff]/);
}

const bodyShape = (def: RouteDef): Record<string, z.ZodType> => (def.body as z.ZodObject | undefined)?.shape ?? {};

test('unknown fields are refused on every endpoint, in the body and in the query', async () => {
  const before = await counts();
  for (const def of ROUTES) {
    if (def.method === 'get') expectFieldError(await call(def, { query: '?zzUnknown=1' }), 'zzUnknown', `${def.operationId} query`);
    else expectFieldError(await call(def, { body: { zzUnknown: 1 } }), 'zzUnknown', `${def.operationId} body`);
  }
  expect(await counts()).toEqual(before);
});

test('wrong types are refused field by field', async () => {
  const before = await counts();
  for (const def of ROUTES) {
    for (const key of Object.keys(bodyShape(def))) {
      expectFieldError(await call(def, { body: { [key]: { nested: true } } }), key, `${def.operationId}.${key}`);
    }
    if (def.body) {
      const res = await call(def, { body: [1, 2, 3] });
      expect(res.status).toBe(400);
    }
  }
  expect(await counts()).toEqual(before);
});

test('huge strings are refused with the field named', async () => {
  const before = await counts();
  const huge = 'x'.repeat(2_100_000);
  for (const def of ROUTES) {
    for (const [key, schema] of Object.entries(bodyShape(def))) {
      const inner = schema instanceof z.ZodOptional ? schema.unwrap() : schema;
      if (!(inner instanceof z.ZodString)) continue;
      expectFieldError(await call(def, { body: { [key]: huge } }), key, `${def.operationId}.${key}`);
    }
    if (def.query) {
      for (const [key, schema] of Object.entries(def.query.shape as Record<string, z.ZodType>)) {
        const inner = schema instanceof z.ZodOptional ? schema.unwrap() : schema;
        if (!(inner instanceof z.ZodString)) continue;
        expectFieldError(await call(def, { query: `?${key}=${'y'.repeat(5000)}` }), key, `${def.operationId}?${key}`);
      }
    }
  }
  expect(await counts()).toEqual(before);
});

test('malformed JSON, non-JSON bodies and oversized bodies get a clean 4xx', async () => {
  for (const def of ROUTES.filter((d) => d.method !== 'get')) {
    const res = await call(def, { raw: '{"username": "a",' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('BAD_JSON');
  }
  const form = await t.http().post('/api/v1/auth/login').type('form').send('username=a&password=b');
  expect(form.status).toBeGreaterThanOrEqual(400);
  expect(form.status).toBeLessThan(500);
  const big = await t.http().post('/api/v1/auth/login').set('Content-Type', 'application/json').send(JSON.stringify({ username: 'a', password: 'x'.repeat(5_000_000) }));
  expect(big.status).toBe(413);
  expect(big.body.code).toBe('BODY_TOO_LARGE');
});

test('bad path ids and bad dates name the field', async () => {
  for (const def of ROUTES.filter((d) => d.path.includes(':id'))) {
    expectFieldError(await call(def, { path: def.path.replace(':id', 'abc'), body: def.method === 'get' ? undefined : {} }), 'id', `${def.operationId} id`);
  }
  expectFieldError(await t.http().get('/api/v1/regions?at=2016-02-30').set(bearer(root)), 'at', 'regions at');
  expectFieldError(await t.http().get('/api/v1/organisations?page=0').set(bearer(root)), 'page', 'organisations page');
  expectFieldError(await t.http().get('/api/v1/organisations?pageSize=1000').set(bearer(root)), 'pageSize', 'organisations pageSize');
});

test('missing required fields are named in Chinese', async () => {
  const res = await t.http().post('/api/v1/users').set(bearer(root)).send({ username: 'abc' });
  expect(res.status).toBe(400);
  const messages = res.body.details.fields.map((f: { message: string }) => f.message);
  expect(messages).toContain('姓名（displayName）为必填项');
  expect(messages).toContain('手机号（phone）为必填项');
});
