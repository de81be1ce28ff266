import Busboy from 'busboy';
import type { Readable } from 'stream';
import type { Context } from '@midwayjs/koa';
import { AppError } from './app-error';

export interface UploadLimits {
  maxFileBytes: number;
  maxFiles: number;
}

/** A file part as it arrives: its declared name and its bytes as a stream. */
export interface IncomingFile {
  fileName: string;
  stream: Readable & { truncated?: boolean };
}

const tooLarge = (fileName: string, limits: UploadLimits) =>
  new AppError('BODY_TOO_LARGE', `文件“${fileName}”超过 ${Math.floor(limits.maxFileBytes / 1048576)} MB 的大小限制`, { fields: [{ field: 'file', message: fileName }] });

/**
 * Stream the files of a multipart/form-data request, one by one, into `accept` (which stores
 * them somewhere: nothing is held in memory whole). Anything but files (form fields) is refused
 * so that every input goes through a validated channel. When any file is refused, what
 * `accept` stored for the others is handed to `discard`: a refused batch leaves nothing.
 */
export function receiveFiles<T>(
  ctx: Context, limits: UploadLimits, accept: (file: IncomingFile) => Promise<T>, discard: (stored: T) => Promise<void>,
): Promise<T[]> {
  if (!ctx.is('multipart/form-data')) return Promise.reject(new AppError('UNSUPPORTED_MEDIA_TYPE', '上传文书须使用 multipart/form-data'));
  return new Promise((resolve, reject) => {
    const pending: Array<Promise<T>> = [];
    let failed: AppError | null = null;
    const fail = (error: AppError) => {
      failed ??= error;
    };
    let busboy: Busboy.Busboy;
    try {
      busboy = Busboy({ headers: ctx.req.headers, limits: { fileSize: limits.maxFileBytes, files: limits.maxFiles, fields: 0, parts: limits.maxFiles } });
    } catch {
      reject(new AppError('VALIDATION_FAILED', '上传请求格式不正确'));
      return;
    }
    busboy.on('file', (_field, stream, info) => {
      // Browsers send UTF-8 names as latin1 bytes; decode them back.
      const fileName = Buffer.from(info.filename ?? '', 'latin1').toString('utf8').slice(0, 255) || '未命名文件';
      if (failed) {
        stream.resume();
        return;
      }
      stream.on('limit', () => fail(tooLarge(fileName, limits)));
      const done = accept({ fileName, stream }).then((stored) => {
        // busboy cuts a file at the limit and ends the stream normally: what was stored is incomplete.
        if ((stream as { truncated?: boolean }).truncated) {
          fail(tooLarge(fileName, limits));
          return discard(stored).then(() => Promise.reject(tooLarge(fileName, limits)));
        }
        return stored;
      });
      // Rejections are collected below; keep Node from reporting them as unhandled meanwhile.
      done.catch(() => undefined);
      pending.push(done);
    });
    busboy.on('field', (name) => fail(AppError.field(name, '表单字段', '是不允许的字段（文书类型等参数请放在查询参数中）')));
    busboy.on('filesLimit', () => fail(new AppError('VALIDATION_FAILED', `一次最多上传 ${limits.maxFiles} 个文件`, { fields: [{ field: 'file', message: '文件过多' }] })));
    busboy.on('partsLimit', () => fail(new AppError('VALIDATION_FAILED', `一次最多上传 ${limits.maxFiles} 个文件`, { fields: [{ field: 'file', message: '文件过多' }] })));
    busboy.on('fieldsLimit', () => fail(AppError.field('form', '表单字段', '是不允许的（参数请放在查询参数中）')));
    let finished = false;
    const finish = async () => {
      if (finished) return;
      finished = true;
      const settled = await Promise.allSettled(pending);
      const stored = settled.filter((s): s is PromiseFulfilledResult<Awaited<T>> => s.status === 'fulfilled').map((s) => s.value);
      const refused = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      const error = failed ?? (refused ? refused.reason as unknown : null) ?? (stored.length ? null : AppError.field('file', '文件', '至少上传一个'));
      if (error) {
        await Promise.all(stored.map((s) => discard(s).catch(() => undefined)));
        reject(error);
      } else {
        resolve(stored);
      }
    };
    busboy.on('close', () => void finish());
    busboy.on('error', () => {
      fail(new AppError('VALIDATION_FAILED', '上传请求格式不正确'));
      void finish();
    });
    ctx.req.on('aborted', () => {
      fail(new AppError('VALIDATION_FAILED', '上传中断，请重新上传'));
      void finish();
    });
    ctx.req.pipe(busboy);
  });
}
