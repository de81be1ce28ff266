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

/** Every message an answer carried (top level and per field), to look for English that leaked through. */
const seen = new Map<string, string>();
function remember(where: string, body: { message?: unknown; details?: { fields?: Array<{ message?: unknown }> } }) {
  if (typeof body?.message === 'string') seen.set(body.message, where);
  for (const f of body?.details?.fields ?? []) if (typeof f.message === 'string') seen.set(f.message, where);
}

async function call(def: RouteDef, opts: { path?: string; query?: string; body?: unknown; raw?: string }) {
  const url = `/api/v1${opts.path ?? def.path.replace(/:id\b/g, '1')}${opts.query ?? ''}`;
  let req = t.http()[def.method](url).set(bearer(root));
  if (opts.raw !== undefined) req = req.set('Content-Type', 'application/json').send(opts.raw);
  else if (opts.body !== undefined) req = req.send(opts.body as object);
  const res = await req;
  remember(`${def.operationId} ${url.slice(0, 120)}`, res.body);
  return res;
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
      const res = await call(def, { body: { [key]: { nested: true } } });
      expectFieldError(res, key, `${def.operationId}.${key}`);
      // The field was there, only of the wrong type: the answer must not call it missing.
      const message = res.body.details.fields?.find((f: { field: string }) => f.field === key)?.message ?? res.body.message;
      if (/必填/.test(message)) throw new Error(`${def.operationId}.${key}: a present field called missing: ${message}`);
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
  // A body the parser cannot even decode: the answer is Chinese, not the parser's English.
  for (const [encoding, charset] of [['gzip', 'utf-8'], ['identity', 'klingon'], ['br', 'utf-8']]) {
    const broken = await t.http().post('/api/v1/auth/login').set('Content-Type', `application/json; charset=${charset}`)
      .set('Content-Encoding', encoding).send(Buffer.from('not gzip at all'));
    remember(`login with ${encoding} ${charset}`, broken.body);
    expect(broken.status).toBeGreaterThanOrEqual(400);
    expect(broken.status).toBeLessThan(500);
    expect(broken.body.message).toMatch(/[\u4e00-\u9fff]/);
  }
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
  remember('users.create', res.body);
  expect(res.status).toBe(400);
  const messages = res.body.details.fields.map((f: { message: string }) => f.message);
  expect(messages).toContain('姓名（displayName）为必填项');
  expect(messages).toContain('手机号（phone）为必填项');
});

/** The schema under optional / default wrappers, and the Chinese label it carries. */
function inner(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault) s = s.unwrap() as z.ZodType;
  return s;
}
const labelOf = (schema: z.ZodType) => schema.description ?? inner(schema).description;

/** A value a numeric path or query field accepts as a number (ids: 5; years: 2020), or null for other fields. */
function numericSample(schema: z.ZodType): number | null {
  for (const n of [5, 2020]) {
    const parsed = schema.safeParse(String(n));
    if (parsed.success && parsed.data === n) return n;
  }
  return null;
}

/** Ways of writing n that loose number parsing (Number(), z.coerce) reads as n, plus plain garbage. */
const looseForms = (n: number) => [`${n}.0`, `+${n}`, `0${n}`, `${n}e0`, `0x${n.toString(16)}`, `${n}abc`, ` ${n}`, `${n} `, `${n}.`, `-${n}`, ''];

test('ids and other whole numbers in paths and queries must be written plainly: 3.0, +3, 03, 3e0, 0x3, 3abc are refused', async () => {
  const before = await counts();
  let checked = 0;
  for (const def of ROUTES) {
    const body = def.method === 'get' ? undefined : {};
    for (const [where, shape] of [['path', def.params?.shape], ['query', def.query?.shape]] as const) {
      for (const [key, schema] of Object.entries((shape ?? {}) as Record<string, z.ZodType>)) {
        const n = numericSample(schema);
        if (n === null) continue;
        const label = labelOf(schema);
        expect(label).toMatch(/[\u4e00-\u9fff]/);
        for (const form of looseForms(n)) {
          if (where === 'path' && form === '') continue; // an empty segment is another route
          const res = where === 'path'
            ? await call(def, { path: def.path.replace(`:${key}`, encodeURIComponent(form)).replace(/:id\b/g, '1'), body })
            : await call(def, { query: `?${key}=${encodeURIComponent(form)}`, body });
          const what = `${def.operationId} ${where} ${key}=${JSON.stringify(form)}`;
          if (res.status !== 400 || res.body.code !== 'VALIDATION_FAILED') throw new Error(`${what}: expected 400, got ${res.status} ${JSON.stringify(res.body)}`);
          const field = (res.body.details.fields as Array<{ field: string; message: string }>).find((f) => f.field === key);
          if (!field?.message.startsWith(`${label}（${key}）`)) throw new Error(`${what}: field not named by its label: ${JSON.stringify(res.body)}`);
          checked++;
        }
      }
    }
  }
  expect(checked).toBeGreaterThan(300);
  expect(await counts()).toEqual(before);
});

test('an unknown choice lists the choices in Chinese', async () => {
  const res = await call(API.directory.succession, { body: { predecessorIds: [1], successorIds: [2], kind: '改名', date: '2020-01-01' } });
  expect(res.status).toBe(400);
  expect(res.body.details.fields).toContainEqual({ field: 'kind', message: '类型（kind）取值无效，可选值：合并、分立、划转' });
});

/**
 * Every message seen in this file is Chinese: none is plain ASCII, and none carries zod's (or
 * Koa's) English words. Field keys in （…） and quoted values are allowed.
 */
const ENGLISH = /\b(invalid|expected|received|option|required|unrecognized|too (big|small)|must|should|string|number|object|array|undefined|nan|null)\b/i;
test('no English leaks into any message', () => {
  expect(seen.size).toBeGreaterThan(100);
  const leaks = [...seen].filter(([message]) => {
    const prose = message.replace(/（[^）]*）/g, '').replace(/"[^"]*"/g, '');
    return !/[^\x20-\x7e]/.test(message) || ENGLISH.test(prose);
  });
  expect(leaks).toEqual([]);
});
