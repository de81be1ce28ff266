import { MidwayConfig } from '@midwayjs/core';

// Tests listen on a random port (createApp) and keep logs quiet.
export default {
  koa: { port: null },
  midwayLogger: { default: { level: 'warn', consoleLevel: 'warn' } },
} as unknown as MidwayConfig;
