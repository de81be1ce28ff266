import { Middleware, IMiddleware, ILogger, Logger } from '@midwayjs/core';
import type { Context, NextFunction } from '@midwayjs/koa';
import { randomUUID } from 'crypto';
import { AppError } from './app-error';

/**
 * A request id for logs and audit rows, an access log line (path only: query strings can
 * carry names), security headers, and the one error shape for unknown routes.
 */
@Middleware()
export class RequestMiddleware implements IMiddleware<Context, NextFunction> {
  @Logger() private logger: ILogger;

  resolve() {
    return async (ctx: Context, next: NextFunction) => {
      const started = Date.now();
      const given = ctx.get('x-request-id');
      ctx.state.requestId = /^[\w-]{1,64}$/.test(given) ? given : randomUUID();
      ctx.set('X-Request-Id', ctx.state.requestId);
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.set('X-Frame-Options', 'DENY');
      ctx.set('Referrer-Policy', 'no-referrer');
      try {
        await next();
      } finally {
        this.logger.info('[%s] %s %s %d %dms', ctx.state.requestId, ctx.method, ctx.path, ctx.status, Date.now() - started);
      }
      if (ctx.status === 404 && ctx.body === undefined) {
        const error = new AppError('ROUTE_NOT_FOUND');
        ctx.status = error.status;
        ctx.body = error.toBody();
      }
    };
  }

  static getName() {
    return 'request';
  }
}
