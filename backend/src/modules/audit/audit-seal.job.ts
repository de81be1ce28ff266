import { Inject, Config, ILogger, Logger } from '@midwayjs/core';
import { Job, IJob } from '@midwayjs/cron';
import { AuditService } from './audit.service';
import { LeaseService } from '../platform/lease.service';
import { jobSchedules, type AppConfig } from '../../config/env';

/** Every AUDIT_SEAL_SECONDS one instance (holding the lease) links new audit rows into the hash chain. */
@Job({ cronTime: jobSchedules().seal, start: true })
export class AuditSealJob implements IJob {
  @Inject() private audit: AuditService;
  @Inject() private lease: LeaseService;
  @Config('app') private cfg: AppConfig;
  @Logger() private logger: ILogger;

  async onTick() {
    if (this.cfg.auditSealSeconds <= 0) return;
    await this.lease.exclusive('audit-seal', () => this.audit.seal())
      .catch((err: Error) => this.logger.error('审计日志封存失败（下次继续）：%s', err.message));
  }
}
