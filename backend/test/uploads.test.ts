import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { createHash } from 'crypto';
import type { TokenPair } from '@lfxj/contracts';
import { startApp, bearer, type TestApp } from './support';
import { caseClient, pdf } from './cases.support';

/**
 * Uploads are streamed to storage before the request's transaction opens: a slow phone on a bad
 * network holds no transaction (on SQLite, no other write of the platform waits for it), and
 * what a failed request stored is removed again.
 */
let t: TestApp;
let c: ReturnType<typeof caseClient>;
let agency: TokenPair;
let server: http.Server;
let port = 0;
let storageDir = '';

beforeAll(async () => {
  // A small limit, so that the limit can be crossed cheaply.
  t = await startApp({ UPLOAD_MAX_MB: '1' });
  storageDir = process.env.STORAGE_DIR!;
  c = caseClient(t);
  await t.user('u.agency', 'SZ-FT-SCJG', ['agency_officer']);
  agency = await t.login('u.agency');
  // A real socket, so that the test can send a body slowly.
  server = http.createServer(t.app.callback());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await t.stop();
});

const storedFiles = () => {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
      if (e.isDirectory()) walk(path.join(dir, e.name));
      else if (!e.name.startsWith('.')) out.push(path.join(dir, e.name));
    }
  };
  walk(path.join(storageDir, 'cases'));
  return out;
};

/** Start a multipart upload and send only its first part; `finish` sends the rest. */
function slowUpload(caseId: number, body: Buffer) {
  const boundary = '----lfxj-slow-upload';
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.pdf"\r\nContent-Type: application/pdf\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const req = http.request({
    host: '127.0.0.1', port, method: 'POST', path: `/api/v1/cases/${caseId}/documents?docType=other`,
    headers: { ...bearer(agency), 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': head.length + body.length + tail.length },
  });
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
  });
  const half = Math.floor(body.length / 2);
  req.write(Buffer.concat([head, body.subarray(0, half)]));
  return { answer, finish: () => req.end(Buffer.concat([body.subarray(half), tail])) };
}

test('while a slow upload is on its way, other officers’ writes go through at once', async () => {
  const created = await c.create(agency, 'UP-SLOW-1');
  const body = Buffer.concat([pdf('slow upload'), Buffer.alloc(600 * 1024, 0x20)]);
  const upload = slowUpload(created.id, body);
  await new Promise((r) => setTimeout(r, 300));
  // The upload has started and waits for the rest of its body. A write must not wait for it.
  let settled = false;
  void upload.answer.then(() => (settled = true));
  const other = await Promise.race([c.create(agency, 'UP-SLOW-2'), new Promise<null>((r) => setTimeout(() => r(null), 3000))]);
  const uploadStillOpen = !settled;
  upload.finish();
  expect(other).not.toBeNull();
  expect(uploadStillOpen).toBe(true);
  const done = await upload.answer;
  expect(done.status).toBe(200);
  const [doc] = JSON.parse(done.body) as Array<{ sha256: string; size: number }>;
  expect(doc.sha256).toBe(createHash('sha256').update(body).digest('hex'));
  expect(doc.size).toBe(body.length);
}, 30_000);

test('a batch with one refused file stores none of its files', async () => {
  const created = await c.create(agency, 'UP-REFUSED-1');
  const before = storedFiles().length;
  const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 0x90)]);
  const res = await t.http().post(`/api/v1/cases/${created.id}/documents?docType=other`).set(bearer(agency))
    .attach('file', pdf('good one'), '好的.pdf').attach('file', exe, '移送书.pdf').attach('file', pdf('another'), '另一份.pdf');
  expect(res.status).toBe(400);
  expect(res.body.message).toContain('可执行');
  expect(storedFiles().length).toBe(before);
  expect((await c.get(agency, created.id)).body.drafts).toHaveLength(0);
});

test('a file over the size limit is refused and nothing of it stays on disk', async () => {
  const created = await c.create(agency, 'UP-BIG-1');
  const before = storedFiles().length;
  const big = Buffer.concat([pdf('big'), Buffer.alloc(1048576 + 10, 0x20)]);
  const res = await t.http().post(`/api/v1/cases/${created.id}/documents?docType=other`).set(bearer(agency))
    .attach('file', pdf('fits'), '小文件.pdf').attach('file', big, '大文件.pdf');
  expect(res.status).toBe(413);
  expect(res.body.message).toContain('1 MB');
  expect(storedFiles().length).toBe(before);
  // Nothing half-written is left in the staging folder either.
  expect(fs.readdirSync(path.join(storageDir, '.staging'))).toEqual([]);
});

test('two replacements of one document at once: one is kept, the other’s stored file is removed', async () => {
  const created = await c.create(agency, 'UP-REPLACE-1');
  const [first] = await c.upload(agency, created.id, 'other', [['说明.pdf', pdf('v1')]]);
  const before = storedFiles().length;
  const replace = (n: number) => t.http().post(`/api/v1/cases/${created.id}/documents?docType=other&replacesId=${first}`).set(bearer(agency))
    .attach('file', pdf(`v2-${n}`), `说明（修订${n}）.pdf`);
  const answers = await Promise.all([replace(1), replace(2), replace(3)]);
  const ok = answers.filter((a) => a.status === 200);
  expect(ok).toHaveLength(1);
  for (const a of answers.filter((x) => x.status !== 200)) expect([404, 409]).toContain(a.status);
  expect(storedFiles().length).toBe(before + 1);
  const docs = (await c.get(agency, created.id)).body.drafts;
  expect(docs.map((d: { version: number }) => d.version)).toEqual([2]);
});
