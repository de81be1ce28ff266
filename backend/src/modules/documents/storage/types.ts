/** Where case documents' bytes live. Keys come from `keys.ts`, never from a user's file name. */
export interface StorageDriver {
  readonly name: 'local' | 'oss';
  /** Writes the whole object; an existing object under the same key is replaced. */
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  /** Stores a file already on local disk (an upload spooled there) under `key`; the file is consumed. */
  putFile(key: string, path: string, contentType: string): Promise<void>;
  /** Removes an object; a missing one is not an error. */
  delete(key: string): Promise<void>;
  /** Throws AppError('NOT_FOUND') when there is no such object. */
  get(key: string): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
}

/**
 * What a phone needs to upload one file straight to OSS (PostObject): send `fields` as form
 * fields, then the file as the last part named `file`, to `host`.
 */
export interface DirectUploadPolicy {
  /** The bucket URL the form is posted to. */
  host: string;
  /** The storage key (as passed to `get`/`exists`), without the driver's prefix. */
  key: string;
  /** Base64 of the policy JSON. */
  policy: string;
  /** base64(HMAC-SHA1(accessKeySecret, policy)). */
  signature: string;
  accessKeyId: string;
  /** ISO 8601 UTC; the policy's `expiration`. */
  expireAt: string;
  maxBytes: number;
  /** Every form field to send before the file (key with prefix, policy, signature, …). */
  fields: Record<string, string>;
}
