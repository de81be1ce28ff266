/**
 * A small stand-in for Aliyun OSS, for tests: one bucket held in memory, on 127.0.0.1 and a
 * random port. It checks what a client sends the way OSS does, so a test passing against it
 * means the request would be signed correctly for the real service:
 * - PUT/GET/HEAD/DELETE: the V1 `Authorization: OSS <AccessKeyId>:<Signature>` header, recomputed here
 *   from the secret; the bucket in the Host header; the date within 15 minutes; Content-MD5
 *   against the body; Content-Type present on PUT; `x-oss-forbid-overwrite`.
 * - POST (PostObject, a form straight from a phone): the policy's signature, expiration and
 *   every condition (bucket, eq / starts-with / in / not-in on fields, content-length-range).
 * Errors come back as OSS-style XML (`<Error><Code>…`), or in `x-oss-err` for HEAD.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'crypto';
import * as http from 'http';
import type { AddressInfo } from 'net';

export interface FakeOssOptions {
  bucket: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** Refuse bodies above this many bytes outright (default 20 MiB). */
  maxBodyBytes?: number;
}

export interface StoredObject {
  body: Buffer;
  contentType: string;
  etag: string;
  lastModified: Date;
}

export interface SeenRequest {
  method: string;
  url: string;
  host: string;
  headers: http.IncomingHttpHeaders;
  status: number;
  /** The OSS error code answered, if any. */
  code?: string;
}

export interface FakeOss {
  /** `http://127.0.0.1:<port>`: the endpoint to give ali-oss. */
  url: string;
  bucket: string;
  objects: Map<string, StoredObject>;
  requests: SeenRequest[];
  close(): Promise<void>;
}

class OssFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
  }
}

const MAX_SKEW_MS = 15 * 60 * 1000;
/** Query parameters that OSS signs as part of the resource (the ones a test could meet). */
const SUBRESOURCES = new Set(['acl', 'uploads', 'uploadId', 'partNumber', 'append', 'position', 'tagging', 'objectMeta', 'symlink', 'x-oss-process', 'security-token']);

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function errorXml(e: OssFailure, requestId: string): string {
  const extra = Object.entries(e.extra).map(([k, v]) => `  <${k}>${xmlEscape(v)}</${k}>\n`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>${e.code}</Code>\n  <Message>${xmlEscape(e.message)}</Message>\n` +
    `  <RequestId>${requestId}</RequestId>\n  <HostId>fake-oss.local</HostId>\n${extra}</Error>\n`;
}

function hmacSha1Base64(secret: string, text: string): string {
  return createHmac('sha1', secret).update(Buffer.from(text, 'utf8')).digest('base64');
}

function sameSecretString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      // Keep draining past the cap (without keeping it) so the error answer can still be sent.
      if (size <= max) chunks.push(c);
    });
    req.on('end', () => {
      if (size > max) reject(new OssFailure(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size.'));
      else resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

// ---- V1 header signature ----

/** VERB \n Content-MD5 \n Content-Type \n Date \n CanonicalizedOSSHeaders CanonicalizedResource */
export function ossStringToSign(method: string, headers: http.IncomingHttpHeaders, resource: string): string {
  const get = (n: string): string => {
    const v = headers[n];
    return (Array.isArray(v) ? v.join(',') : v) ?? '';
  };
  const ossHeaders = Object.keys(headers)
    .filter((k) => k.startsWith('x-oss-'))
    .sort()
    .map((k) => `${k}:${get(k).trim()}\n`)
    .join('');
  // ali-oss puts its date in x-oss-date and signs that value in the Date slot.
  const date = get('x-oss-date') || get('date');
  return `${method}\n${get('content-md5')}\n${get('content-type')}\n${date}\n${ossHeaders}${resource}`;
}

function canonicalResource(bucket: string, key: string, query: URLSearchParams): string {
  const sub = [...query.keys()].filter((k) => SUBRESOURCES.has(k)).sort()
    .map((k) => (query.get(k) ? `${k}=${query.get(k)}` : k));
  return `/${bucket}/${key}${sub.length ? `?${sub.join('&')}` : ''}`;
}

function verifyHeaderSignature(req: http.IncomingMessage, opts: FakeOssOptions, resource: string): void {
  const auth = header(req, 'authorization');
  const m = auth ? /^OSS ([^:\s]+):(\S+)$/.exec(auth) : null;
  if (!m) throw new OssFailure(403, 'AccessDenied', 'You have no right to access this object because of bucket acl.');
  const [, id, provided] = m;
  if (id !== opts.accessKeyId) {
    throw new OssFailure(403, 'InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.', { OSSAccessKeyId: id });
  }
  const dateText = header(req, 'x-oss-date') ?? header(req, 'date');
  const when = dateText ? Date.parse(dateText) : NaN;
  if (Number.isNaN(when)) throw new OssFailure(403, 'AccessDenied', 'OSS authentication requires a valid Date.');
  if (Math.abs(Date.now() - when) > MAX_SKEW_MS) {
    throw new OssFailure(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.');
  }
  const stringToSign = ossStringToSign(req.method ?? '', req.headers, resource);
  if (!sameSecretString(hmacSha1Base64(opts.accessKeySecret, stringToSign), provided)) {
    throw new OssFailure(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', {
      OSSAccessKeyId: id,
      SignatureProvided: provided,
      StringToSign: stringToSign,
    });
  }
}

// ---- PostObject ----

interface FormPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

function parseMultipart(body: Buffer, contentType: string): FormPart[] {
  const bm = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!bm) throw new OssFailure(400, 'InvalidArgument', 'The multipart boundary is missing.');
  const boundary = bm[1] ?? bm[2];
  const delimiter = Buffer.from(`--${boundary}`);
  const nextDelimiter = Buffer.from(`\r\n--${boundary}`);
  const malformed = new OssFailure(400, 'MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.');

  const parts: FormPart[] = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw malformed;
  pos += delimiter.length;
  for (;;) {
    if (body.toString('latin1', pos, pos + 2) === '--') return parts;
    if (body.toString('latin1', pos, pos + 2) !== '\r\n') throw malformed;
    const headerEnd = body.indexOf('\r\n\r\n', pos + 2);
    if (headerEnd < 0) throw malformed;
    const next = body.indexOf(nextDelimiter, headerEnd + 4);
    if (next < 0) throw malformed;
    const part: FormPart = { name: '', data: body.subarray(headerEnd + 4, next) };
    for (const line of body.toString('utf8', pos + 2, headerEnd).split('\r\n')) {
      const [k, ...rest] = line.split(':');
      const v = rest.join(':').trim();
      if (k.trim().toLowerCase() === 'content-disposition') {
        part.name = /\bname="([^"]*)"/i.exec(v)?.[1] ?? '';
        part.filename = /\bfilename="([^"]*)"/i.exec(v)?.[1];
      } else if (k.trim().toLowerCase() === 'content-type') {
        part.contentType = v;
      }
    }
    parts.push(part);
    pos = next + nextDelimiter.length;
  }
}

type Condition = Record<string, unknown> | unknown[];

function checkPolicy(fields: Map<string, string>, fileSize: number, opts: FakeOssOptions): void {
  const policyB64 = fields.get('policy');
  if (policyB64 === undefined) throw new OssFailure(403, 'AccessDenied', 'Anonymous access is forbidden for this operation.');
  const id = fields.get('ossaccesskeyid');
  const signature = fields.get('signature');
  if (!id || !signature) throw new OssFailure(400, 'InvalidArgument', 'OSSAccessKeyId and Signature are required with a policy.');
  if (id !== opts.accessKeyId) throw new OssFailure(403, 'InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.');
  if (!sameSecretString(hmacSha1Base64(opts.accessKeySecret, policyB64), signature)) {
    throw new OssFailure(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
  }

  let policy: { expiration?: unknown; conditions?: unknown };
  try {
    policy = JSON.parse(Buffer.from(policyB64, 'base64').toString('utf8')) as typeof policy;
  } catch {
    throw new OssFailure(400, 'InvalidPolicyDocument', 'Invalid Policy: Invalid JSON.');
  }
  const expires = typeof policy.expiration === 'string' ? Date.parse(policy.expiration) : NaN;
  if (Number.isNaN(expires)) throw new OssFailure(400, 'InvalidPolicyDocument', 'Invalid Policy: Invalid expiration.');
  if (Date.now() > expires) throw new OssFailure(403, 'AccessDenied', 'Invalid according to Policy: Policy expired.');
  if (!Array.isArray(policy.conditions)) throw new OssFailure(400, 'InvalidPolicyDocument', 'Invalid Policy: Missing conditions.');

  const valueOf = (ref: unknown): string => {
    if (typeof ref !== 'string' || !ref.startsWith('$')) throw new OssFailure(400, 'InvalidPolicyDocument', `Invalid Policy: bad field ${String(ref)}.`);
    const name = ref.slice(1).toLowerCase();
    return name === 'bucket' ? opts.bucket : fields.get(name) ?? '';
  };
  const failed = (c: Condition): OssFailure =>
    new OssFailure(403, 'AccessDenied', `Invalid according to Policy: Policy Condition failed: ${JSON.stringify(c)}`);

  for (const c of policy.conditions as Condition[]) {
    if (!Array.isArray(c)) {
      for (const [k, v] of Object.entries(c)) if (valueOf(`$${k}`) !== v) throw failed(c);
      continue;
    }
    const [op, a, b] = c;
    switch (String(op).toLowerCase()) {
      case 'content-length-range':
        if (typeof a !== 'number' || typeof b !== 'number') throw new OssFailure(400, 'InvalidPolicyDocument', 'Invalid Policy: bad content-length-range.');
        if (fileSize > b) throw new OssFailure(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size.', { MaxSizeAllowed: String(b), ProposedSize: String(fileSize) });
        if (fileSize < a) throw new OssFailure(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size.', { MinSizeAllowed: String(a), ProposedSize: String(fileSize) });
        break;
      case 'eq':
        if (valueOf(a) !== b) throw failed(c);
        break;
      case 'starts-with':
        if (typeof b !== 'string' || !valueOf(a).startsWith(b)) throw failed(c);
        break;
      case 'in':
        if (!Array.isArray(b) || !b.includes(valueOf(a))) throw failed(c);
        break;
      case 'not-in':
        if (!Array.isArray(b) || b.includes(valueOf(a))) throw failed(c);
        break;
      default:
        throw new OssFailure(400, 'InvalidPolicyDocument', `Invalid Policy: unknown condition ${JSON.stringify(c)}.`);
    }
  }
}

// ---- the server ----

export async function startFakeOss(opts: FakeOssOptions): Promise<FakeOss> {
  const objects = new Map<string, StoredObject>();
  const requests: SeenRequest[] = [];
  const maxBody = opts.maxBodyBytes ?? 20 * 1024 * 1024;

  const store = (key: string, body: Buffer, contentType: string, forbidOverwrite: boolean): string => {
    if (forbidOverwrite && objects.has(key)) throw new OssFailure(409, 'FileAlreadyExists', 'The object you specified already exists and can not be overwritten.');
    const etag = `"${createHash('md5').update(body).digest('hex').toUpperCase()}"`;
    objects.set(key, { body: Buffer.from(body), contentType, etag, lastModified: new Date() });
    return etag;
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const method = req.method ?? '';
    const url = new URL(req.url ?? '/', 'http://fake-oss.local');
    const hostName = (header(req, 'host') ?? '').replace(/:\d+$/, '');
    const body = await readBody(req, maxBody);

    // ali-oss, given an IP endpoint, connects there but names the bucket in Host
    // (`<bucket>.oss-<region>.aliyuncs.com`). A bare IP host (a browser form posted to the
    // endpoint) addresses the one bucket this stand-in serves.
    const vhost = /^([a-z0-9][a-z0-9-]{1,61}[a-z0-9])\.oss-[a-z0-9-]+\.aliyuncs\.com$/.exec(hostName);
    const bucket = vhost ? vhost[1] : opts.bucket;
    if (bucket !== opts.bucket) throw new OssFailure(404, 'NoSuchBucket', 'The specified bucket does not exist.', { BucketName: bucket });

    if (method === 'POST' && url.pathname === '/' && /^multipart\/form-data/i.test(header(req, 'content-type') ?? '')) {
      const parts = parseMultipart(body, header(req, 'content-type') ?? '');
      const fileIndex = parts.findIndex((p) => p.name.toLowerCase() === 'file');
      if (fileIndex < 0) throw new OssFailure(400, 'InvalidArgument', 'The file field is missing.');
      // As OSS does: field names are case-insensitive, and fields after the file are ignored.
      const fields = new Map(parts.slice(0, fileIndex).map((p) => [p.name.toLowerCase(), p.data.toString('utf8')] as const));
      const file = parts[fileIndex];
      checkPolicy(fields, file.data.length, opts);
      const key = fields.get('key');
      if (!key) throw new OssFailure(400, 'InvalidArgument', 'The key field is missing.');
      const etag = store(key, file.data, fields.get('content-type') ?? file.contentType ?? 'application/octet-stream', fields.get('x-oss-forbid-overwrite') === 'true');
      const status = Number(fields.get('success_action_status') ?? '204');
      res.setHeader('ETag', etag);
      if (status === 200 || status === 201) {
        res.statusCode = status;
        if (status === 201) {
          res.setHeader('Content-Type', 'application/xml');
          res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse><Bucket>${bucket}</Bucket><Key>${xmlEscape(key)}</Key><ETag>${etag}</ETag></PostResponse>`);
          return;
        }
      } else {
        res.statusCode = 204;
      }
      res.end();
      return;
    }

    const key = decodeURIComponent(url.pathname.slice(1));
    if (!key) throw new OssFailure(400, 'InvalidObjectName', 'The object name is missing.');
    verifyHeaderSignature(req, opts, canonicalResource(bucket, key, url.searchParams));

    const md5 = header(req, 'content-md5');
    if (md5 !== undefined && md5 !== createHash('md5').update(body).digest('base64')) {
      throw new OssFailure(400, 'InvalidDigest', 'The Content-MD5 you specified is not valid.');
    }

    if (method === 'PUT') {
      const contentType = header(req, 'content-type');
      if (!contentType) throw new OssFailure(400, 'InvalidArgument', 'This stand-in requires a Content-Type on PUT.');
      res.setHeader('ETag', store(key, body, contentType, header(req, 'x-oss-forbid-overwrite') === 'true'));
      res.statusCode = 200;
      res.end();
      return;
    }
    if (method === 'GET' || method === 'HEAD') {
      const obj = objects.get(key);
      if (!obj) throw new OssFailure(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key });
      res.statusCode = 200;
      res.setHeader('Content-Type', obj.contentType);
      res.setHeader('Content-Length', String(obj.body.length));
      res.setHeader('ETag', obj.etag);
      res.setHeader('Last-Modified', obj.lastModified.toUTCString());
      res.end(method === 'GET' ? obj.body : undefined);
      return;
    }
    if (method === 'DELETE') {
      // As OSS: deleting a missing object is not an error.
      objects.delete(key);
      res.statusCode = 204;
      res.end();
      return;
    }
    throw new OssFailure(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
  };

  const server = http.createServer((req, res) => {
    const requestId = randomBytes(12).toString('hex').toUpperCase();
    res.setHeader('x-oss-request-id', requestId);
    const seen: SeenRequest = { method: req.method ?? '', url: req.url ?? '', host: header(req, 'host') ?? '', headers: req.headers, status: 0 };
    requests.push(seen);
    handle(req, res)
      .catch((err: unknown) => {
        const e = err instanceof OssFailure ? err : new OssFailure(500, 'InternalError', err instanceof Error ? err.message : String(err));
        seen.code = e.code;
        const xml = errorXml(e, requestId);
        res.statusCode = e.status;
        res.setHeader('Content-Type', 'application/xml');
        if (req.method === 'HEAD') {
          // HEAD has no body, so OSS puts the error document in a header.
          res.setHeader('x-oss-err', Buffer.from(xml).toString('base64'));
          res.end();
        } else {
          res.end(xml);
        }
      })
      .finally(() => {
        seen.status = res.statusCode;
      });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bucket: opts.bucket,
    objects,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // ali-oss keeps connections alive; without this close() would wait for them to time out.
        server.closeAllConnections();
      }),
  };
}
