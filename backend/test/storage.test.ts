/** The storage layer on its own: local disk, OSS against a checking stand-in, file-type sniffing. No app boot. */
import { createHash, createHmac } from 'crypto';
import { promises as fs } from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { deflateSync } from 'zlib';
import { AppError } from '../src/common/app-error';
import {
  assertAllowedDocument, assertSafeKey, detectFileType, isSafeKey, LocalStorage, newCaseDocumentKey, OssStorage, sha256Hex,
} from '../src/modules/documents/storage';
import { ossStringToSign, startFakeOss, type FakeOss } from './support-oss-server';

// ---- building real minimal files ----

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([len, typed, crc]);
}

/** A valid 1×1 white RGB PNG. */
function png1x1(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.from([0, 255, 255, 255]))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n' +
  'trailer<</Root 1 0 R>>\n%%EOF\n',
  'latin1',
);

/** JFIF APP0 header, a comment, end of image: enough for any reader to call it a JPEG. */
const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0', 'latin1'),
  Buffer.from([0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]),
  Buffer.from([0xff, 0xfe, 0x00, 0x06]), Buffer.from('test', 'latin1'),
  Buffer.from([0xff, 0xd9]),
]);

/** A stored (uncompressed) ZIP with local headers, central directory and end record. */
function zip(entries: Array<{ name: string; data: string | Buffer }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const data = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += 30 + name.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const CONTENT_TYPES = '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
  '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ' +
  'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>';
const docxEntries = [
  { name: '[Content_Types].xml', data: CONTENT_TYPES },
  { name: '_rels/.rels', data: '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>' },
  { name: 'word/document.xml', data: '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>移送书</w:t></w:r></w:p></w:body></w:document>' },
];
const DOCX = zip(docxEntries);

/** DOS header pointing at a PE header: what any Windows .exe starts with. */
function peExecutable(): Buffer {
  const buf = Buffer.alloc(0x80);
  buf.write('MZ', 0, 'latin1');
  buf.writeUInt32LE(0x40, 0x3c);
  buf.write('PE\0\0', 0x40, 'latin1');
  buf.writeUInt16LE(0x014c, 0x44); // i386
  return buf;
}

const ELF = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(56)]);

function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected a refusal');
}

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

// ---- keys ----

describe('storage keys', () => {
  test('are made of the case id, the Shanghai year and a uuid, never a file name', () => {
    const key = newCaseDocumentKey(42, { ext: 'pdf', now: new Date('2024-12-31T16:30:00Z') });
    expect(key).toMatch(/^cases\/42\/2025\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.pdf$/);
    expect(newCaseDocumentKey(42)).not.toBe(newCaseDocumentKey(42));
    expect(refusal(() => newCaseDocumentKey('../1')).code).toBe('VALIDATION_FAILED');
    expect(refusal(() => newCaseDocumentKey(1, { ext: 'p/df' })).code).toBe('VALIDATION_FAILED');
  });

  test('unsafe keys are refused', () => {
    for (const bad of ['', '../x', 'cases/../x', 'a..b', '/etc/passwd', 'cases\\x', 'cases/a b', 'cases/移送书.pdf', 'cases//x', 'cases/./x', 'cases/x/', 'x'.repeat(513)]) {
      expect(isSafeKey(bad)).toBe(false);
      expect(refusal(() => assertSafeKey(bad)).status).toBe(400);
    }
    expect(assertSafeKey('cases/1/2025/a_b-c.pdf')).toBe('cases/1/2025/a_b-c.pdf');
  });
});

// ---- local disk ----

describe('LocalStorage', () => {
  let base: string;
  let root: string;
  let store: LocalStorage;
  beforeAll(async () => {
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'lfxj-storage-'));
    root = path.join(base, 'root');
    store = new LocalStorage(root);
  });
  afterAll(() => fs.rm(base, { recursive: true, force: true }));

  test('round-trips bytes atomically, creating folders and leaving no temp file', async () => {
    const key = newCaseDocumentKey(7, { ext: 'pdf' });
    expect(await store.exists(key)).toBe(false);
    await store.put(key, PDF, 'application/pdf');
    expect(await store.exists(key)).toBe(true);
    expect((await store.get(key)).equals(PDF)).toBe(true);
    const dir = path.dirname(path.join(root, key));
    expect(await fs.readdir(dir)).toEqual([path.basename(key)]);

    await store.put(key, JPEG, 'image/jpeg');
    expect((await store.get(key)).equals(JPEG)).toBe(true);
    expect(await fs.readdir(dir)).toHaveLength(1);
  });

  test('refuses keys that would leave the root, before touching the disk', async () => {
    for (const bad of ['../escaped', 'cases/../../escaped', '/tmp/escaped', 'cases\\..\\escaped']) {
      const err = await rejection(store.put(bad, PDF, 'application/pdf'));
      expect(err.code).toBe('VALIDATION_FAILED');
      expect((await rejection(store.get(bad))).code).toBe('VALIDATION_FAILED');
    }
    for (const dir of [base, root, path.dirname(base)]) expect(await fs.readdir(dir)).not.toContain('escaped');
  });

  test('refuses to write through a symlink that points outside the root', async () => {
    const outside = path.join(base, 'outside');
    await fs.mkdir(outside);
    await fs.mkdir(path.join(root, 'cases'), { recursive: true });
    await fs.symlink(outside, path.join(root, 'cases', 'link'));
    const err = await rejection(store.put('cases/link/x.pdf', PDF, 'application/pdf'));
    expect(err.message).toContain('超出存储目录');
    expect(await fs.readdir(outside)).toEqual([]);
  });

  test('a missing file is NOT_FOUND (文件不存在)', async () => {
    const err = await rejection(store.get('cases/7/2025/missing.pdf'));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.status).toBe(404);
    expect(err.message).toBe('文件不存在');
    expect(await store.exists('cases/7/2025/missing.pdf')).toBe(false);
    expect((await rejection(new LocalStorage(path.join(base, 'never-created')).get('a/b'))).code).toBe('NOT_FOUND');
  });
});

// ---- sniffing ----

describe('file type sniffing', () => {
  test('real PDF, PNG, JPEG, DOCX and UTF-8 text are accepted with the right type', () => {
    expect(assertAllowedDocument(PDF, '移送书.pdf')).toMatchObject({ mime: 'application/pdf', ext: 'pdf' });
    expect(assertAllowedDocument(png1x1(), '现场照片.png')).toMatchObject({ mime: 'image/png', ext: 'png' });
    expect(assertAllowedDocument(JPEG, 'IMG_0001.JPG')).toMatchObject({ mime: 'image/jpeg', ext: 'jpg' });
    expect(assertAllowedDocument(DOCX, '调查报告.docx')).toMatchObject({
      mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', ext: 'docx',
    });
    expect(assertAllowedDocument(Buffer.from('涉案物品清单\n1. 假冒白酒 20 箱\r\n', 'utf8'), '清单.txt')).toMatchObject({ mime: 'text/plain', ext: 'txt' });
  });

  test('the name does not decide the type', () => {
    expect(assertAllowedDocument(PDF, 'photo.jpg').mime).toBe('application/pdf');
    expect(detectFileType(zip([{ name: 'OFD.xml', data: '<ofd:OFD/>' }, { name: 'Doc_0/Document.xml', data: '<x/>' }]))?.mime).toBe('application/ofd');
    expect(detectFileType(zip([{ name: '[Content_Types].xml', data: CONTENT_TYPES }, { name: 'xl/workbook.xml', data: '<x/>' }]))?.ext).toBe('xlsx');
    expect(detectFileType(Buffer.from('#!AMR\n\x3c\x91', 'latin1'))?.mime).toBe('audio/amr');
    const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypmp42\0\0\0\0isommp42', 'latin1')]);
    expect(detectFileType(mp4)?.mime).toBe('video/mp4');
    const ole = Buffer.alloc(2048);
    Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(ole);
    Buffer.from('WordDocument', 'utf16le').copy(ole, 1024);
    expect(detectFileType(ole)?.ext).toBe('doc');
  });

  test('an MZ executable renamed to .pdf is refused, naming the file', () => {
    const err = refusal(() => assertAllowedDocument(peExecutable(), '移送书.pdf'));
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.status).toBe(400);
    expect(err.message).toBe('文件“移送书.pdf”的实际类型为Windows 可执行程序，不允许上传');
    expect(err.details).toMatchObject({ fields: [{ field: 'file' }], detected: { ext: 'exe' } });
  });

  test('ELF, shebang scripts, Java classes, Mach-O and other code are refused', () => {
    expect(refusal(() => assertAllowedDocument(ELF, 'scan.jpg')).message).toContain('Linux 可执行程序');
    expect(refusal(() => assertAllowedDocument(Buffer.from('#!/bin/sh\nrm -rf /\n'), '说明.txt')).message)
      .toBe('文件“说明.txt”的实际类型为脚本程序（以 #! 开头），不允许上传');
    expect(refusal(() => assertAllowedDocument(Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52]), 'a.pdf')).message).toContain('Java');
    expect(refusal(() => assertAllowedDocument(Buffer.from([0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1]), 'a.pdf')).message).toContain('macOS 可执行程序');
    // A “report” that is a zip carrying a program, and one carrying a script under a folder.
    expect(refusal(() => assertAllowedDocument(zip([...docxEntries, { name: 'word/setup.exe', data: 'MZ' }]), '报告.docx')).message)
      .toContain('内含可执行程序或脚本的压缩包');
    expect(refusal(() => assertAllowedDocument(zip([{ name: 'docs/run.js', data: 'x()' }]), 'a.zip')).message).toContain('内含可执行程序');
    expect(refusal(() => assertAllowedDocument(zip([...docxEntries, { name: 'word/vbaProject.bin', data: 'x' }]), '报告.docx')).message)
      .toContain('含宏');
    expect(refusal(() => assertAllowedDocument(zip([{ name: 'a.pdf', data: PDF }]), '材料.zip')).message).toContain('请解压后逐个上传');
    expect(refusal(() => assertAllowedDocument(Buffer.from('<!DOCTYPE html><script>alert(1)</script>'), 'a.txt')).message).toContain('网页');
    expect(refusal(() => assertAllowedDocument(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>'), 'a.png')).message).toContain('SVG');
    // Harmless text under a name Windows would run.
    expect(refusal(() => assertAllowedDocument(Buffer.from('echo hi'), 'run.bat')).message).toContain('“.bat”');
    expect(refusal(() => assertAllowedDocument(Buffer.from('echo hi'), 'run.exe. ')).message).toContain('“.exe”');
  });

  test('empty and unrecognisable files are refused', () => {
    expect(refusal(() => assertAllowedDocument(Buffer.alloc(0), '空.pdf')).message).toBe('文件“空.pdf”是空文件，不允许上传');
    const gbk = Buffer.from([0xd2, 0xc6, 0xcb, 0xcd, 0xca, 0xe9]); // “移送书” in GBK: not UTF-8
    expect(refusal(() => assertAllowedDocument(gbk, '移送书.txt')).message).toContain('无法识别文件“移送书.txt”的实际类型');
    expect(refusal(() => assertAllowedDocument(Buffer.from([1, 2, 3, 0, 5]), 'x.dat')).message).toContain('无法识别');
    // The name shown back is the last path part, without control characters.
    expect(refusal(() => assertAllowedDocument(ELF, 'C:\\Users\\a\\evil\u0007.pdf')).message).toContain('“evil.pdf”');
  });

  test('sha256Hex', () => {
    expect(sha256Hex(Buffer.from('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

// ---- OSS against the stand-in ----

describe('OssStorage against a checking OSS stand-in', () => {
  const ID = 'LTAI5tTestAccessKey';
  const SECRET = 'test-secret-3f9a';
  const BUCKET = 'lfxj-test';
  let oss: FakeOss;
  const driver = (secret = SECRET): OssStorage =>
    new OssStorage({ region: 'oss-cn-shenzhen', bucket: BUCKET, accessKeyId: ID, accessKeySecret: secret, endpoint: oss.url, secure: false, prefix: 'lfxj' });

  beforeAll(async () => {
    oss = await startFakeOss({ bucket: BUCKET, accessKeyId: ID, accessKeySecret: SECRET });
  });
  afterAll(() => oss.close());

  test('put then get returns the same bytes; the request was signed, MD5-checked and addressed to the bucket', async () => {
    const store = driver();
    const key = newCaseDocumentKey(42, { ext: 'png' });
    const body = png1x1();
    await store.put(key, body, 'image/png');

    const put = oss.requests.at(-1)!;
    expect(put).toMatchObject({ method: 'PUT', status: 200, host: `${BUCKET}.oss-cn-shenzhen.aliyuncs.com`, url: `/lfxj/${key}` });
    expect(put.headers.authorization).toMatch(new RegExp(`^OSS ${ID}:[A-Za-z0-9+/]+=*$`));
    expect(put.headers['content-md5']).toBeDefined();
    expect(put.headers['content-type']).toBe('image/png');
    expect(oss.objects.get(`lfxj/${key}`)).toMatchObject({ contentType: 'image/png' });

    const back = await store.get(key);
    expect(back.equals(body)).toBe(true);
    expect(sha256Hex(back)).toBe(sha256Hex(body));
    expect(await store.exists(key)).toBe(true);
    expect(await store.exists('cases/42/2025/missing')).toBe(false);
    const missing = await rejection(store.get('cases/42/2025/missing'));
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toBe('文件不存在');
    expect((await rejection(store.put('../x', body, 'image/png'))).code).toBe('VALIDATION_FAILED');
  });

  test('a client with a wrong secret is refused by the server and the driver surfaces it', async () => {
    const bad = driver('not-the-secret');
    const key = newCaseDocumentKey(42, { ext: 'pdf' });
    const before = oss.objects.size;

    const err = await rejection(bad.put(key, PDF, 'application/pdf'));
    expect(err.code).toBe('INTERNAL');
    expect(err.message).toBe('文件存储服务暂时不可用，请稍后重试');
    expect(err.details).toMatchObject({ driver: 'oss', op: 'put', ossCode: 'SignatureDoesNotMatch', ossStatus: 403 });
    expect(JSON.stringify(err.details)).not.toContain('not-the-secret');
    expect(oss.requests.at(-1)).toMatchObject({ method: 'PUT', status: 403, code: 'SignatureDoesNotMatch' });
    expect(oss.objects.size).toBe(before);

    // HEAD carries its error in x-oss-err; a refusal must not read as “not there”.
    expect((await rejection(bad.exists(key))).details).toMatchObject({ op: 'head', ossCode: 'SignatureDoesNotMatch' });
    expect((await rejection(bad.get(key))).details).toMatchObject({ op: 'get', ossStatus: 403 });
  });

  /** A PUT signed by hand (as ali-oss would), so the stand-in's own checks can be probed. */
  function signedPut(key: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; body: string }> {
    const all: Record<string, string> = { 'content-type': 'application/pdf', 'x-oss-date': new Date().toUTCString(), ...headers };
    const sig = createHmac('sha1', SECRET).update(ossStringToSign('PUT', all, `/${BUCKET}/${key}`)).digest('base64');
    const { hostname, port } = new URL(oss.url);
    return new Promise((resolve, reject) => {
      const req = http.request({
        hostname, port, method: 'PUT', path: `/${key}`,
        headers: { ...all, host: `${BUCKET}.oss-cn-shenzhen.aliyuncs.com`, authorization: `OSS ${ID}:${sig}`, 'content-length': String(body.length) },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  test('the stand-in checks Content-MD5 against the body, the date, and the bucket', async () => {
    const md5 = (b: Buffer): string => createHash('md5').update(b).digest('base64');
    expect((await signedPut('probe/ok', PDF, { 'content-md5': md5(PDF) })).status).toBe(200);
    const damaged = await signedPut('probe/damaged', PDF, { 'content-md5': md5(JPEG) });
    expect(damaged.status).toBe(400);
    expect(damaged.body).toContain('<Code>InvalidDigest</Code>');
    const stale = await signedPut('probe/stale', PDF, { 'x-oss-date': new Date(Date.now() - 20 * 60_000).toUTCString() });
    expect(stale.body).toContain('<Code>RequestTimeTooSkewed</Code>');
    // An x-oss-* header is part of what is signed: adding one after signing breaks the signature.
    const all = { 'content-type': 'application/pdf', 'x-oss-date': new Date().toUTCString() };
    expect(ossStringToSign('PUT', { ...all, 'x-oss-meta-a': '1' }, '/b/k')).not.toBe(ossStringToSign('PUT', all, '/b/k'));
    expect([...oss.objects.keys()].filter((k) => k.startsWith('probe/'))).toEqual(['probe/ok']);

    const otherBucket = new OssStorage({ region: 'oss-cn-shenzhen', bucket: 'someone-else', accessKeyId: ID, accessKeySecret: SECRET, endpoint: oss.url, secure: false });
    expect((await rejection(otherBucket.put('x', PDF, 'application/pdf'))).details).toMatchObject({ ossCode: 'NoSuchBucket', ossStatus: 404 });
  });

  test('the direct-upload policy decodes to the expected conditions and its signature verifies', () => {
    const store = driver();
    const key = newCaseDocumentKey(42, { ext: 'pdf' });
    const now = new Date('2025-03-01T08:00:00Z');
    const p = store.directUploadPolicy(key, { maxBytes: 1024, expiresInSeconds: 600, contentTypes: ['application/pdf'] }, now);

    expect(p).toMatchObject({ host: oss.url, key, accessKeyId: ID, maxBytes: 1024, expireAt: '2025-03-01T08:10:00.000Z' });
    const policy = JSON.parse(Buffer.from(p.policy, 'base64').toString('utf8')) as { expiration: string; conditions: unknown[] };
    expect(policy.expiration).toBe('2025-03-01T08:10:00.000Z');
    expect(policy.conditions).toEqual(expect.arrayContaining([
      { bucket: BUCKET },
      ['eq', '$key', `lfxj/${key}`],
      ['content-length-range', 1, 1024],
      ['in', '$content-type', ['application/pdf']],
      ['eq', '$x-oss-forbid-overwrite', 'true'],
    ]));
    expect(p.signature).toBe(createHmac('sha1', SECRET).update(p.policy).digest('base64'));
    expect(p.fields).toEqual({
      key: `lfxj/${key}`, success_action_status: '200', 'x-oss-forbid-overwrite': 'true', 'Content-Type': 'application/pdf',
      OSSAccessKeyId: ID, policy: p.policy, Signature: p.signature,
    });
    expect(refusal(() => store.directUploadPolicy(key, { maxBytes: 0, expiresInSeconds: 60 })).code).toBe('VALIDATION_FAILED');
    expect(refusal(() => store.directUploadPolicy(key, { maxBytes: 10, expiresInSeconds: 7 * 86400 })).code).toBe('VALIDATION_FAILED');
    // Without an endpoint the host is the bucket's public URL.
    expect(new OssStorage({ region: 'oss-cn-shenzhen', bucket: BUCKET, accessKeyId: ID, accessKeySecret: SECRET }).host)
      .toBe(`https://${BUCKET}.oss-cn-shenzhen.aliyuncs.com`);
  });

  /** What a phone does: the policy's fields, then the file last, posted to the bucket URL. */
  async function postForm(host: string, fields: Record<string, string>, file: Buffer, type = 'application/pdf'): Promise<{ status: number; body: string }> {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append('file', new Blob([file], { type }), 'upload.pdf');
    const res = await fetch(`${host}/`, { method: 'POST', body: form });
    return { status: res.status, body: await res.text() };
  }

  test('a phone can POST a file with the policy; the server enforces signature, key, size, type, expiry and no overwrite', async () => {
    const store = driver();
    const key = newCaseDocumentKey(42, { ext: 'pdf' });
    const p = store.directUploadPolicy(key, { maxBytes: 1024, expiresInSeconds: 600, contentTypes: ['application/pdf'] });

    const ok = await postForm(p.host, p.fields, PDF);
    expect(ok.status).toBe(200);
    expect(oss.objects.get(`lfxj/${key}`)).toMatchObject({ contentType: 'application/pdf' });
    // The backend then reads it back through the driver and checks the bytes itself.
    const uploaded = await store.get(key);
    expect(uploaded.equals(PDF)).toBe(true);
    expect(assertAllowedDocument(uploaded, 'upload.pdf').mime).toBe('application/pdf');

    // The same policy cannot replace the file we just checked.
    const again = await postForm(p.host, p.fields, peExecutable());
    expect(again.status).toBe(409);
    expect(again.body).toContain('<Code>FileAlreadyExists</Code>');
    expect((await store.get(key)).equals(PDF)).toBe(true);

    const key2 = newCaseDocumentKey(42, { ext: 'pdf' });
    const p2 = store.directUploadPolicy(key2, { maxBytes: 1024, expiresInSeconds: 600, contentTypes: ['application/pdf'] });

    const tooBig = await postForm(p2.host, p2.fields, Buffer.concat([PDF, Buffer.alloc(1025 - PDF.length, 0x20)]));
    expect(tooBig.status).toBe(400);
    expect(tooBig.body).toContain('<Code>EntityTooLarge</Code>');
    expect(oss.objects.has(`lfxj/${key2}`)).toBe(false);

    const otherKey = await postForm(p2.host, { ...p2.fields, key: 'lfxj/cases/99/2025/stolen.pdf' }, PDF);
    expect(otherKey.status).toBe(403);
    expect(otherKey.body).toContain('Policy Condition failed');
    expect(oss.objects.has('lfxj/cases/99/2025/stolen.pdf')).toBe(false);

    const wrongType = await postForm(p2.host, { ...p2.fields, 'Content-Type': 'text/html' }, PDF);
    expect(wrongType.status).toBe(403);

    const noOverwriteGuard = Object.fromEntries(Object.entries(p2.fields).filter(([k]) => k !== 'x-oss-forbid-overwrite'));
    expect((await postForm(p2.host, noOverwriteGuard, PDF)).status).toBe(403);

    const forged = await postForm(p2.host, { ...p2.fields, Signature: createHmac('sha1', 'guess').update(p2.policy).digest('base64') }, PDF);
    expect(forged.status).toBe(403);
    expect(forged.body).toContain('<Code>SignatureDoesNotMatch</Code>');

    const empty = await postForm(p2.host, p2.fields, Buffer.alloc(0));
    expect(empty.status).toBe(400);
    expect(empty.body).toContain('<Code>EntityTooSmall</Code>');

    const expired = store.directUploadPolicy(key2, { maxBytes: 1024, expiresInSeconds: 60 }, new Date(Date.now() - 120_000));
    const late = await postForm(expired.host, expired.fields, PDF);
    expect(late.status).toBe(403);
    expect(late.body).toContain('Policy expired');

    expect(oss.objects.has(`lfxj/${key2}`)).toBe(false);
    expect((await postForm(p2.host, p2.fields, PDF)).status).toBe(200);
  });
});
