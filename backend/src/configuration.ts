import { Configuration, App, Inject, ILifeCycle, Config, ILogger, Logger, HTTP_SERVER_KEY, type IMidwayContainer } from '@midwayjs/core';
import type { Server } from 'http';
import * as koa from '@midwayjs/koa';
import * as typeorm from '@midwayjs/typeorm';
import * as jwt from '@midwayjs/jwt';
import * as cron from '@midwayjs/cron';
import { join } from 'path';
import { ErrorFilter } from './common/error.filter';
import { RequestMiddleware } from './common/request.middleware';
import { WebMiddleware } from './common/web.middleware';
import { Db } from './common/db';
import { Seeder } from './seed/seeder';
import { LeaseService } from './modules/platform/lease.service';
import type { AppConfig } from './config/env';

@Configuration({
  imports: [koa, typeorm, jwt, cron],
  importConfigs: [join(__dirname, './config')],
})
export class MainConfiguration implements ILifeCycle {
  @App('koa') app: koa.Application;
  @Inject() db: Db;
  @Inject() seeder: Seeder;
  @Inject() lease: LeaseService;
  @Config('app') cfg: AppConfig;
  @Logger() logger: ILogger;

  async onReady() {
    this.app.useMiddleware([RequestMiddleware, WebMiddleware]);
    this.app.useFilter([ErrorFilter]);
    // Migrations are the only way the schema changes (synchronize is off).
    await this.db.migrate();
    if (this.cfg.seedOnStart) await this.seeder.run({ demoAccounts: this.cfg.seedDemoAccounts, print: true });
  }

  /** Runs before the database connections close (the cron jobs stop later): give the background-work leases up. */
  async onStop() {
    await this.lease.shutdown();
  }

  async onServerReady(container: IMidwayContainer) {
    if (this.app.getEnv() === 'unittest') return;
    // The framework starts listening without waiting: a port already taken would otherwise leave a
    // process that looks started and answers nobody. Wait for the socket, and fail loudly.
    const server = container.get<Server>(HTTP_SERVER_KEY);
    if (!server.listening) {
      await new Promise<void>((resolve, reject) => {
        server.once('listening', () => resolve());
        server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(err.code === 'EADDRINUSE'
          ? `端口 ${this.cfg.port} 已被占用（PORT_IN_USE）：请停止占用它的程序，或用 PORT 指定其他端口`
          : `无法在端口 ${this.cfg.port} 上监听：${err.message}`, { cause: err })));
      });
    }
    const base = `http://${process.env.HOST || '127.0.0.1'}:${this.cfg.port}`;
    console.log(`两法衔接平台已启动（数据库：${this.cfg.db.type}）\n  接口 ${base}/api/v1  文档 ${base}/api/v1/openapi.json\n  移动端（H5）${base}/h5/  管理后台 ${base}/admin/`);
  }
}
