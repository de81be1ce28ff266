import { Inject, Config } from '@midwayjs/core';
import { Job, IJob } from '@midwayjs/cron';
import { AuditService } from './audit.service';
import { LeaseService } from '../platform/lease.service';
import type { AppConfig } from '../../config/env';

/** Every few seconds one instance (holding the lease) links new audit rows into the hash chain. */
@Job({ cronTime: '*/5 * * * * *', start: true })
export class AuditSealJob implements IJob {
  @Inject() private audit: AuditService;
  @Inject() private lease: LeaseService;
  @Config('app') private cfg: AppConfig;

  async onTick() {
    if (this.cfg.auditSealSeconds <= 0) return;
    if (await this.lease.acquire('audit-seal', 60_000)) await this.audit.seal();
  }
}
