import { promises as fs } from 'fs';
import OSS from 'ali-oss';
import { isIP } from 'net';
import { AppError } from '../../../common/app-error';
import { assertSafeKey } from './keys';
import type { DirectUploadPolicy, StorageDriver } from './types';

export interface OssStorageOptions {
  /** e.g. `oss-cn-shenzhen`. */
  region: string;
  bucket: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** Overrides the region's endpoint, e.g. `https://oss-cn-shenzhen-internal.aliyuncs.com`. */
  endpoint?: string;
  /** HTTPS; on by default (ali-oss's own default is plain HTTP). */
  secure?: boolean;
  /** Prepended to every key inside the bucket, e.g. `lfxj/` when the bucket is shared. */
  prefix?: string;
  /** `endpoint` is a custom domain bound to the bucket (no `<bucket>.` in front of it). */
  cname?: boolean;
  /** Per-request timeout; ali-oss defaults to 60 s. */
  timeoutMs?: number;
}

export interface DirectUploadOptions {
  maxBytes: number;
  expiresInSeconds: number;
  /** When given, the form's `Content-Type` field must be one of these. */
  contentTypes?: string[];
}

/** What ali-oss puts on its errors (it throws plain Errors with these fields added). */
interface OssError {
  name?: string;
  code?: string;
  status?: number;
  requestId?: string;
}

function ossErrorOf(err: unknown): OssError {
  return typeof err === 'object' && err !== null ? (err as OssError) : {};
}

function isMissing(err: unknown): boolean {
  const e = ossErrorOf(err);
  return e.status === 404 || e.code === 'NoSuchKey';
}

/** Hides the SDK's error (it may echo the string-to-sign) behind our one error type; keeps it as `cause` for the logs. */
function storageFailure(err: unknown, op: string): AppError {
  const e = ossErrorOf(err);
  const failure = new AppError('INTERNAL', '文件存储服务暂时不可用，请稍后重试', {
    driver: 'oss',
    op,
    ...(e.code ? { ossCode: e.code } : {}),
    ...(e.status !== undefined ? { ossStatus: e.status } : {}),
    ...(e.requestId ? { ossRequestId: e.requestId } : {}),
  });
  failure.cause = err;
  return failure;
}

const CONTENT_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(; ?charset=[A-Za-z0-9_-]+)?$/;
const MAX_POLICY_SECONDS = 24 * 3600;
const MAX_OBJECT_BYTES = 5 * 1024 ** 3; // OSS's limit for one PutObject / PostObject

function assertContentType(contentType: string): void {
  if (!CONTENT_TYPE.test(contentType)) throw AppError.field('contentType', '文件类型', '不合法');
}

function normalisePrefix(prefix: string | undefined): string {
  if (!prefix) return '';
  const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  assertSafeKey(p);
  return `${p}/`;
}

/** Aliyun OSS through the official SDK (V1 signatures), plus signed PostObject policies for phones. */
export class OssStorage implements StorageDriver {
  readonly name = 'oss' as const;
  readonly bucket: string;
  readonly prefix: string;
  /** The bucket URL a browser or phone posts to. */
  readonly host: string;
  private readonly client: OSS;

  constructor(opts: OssStorageOptions) {
    const secure = opts.secure ?? true;
    this.bucket = opts.bucket;
    this.prefix = normalisePrefix(opts.prefix);
    // ali-oss merges options over its defaults with Object.assign, so an explicit `undefined`
    // would wipe a default (the 60 s timeout): only set what we have.
    this.client = new OSS({
      region: opts.region,
      bucket: opts.bucket,
      accessKeyId: opts.accessKeyId,
      accessKeySecret: opts.accessKeySecret,
      secure,
      cname: opts.cname ?? false,
      timeout: opts.timeoutMs ?? 60_000,
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    });
    this.host = bucketUrl(opts, secure);
  }

  /** The object's name inside the bucket. */
  objectName(key: string): string {
    return this.prefix + assertSafeKey(key);
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    const name = this.objectName(key);
    assertContentType(contentType);
    try {
      // ali-oss adds Content-MD5, so OSS itself refuses a body damaged on the way.
      await this.client.put(name, body, { mime: contentType });
    } catch (err) {
      throw storageFailure(err, 'put');
    }
  }

  async putFile(key: string, source: string, contentType: string): Promise<void> {
    const name = this.objectName(key);
    assertContentType(contentType);
    try {
      // From the spooled file: the upload never sits in memory whole.
      await this.client.put(name, source, { mime: contentType });
    } catch (err) {
      throw storageFailure(err, 'put');
    } finally {
      await fs.rm(source, { force: true });
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.delete(this.objectName(key));
    } catch (err) {
      if (!isMissing(err)) throw storageFailure(err, 'delete');
    }
  }

  async get(key: string): Promise<Buffer> {
    const name = this.objectName(key);
    let content: unknown;
    try {
      ({ content } = await this.client.get(name));
    } catch (err) {
      if (isMissing(err)) throw new AppError('NOT_FOUND', '文件不存在', { key });
      throw storageFailure(err, 'get');
    }
    if (Buffer.isBuffer(content)) return content;
    throw storageFailure(new Error('ali-oss returned no buffer'), 'get');
  }

  async exists(key: string): Promise<boolean> {
    const name = this.objectName(key);
    try {
      await this.client.head(name);
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw storageFailure(err, 'head');
    }
  }

  /**
   * A PostObject policy for exactly this key: the phone cannot choose another name, send more
   * than `maxBytes` or an empty file, overwrite an existing object, or post after `expireAt`.
   * OSS does not look at the bytes: after the upload, fetch the object and run
   * `assertAllowedDocument` before accepting it.
   */
  directUploadPolicy(key: string, opts: DirectUploadOptions, now: Date = new Date()): DirectUploadPolicy {
    const name = this.objectName(key);
    const { maxBytes, expiresInSeconds, contentTypes } = opts;
    if (!Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > MAX_OBJECT_BYTES) {
      throw AppError.field('maxBytes', '文件大小上限', '不合法');
    }
    if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_POLICY_SECONDS) {
      throw AppError.field('expiresInSeconds', '上传凭证有效期', `须为 1 到 ${MAX_POLICY_SECONDS} 秒`);
    }
    contentTypes?.forEach(assertContentType);

    const expireAt = new Date(now.getTime() + expiresInSeconds * 1000).toISOString();
    const fixedFields: Record<string, string> = {
      key: name,
      success_action_status: '200',
      // Without this a second post under the same policy could replace a file we already checked.
      'x-oss-forbid-overwrite': 'true',
    };
    if (contentTypes?.length === 1) fixedFields['Content-Type'] = contentTypes[0];

    const conditions: unknown[] = [
      { bucket: this.bucket },
      ['eq', '$key', name],
      ['content-length-range', 1, maxBytes],
      ['eq', '$success_action_status', '200'],
      ['eq', '$x-oss-forbid-overwrite', 'true'],
    ];
    if (contentTypes && contentTypes.length > 0) conditions.push(['in', '$content-type', contentTypes]);

    // ali-oss's own signer: base64 of the JSON, then base64(HMAC-SHA1(secret, thatBase64)).
    const signed = this.client.calculatePostSignature({ expiration: expireAt, conditions });
    return {
      host: this.host,
      key,
      policy: signed.policy,
      signature: signed.Signature,
      accessKeyId: signed.OSSAccessKeyId,
      expireAt,
      maxBytes,
      fields: {
        ...fixedFields,
        OSSAccessKeyId: signed.OSSAccessKeyId,
        policy: signed.policy,
        Signature: signed.Signature,
      },
    };
  }
}

/** The same host ali-oss sends requests to, as a URL (virtual-hosted style unless cname or an IP). */
function bucketUrl(opts: OssStorageOptions, secure: boolean): string {
  if (!opts.endpoint) return `${secure ? 'https' : 'http'}://${opts.bucket}.${opts.region}.aliyuncs.com`;
  const url = new URL(/^https?:\/\//i.test(opts.endpoint) ? opts.endpoint : `${secure ? 'https' : 'http'}://${opts.endpoint}`);
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  if (opts.cname || isIP(hostname) !== 0) return url.origin;
  return `${url.protocol}//${opts.bucket}.${url.host}`;
}
