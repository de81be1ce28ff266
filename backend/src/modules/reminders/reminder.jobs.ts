import { Inject, Config, ILogger, Logger } from '@midwayjs/core';
import { Job, IJob } from '@midwayjs/cron';
import { RemindersService } from './reminders.service';
import type { AppConfig } from '../../config/env';

/** The deadline scan, every minute (one instance at a time, by lease). */
@Job({ cronTime: '0 * * * * *', start: true })
export class ReminderScanJob implements IJob {
  @Inject() private reminders: RemindersService;
  @Config('app') private cfg: AppConfig;
  @Logger() private logger: ILogger;

  async onTick() {
    if (!this.cfg.reminders.enabled) return;
    await this.reminders.scan().catch((err: Error) => this.logger.error('提醒扫描失败：%s', err.message));
  }
}

/** The outbox sender, every ten seconds. */
@Job({ cronTime: '*/10 * * * * *', start: true })
export class ReminderSendJob implements IJob {
  @Inject() private reminders: RemindersService;
  @Config('app') private cfg: AppConfig;
  @Logger() private logger: ILogger;

  async onTick() {
    if (!this.cfg.reminders.enabled) return;
    await this.reminders.drain().catch((err: Error) => this.logger.error('短信发送失败：%s', err.message));
  }
}
