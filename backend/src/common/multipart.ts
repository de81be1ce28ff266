import Busboy from 'busboy';
import type { Context } from '@midwayjs/koa';
import { AppError } from './app-error';

export interface UploadedFile {
  fileName: string;
  data: Buffer;
}

/**
 * Read the files of a multipart/form-data request into memory, within limits. Anything but
 * files (form fields) is refused so that every input goes through a validated channel.
 */
export function readMultipart(ctx: Context, limits: { maxFileBytes: number; maxFiles: number }): Promise<UploadedFile[]> {
  if (!ctx.is('multipart/form-data')) return Promise.reject(new AppError('UNSUPPORTED_MEDIA_TYPE', '上传文书须使用 multipart/form-data'));
  return new Promise((resolve, reject) => {
    const files: UploadedFile[] = [];
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
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => fail(new AppError('BODY_TOO_LARGE', `文件“${fileName}”超过 ${Math.floor(limits.maxFileBytes / 1048576)} MB 的大小限制`, { fields: [{ field: 'file', message: fileName }] })));
      stream.on('close', () => files.push({ fileName, data: Buffer.concat(chunks) }));
    });
    busboy.on('field', (name) => fail(AppError.field(name, '表单字段', '是不允许的字段（文书类型等参数请放在查询参数中）')));
    busboy.on('filesLimit', () => fail(new AppError('VALIDATION_FAILED', `一次最多上传 ${limits.maxFiles} 个文件`, { fields: [{ field: 'file', message: '文件过多' }] })));
    busboy.on('partsLimit', () => fail(new AppError('VALIDATION_FAILED', `一次最多上传 ${limits.maxFiles} 个文件`, { fields: [{ field: 'file', message: '文件过多' }] })));
    busboy.on('fieldsLimit', () => fail(AppError.field('form', '表单字段', '是不允许的（参数请放在查询参数中）')));
    busboy.on('error', () => reject(new AppError('VALIDATION_FAILED', '上传请求格式不正确')));
    busboy.on('close', () => {
      if (failed) reject(failed);
      else if (!files.length) reject(AppError.field('file', '文件', '至少上传一个'));
      else resolve(files);
    });
    ctx.req.pipe(busboy);
  });
}
