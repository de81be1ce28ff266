import { randomBytes } from 'crypto';
import { promises as fs } from 'fs';
import * as path from 'path';
import { AppError } from '../../../common/app-error';
import { assertSafeKey } from './keys';
import type { StorageDriver } from './types';

/** Structural, not `instanceof Error`: errors from another realm (e.g. jest's sandbox) fail that test. */
function isErrno(err: unknown, ...codes: string[]): boolean {
  const code = typeof err === 'object' && err !== null ? (err as NodeJS.ErrnoException).code : undefined;
  return typeof code === 'string' && codes.includes(code);
}

/** Files on local disk under one root folder (the embedded default). */
export class LocalStorage implements StorageDriver {
  readonly name = 'local' as const;
  readonly rootDir: string;

  constructor(rootDir: string) {
    this.rootDir = path.resolve(rootDir);
  }

  /**
   * The absolute path of a key. The key was validated already; the prefix check is a second
   * wall in case the validation is ever loosened.
   */
  pathOf(key: string): string {
    assertSafeKey(key);
    const full = path.resolve(this.rootDir, key);
    if (!full.startsWith(this.rootDir + path.sep)) {
      throw new AppError('VALIDATION_FAILED', '文件存储路径不合法：超出存储目录', { fields: [{ field: 'key', message: '文件存储路径超出存储目录' }] });
    }
    return full;
  }

  /** Refuses a folder that a symlink inside the root points elsewhere. */
  private async assertInsideRoot(dir: string): Promise<void> {
    const [realRoot, realDir] = await Promise.all([fs.realpath(this.rootDir), fs.realpath(dir)]);
    if (realDir !== realRoot && !realDir.startsWith(realRoot + path.sep)) {
      throw new AppError('VALIDATION_FAILED', '文件存储路径不合法：超出存储目录', { fields: [{ field: 'key', message: '文件存储路径超出存储目录' }] });
    }
  }

  /** The content type is not kept on disk: the documents table records the sniffed type. */
  async put(key: string, body: Buffer, _contentType: string): Promise<void> {
    const full = this.pathOf(key);
    const dir = path.dirname(full);
    await fs.mkdir(dir, { recursive: true });
    await this.assertInsideRoot(dir);
    // Written next to the target then renamed: a reader never sees half a file, and a crash
    // leaves only a stray temp file (dot-prefixed, so it can never collide with a key's uuid).
    const tmp = path.join(dir, `.${path.basename(full)}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await fs.open(tmp, 'wx', 0o640);
    try {
      await handle.writeFile(body);
      await handle.sync();
    } catch (err) {
      await handle.close();
      await fs.rm(tmp, { force: true });
      throw err;
    }
    await handle.close();
    try {
      await fs.rename(tmp, full);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  /** A spooled upload is moved into place (renamed when on the same disk, else copied). */
  async putFile(key: string, source: string, _contentType: string): Promise<void> {
    const full = this.pathOf(key);
    const dir = path.dirname(full);
    await fs.mkdir(dir, { recursive: true });
    await this.assertInsideRoot(dir);
    try {
      await fs.rename(source, full);
    } catch (err) {
      if (!isErrno(err, 'EXDEV')) throw err;
      const tmp = path.join(dir, `.${path.basename(full)}.${randomBytes(6).toString('hex')}.tmp`);
      await fs.copyFile(source, tmp);
      await fs.rename(tmp, full);
      await fs.rm(source, { force: true });
    }
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.pathOf(key), { force: true });
  }

  async get(key: string): Promise<Buffer> {
    const full = this.pathOf(key);
    try {
      await this.assertInsideRoot(path.dirname(full));
      return await fs.readFile(full);
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR', 'EISDIR')) throw new AppError('NOT_FOUND', '文件不存在', { key });
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    const full = this.pathOf(key);
    try {
      await this.assertInsideRoot(path.dirname(full));
      return (await fs.stat(full)).isFile();
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) return false;
      throw err;
    }
  }
}
