import { Middleware, IMiddleware } from '@midwayjs/core';
import type { Context, NextFunction } from '@midwayjs/koa';
import * as fs from 'fs';
import * as path from 'path';

const REPO = path.resolve(__dirname, '../../..');
/** Built front ends served by the backend, so one process runs the whole platform. */
export const WEB_APPS: Array<{ prefix: string; root: string }> = [
  { prefix: '/admin/', root: path.join(REPO, 'admin/dist') },
  { prefix: '/h5/', root: path.join(REPO, 'miniapp/dist/h5') },
];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg', '.ico': 'image/x-icon',
  '.woff': 'font/woff', '.woff2': 'font/woff2', '.ttf': 'font/ttf', '.map': 'application/json',
};

@Middleware()
export class WebMiddleware implements IMiddleware<Context, NextFunction> {
  resolve() {
    return async (ctx: Context, next: NextFunction) => {
      if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
      if (ctx.path === '/' || ctx.path === '/admin' || ctx.path === '/h5') {
        return ctx.redirect(ctx.path === '/' ? '/h5/' : `${ctx.path}/`);
      }
      const app = WEB_APPS.find((a) => ctx.path.startsWith(a.prefix));
      if (!app) return next();
      let relative: string;
      try {
        relative = decodeURIComponent(ctx.path.slice(app.prefix.length)) || 'index.html';
      } catch {
        return next();
      }
      const file = path.resolve(app.root, relative);
      // Never outside the build folder, never a dotfile.
      if (!file.startsWith(app.root + path.sep) || relative.split('/').some((p) => p.startsWith('.'))) return next();
      const target = fs.existsSync(file) && fs.statSync(file).isFile() ? file : path.join(app.root, 'index.html');
      if (!fs.existsSync(target)) return next();
      ctx.type = TYPES[path.extname(target)] ?? 'application/octet-stream';
      // Hashed assets can be cached for long; index.html must always be fresh.
      ctx.set('Cache-Control', target.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
      ctx.body = fs.createReadStream(target);
    };
  }

  static getName() {
    return 'web';
  }
}
