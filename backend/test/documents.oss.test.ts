import type { TokenPair } from '@lfxj/contracts';
import { startApp, bearer, type TestApp } from './support';
import { startFakeOss, type FakeOss } from './support-oss-server';
import { caseClient, pdf, sha256 } from './cases.support';

/**
 * The platform with STORAGE_DRIVER=oss: the real ali-oss SDK talks to a local stand-in for
 * OSS that checks every signature; phones upload straight to it with a signed policy.
 */
let oss: FakeOss;
let t: TestApp;
let c: ReturnType<typeof caseClient>;
let agency: TokenPair;
const BUCKET = 'lfxj-test';

beforeAll(async () => {
  oss = await startFakeOss({ bucket: BUCKET, accessKeyId: 'LTAItestkey', accessKeySecret: 'test-secret-0123456789' });
  t = await startApp({
    STORAGE_DRIVER: 'oss', OSS_REGION: 'oss-cn-shenzhen', OSS_BUCKET: BUCKET, OSS_ACCESS_KEY_ID: 'LTAItestkey',
    OSS_ACCESS_KEY_SECRET: 'test-secret-0123456789', OSS_ENDPOINT: oss.url, OSS_SECURE: 'false', OSS_PREFIX: 'lfxj',
  });
  c = caseClient(t);
  await t.user('ft.officer', 'SZ-FT-SCJG', ['agency_officer']);
  agency = await t.login('ft.officer');
});
afterAll(async () => {
  await t.stop();
  await oss.close();
  for (const k of ['STORAGE_DRIVER', 'OSS_REGION', 'OSS_BUCKET', 'OSS_ACCESS_KEY_ID', 'OSS_ACCESS_KEY_SECRET', 'OSS_ENDPOINT', 'OSS_SECURE', 'OSS_PREFIX']) delete process.env[k];
});

test('uploads through the API land in OSS, signed, and come back with the same checksum', async () => {
  const created = await c.create(agency, 'OSS-001');
  const file = pdf('oss upload');
  const [id] = await c.upload(agency, created.id, 'transfer_report', [['报告.pdf', file]]);
  const stored = [...oss.objects.entries()].find(([, o]) => sha256(o.body) === sha256(file));
  expect(stored?.[0]).toMatch(new RegExp(`^lfxj/cases/${created.id}/\\d{4}/[0-9a-f-]{36}\\.pdf$`));
  expect(oss.requests.some((r) => r.method === 'PUT' && r.status === 200 && String(r.headers.authorization).startsWith('OSS LTAItestkey:'))).toBe(true);
  const download = await t.http().get(`/api/v1/documents/${id}/content`).set(bearer(agency)).buffer(true).parse((r, cb) => {
    const chunks: Buffer[] = [];
    r.on('data', (d: Buffer) => chunks.push(d));
    r.on('end', () => cb(null, Buffer.concat(chunks)));
  });
  expect(sha256(download.body as Buffer)).toBe(sha256(file));
});

test('a phone uploads straight to OSS with a signed policy, then registers the file', async () => {
  const created = await c.create(agency, 'OSS-002');
  const policy = await t.http().post(`/api/v1/cases/${created.id}/documents/upload-policy`).set(bearer(agency)).send({ docType: 'photo' });
  expect(policy.status).toBe(200);
  const file = pdf('from the phone');
  const form = new FormData();
  for (const [k, v] of Object.entries(policy.body.fields as Record<string, string>)) form.append(k, v);
  form.append('file', new Blob([file]), 'photo.pdf');
  const posted = await fetch(oss.url, { method: 'POST', body: form });
  expect(posted.status).toBe(200);

  const registered = await t.http().post(`/api/v1/cases/${created.id}/documents/register`).set(bearer(agency))
    .send({ key: policy.body.key, docType: 'photo', fileName: '现场照片.pdf' });
  expect(registered.status).toBe(200);
  expect(registered.body[0]).toMatchObject({ sha256: sha256(file), mime: 'application/pdf', docType: 'photo' });
  const again = await t.http().post(`/api/v1/cases/${created.id}/documents/register`).set(bearer(agency))
    .send({ key: policy.body.key, docType: 'photo', fileName: '现场照片.pdf' });
  expect(again.status).toBe(409);
});

test('a directly uploaded executable is refused at registration; a key never uploaded is a 404', async () => {
  const created = await c.create(agency, 'OSS-003');
  const policy = (await t.http().post(`/api/v1/cases/${created.id}/documents/upload-policy`).set(bearer(agency)).send({ docType: 'other' })).body;
  const form = new FormData();
  for (const [k, v] of Object.entries(policy.fields as Record<string, string>)) form.append(k, v);
  form.append('file', new Blob([Buffer.concat([Buffer.from('MZ'), Buffer.alloc(100)])]), 'x.pdf');
  expect((await fetch(oss.url, { method: 'POST', body: form })).status).toBe(200);
  const refused = await t.http().post(`/api/v1/cases/${created.id}/documents/register`).set(bearer(agency))
    .send({ key: policy.key, docType: 'other', fileName: '移送书.pdf' });
  expect(refused.status).toBe(400);
  expect(refused.body.message).toContain('可执行');
  const other = (await t.http().post(`/api/v1/cases/${created.id}/documents/upload-policy`).set(bearer(agency)).send({ docType: 'other' })).body;
  const missing = await t.http().post(`/api/v1/cases/${created.id}/documents/register`).set(bearer(agency))
    .send({ key: other.key, docType: 'other', fileName: 'a.pdf' });
  expect(missing.status).toBe(404);
  expect(missing.body.message).toContain('key');
});
