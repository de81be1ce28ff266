import { Middleware, IMiddleware } from '@midwayjs/core';
import type { Context, NextFunction } from '@midwayjs/koa';
import { randomUUID } from 'crypto';
import { AppError } from './app-error';

/** A request id for logs and audit rows; unknown routes answer in the one error shape. */
@Middleware()
export class RequestMiddleware implements IMiddleware<Context, NextFunction> {
  resolve() {
    return async (ctx: Context, next: NextFunction) => {
      const given = ctx.get('x-request-id');
      ctx.state.requestId = /^[\w-]{1,64}$/.test(given) ? given : randomUUID();
      ctx.set('X-Request-Id', ctx.state.requestId);
      await next();
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
