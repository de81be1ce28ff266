import { Inject, Config, ILogger, Logger } from '@midwayjs/core';
import { Job, IJob } from '@midwayjs/cron';
import { RemindersService } from './reminders.service';
import { ReportedFailure } from './job-status';
import { jobSchedules, type AppConfig } from '../../config/env';

// Decorators take constants: the intervals are read from the environment when this file loads.
const SCHEDULE = jobSchedules();

/** The deadline scan, every REMINDER_SCAN_SECONDS (one instance at a time, by lease). */
@Job({ cronTime: SCHEDULE.scan, start: true })
export class ReminderScanJob implements IJob {
  @Inject() private reminders: RemindersService;
  @Config('app') private cfg: AppConfig;
  @Logger() private logger: ILogger;

  async onTick() {
    if (!this.cfg.reminders.enabled) return;
    // Never silent: every pass is recorded and a failing one logged with its counts (job-status.ts); this catches the rest.
    await this.reminders.scanReport().catch((err: Error) => {
      if (!(err instanceof ReportedFailure)) this.logger.error('提醒扫描失败（下次扫描继续）：%s', err.message);
    });
  }
}

/** The outbox sender, every REMINDER_SEND_SECONDS. */
@Job({ cronTime: SCHEDULE.send, start: true })
export class ReminderSendJob implements IJob {
  @Inject() private reminders: RemindersService;
  @Config('app') private cfg: AppConfig;
  @Logger() private logger: ILogger;

  async onTick() {
    if (!this.cfg.reminders.enabled) return;
    await this.reminders.drain().catch((err: Error) => {
      if (!(err instanceof ReportedFailure)) this.logger.error('短信发送失败（下次继续）：%s', err.message);
    });
  }
}
