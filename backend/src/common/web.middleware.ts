import { Middleware, IMiddleware } from '@midwayjs/core';
import type { Context, NextFunction } from '@midwayjs/koa';
import { createHash } from 'crypto';
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

/**
 * The Content-Security-Policy of the built apps. Scripts only from the platform itself, plus the
 * inline scripts of the served index.html by their SHA-256 (Taro's H5 build inlines its rem
 * script); no eval. Styles allow 'unsafe-inline': antd writes its CSS-in-JS into <style> elements
 * at run time (a nonce would need templating every page and every component library to carry it);
 * with script-src strict, injected markup still cannot run code. Calls go to the same origin only,
 * and no other site may frame the apps (clickjacking; X-Frame-Options says the same).
 */
const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
/**
 * Taro's H5 tab bar is made of <a href="javascript:;"> links (the tab switches in the click
 * handler). Without this the browser blocks and reports that empty navigation on every tap;
 * 'unsafe-hashes' with the hash of exactly that URL (Chromium hashes the whole `javascript:;`)
 * lets this one empty statement run, and nothing else.
 */
export const TAB_BAR_LINK = [`'unsafe-hashes'`, sha256('javascript:;')];

export function contentSecurityPolicy(html: string): string {
  const hashes = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)]
    .filter((m) => m[1].length)
    .map((m) => sha256(m[1]));
  return [
    "default-src 'self'", ["script-src 'self'", ...hashes, ...TAB_BAR_LINK].join(' '), "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:", "font-src 'self' data:", "connect-src 'self'", "object-src 'none'", "base-uri 'self'",
    "form-action 'self'", "frame-ancestors 'none'",
  ].join('; ');
}

/** index.html of each app with its policy, read again only when the file changes (a new build). */
const pages = new Map<string, { mtimeMs: number; body: Buffer; csp: string }>();
function page(file: string): { body: Buffer; csp: string } {
  const { mtimeMs } = fs.statSync(file);
  const cached = pages.get(file);
  if (cached && cached.mtimeMs === mtimeMs) return cached;
  const body = fs.readFileSync(file);
  const entry = { mtimeMs, body, csp: contentSecurityPolicy(body.toString('utf8')) };
  pages.set(file, entry);
  return entry;
}

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
      const index = path.join(app.root, 'index.html');
      const target = fs.existsSync(file) && fs.statSync(file).isFile() ? file : index;
      if (!fs.existsSync(target)) return next();
      ctx.type = TYPES[path.extname(target)] ?? 'application/octet-stream';
      const html = target.endsWith('.html');
      // A page's policy lists its own inline scripts; other files carry the app's (for a browser that renders them).
      const { body, csp } = page(html ? target : index);
      ctx.set('Content-Security-Policy', csp);
      // Hashed assets can be cached for long; pages must always be fresh.
      ctx.set('Cache-Control', html ? 'no-cache' : 'public, max-age=31536000, immutable');
      ctx.body = html ? body : fs.createReadStream(target);
    };
  }

  static getName() {
    return 'web';
  }
}
