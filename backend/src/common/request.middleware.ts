import { Middleware, IMiddleware, ILogger, Logger, Config } from '@midwayjs/core';
import type { Context, NextFunction } from '@midwayjs/koa';
import { randomUUID } from 'crypto';
import { API_PREFIX } from '@lfxj/contracts';
import { AppError } from './app-error';
import { TrustedProxies, normaliseAddress } from './client-ip';
import type { AppConfig } from '../config/env';

const FORWARDING_HEADERS = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'forwarded'];

/**
 * A request id for logs and audit rows, the client's address (the one place it is decided:
 * audit rows, sessions and login throttling read `ctx.state.clientIp`), an access log line (path
 * only: query strings can carry names), security headers, and the one error shape for unknown routes.
 */
@Middleware()
export class RequestMiddleware implements IMiddleware<Context, NextFunction> {
  @Logger() private logger: ILogger;
  @Config('app') private cfg: AppConfig;
  private proxies?: TrustedProxies;

  resolve() {
    return async (ctx: Context, next: NextFunction) => {
      const started = Date.now();
      this.proxies ??= new TrustedProxies(this.cfg.trustedProxies);
      const peer = ctx.req.socket.remoteAddress;
      const clientIp = this.proxies.clientAddress(peer, ctx.get('x-forwarded-for') || undefined);
      // Forwarding headers from a peer that is not our proxy are the client's own words: drop them,
      // so that nothing downstream (Koa's ctx.protocol / ctx.host with proxy on) can believe them.
      if (!this.proxies.trusts(normaliseAddress(peer) ?? '')) for (const h of FORWARDING_HEADERS) delete ctx.req.headers[h];
      ctx.state.clientIp = clientIp;
      if (clientIp) ctx.request.ip = clientIp;
      const given = ctx.get('x-request-id');
      ctx.state.requestId = /^[\w-]{1,64}$/.test(given) ? given : randomUUID();
      ctx.set('X-Request-Id', ctx.state.requestId);
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.set('X-Frame-Options', 'DENY');
      ctx.set('Referrer-Policy', 'no-referrer');
      // Set before the handler (errors leave through the error filter, which keeps them) and again
      // after it (in case a handler set its own).
      const api = ctx.path.startsWith(`${API_PREFIX}/`) || !!ctx.get('authorization');
      if (api) apiHeaders(ctx);
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
      if (api) apiHeaders(ctx);
    };
  }

  static getName() {
    return 'request';
  }
}

/**
 * Every API answer (logins, refreshes, errors, files) is about one person: never stored by a
 * browser or a proxy. And JSON never needs to run or show anything in a browser.
 */
export function apiHeaders(ctx: Context): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
  ctx.set('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
}
