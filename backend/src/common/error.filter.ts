import { Catch, ILogger, Logger } from '@midwayjs/core';
import type { Context } from '@midwayjs/koa';
import { AppError } from './app-error';
import { classifyDbError } from './db-errors';
import { apiHeaders } from './request.middleware';

interface HttpLikeError extends Error {
  status?: number;
  type?: string;
  code?: string;
}

/** Turn what went wrong into an AppError; anything unexpected becomes a 500 without internals. */
export function toAppError(err: HttpLikeError): AppError | null {
  if (err instanceof AppError) return err;
  if (err.type === 'entity.parse.failed' || (err.status === 400 && /JSON/.test(err.message))) return new AppError('BAD_JSON');
  if (err.type === 'entity.too.large' || err.status === 413) return new AppError('BODY_TOO_LARGE');
  // A compressed body that does not decompress (zlib / brotli throw without an HTTP status): the client's fault.
  if (typeof err.code === 'string' && /^(Z_|ERR__ERROR_|ERR_BROTLI)/.test(err.code)) return new AppError('BAD_JSON', '请求体无法按 Content-Encoding 解压');
  if (err.status === 415 || err.type === 'encoding.unsupported') return new AppError('UNSUPPORTED_MEDIA_TYPE');
  if (err.status === 404) return new AppError('ROUTE_NOT_FOUND');
  // A safety net: the database gate already turns these into AppErrors.
  if (classifyDbError(err) === 'unavailable') return new AppError('DB_UNAVAILABLE');
  // The parser's own words are English: they go to the log, the client gets Chinese.
  if (err.status && err.status >= 400 && err.status < 500) return new AppError('VALIDATION_FAILED', '请求无效，请检查请求格式');
  return null;
}

/** How long a client should wait before trying again while the database is unreachable. */
const RETRY_AFTER_SECONDS = 5;

/** The one place errors leave the API: always `{ code, message, details }`, never a stack trace. */
@Catch()
export class ErrorFilter {
  @Logger() private logger: ILogger;

  async catch(err: HttpLikeError, ctx: Context) {
    const appError = toAppError(err);
    const error = appError ?? new AppError('INTERNAL');
    if (!appError) this.logger.error('[%s] %s %s 未处理的错误：%s', ctx.state.requestId, ctx.method, ctx.path, err.stack ?? err.message);
    else if (!(err instanceof AppError)) this.logger.info('[%s] %s %s 请求无效：%s', ctx.state.requestId, ctx.method, ctx.path, err.message);
    ctx.status = error.status;
    // Also for errors raised before the request middleware ran (the body parser's).
    apiHeaders(ctx);
    if (error.status === 503) ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
    return error.toBody();
  }
}
