import { MidwayConfig } from '@midwayjs/core';
import { loadConfig } from './env';
import { dataSourceOptions } from '../db/options';

const app = loadConfig();

export default {
  keys: app.jwtSecret,
  app,
  // proxy: Koa believes X-Forwarded-Proto / -Host only behind configured proxies; the request
  // middleware drops forwarding headers from any other peer and decides the client's address.
  koa: { port: app.port, hostname: process.env.HOST || '127.0.0.1', proxy: app.trustedProxies.length > 0 },
  bodyParser: { enableTypes: ['json'], jsonLimit: '4mb', strict: true },
  typeorm: { allowExecuteMigrations: true, dataSource: { default: dataSourceOptions(app) } },
  jwt: { secret: app.jwtSecret },
  midwayLogger: { default: { level: process.env.LOG_LEVEL || 'info' } },
} as MidwayConfig;
