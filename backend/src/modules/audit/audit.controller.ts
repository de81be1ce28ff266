import { Controller, Inject } from '@midwayjs/core';
import type { Context } from '@midwayjs/koa';
import { API } from '@lfxj/contracts';
import { Endpoint, type Call } from '../../common/endpoint';
import { AuditService } from './audit.service';
import { AuditLog } from './entities';

const api = API.audit;

@Controller('/')
export class AuditController {
  @Inject() ctx: Context;
  @Inject() auditService: AuditService;

  @Endpoint(api.list)
  async list({ input, em }: Call<typeof api.list>) {
    const q = input.query;
    const qb = em.createQueryBuilder(AuditLog, 'a');
    if (q.userId) qb.andWhere('a.user_id = :userId', { userId: q.userId });
    if (q.action) qb.andWhere('a.action = :action', { action: q.action });
    // Days are Asia/Shanghai days; instants are stored in UTC.
    if (q.from) qb.andWhere('a.at >= :from', { from: new Date(`${q.from}T00:00:00+08:00`) });
    if (q.to) qb.andWhere('a.at < :to', { to: new Date(new Date(`${q.to}T00:00:00+08:00`).getTime() + 86_400_000) });
    const [rows, total] = await qb.orderBy('a.id', 'DESC').skip((q.page - 1) * q.pageSize).take(q.pageSize).getManyAndCount();
    return {
      items: rows.map((r) => ({
        id: Number(r.id), at: r.at.toISOString(), userId: r.userId, username: r.username, orgId: r.orgId, action: r.action,
        targetType: r.targetType, targetId: r.targetId, outcome: r.outcome, clientIp: r.clientIp,
        details: JSON.parse(r.details) as Record<string, unknown>, sealed: r.hash !== null,
      })),
      total, page: q.page, pageSize: q.pageSize,
    };
  }

  // Verifying a long chain reads in batches and holds no write transaction.
  @Endpoint(api.verify, { readOnly: true })
  async verify({ audit }: Call<typeof api.verify>) {
    const result = await this.auditService.verify();
    audit.details = { ...result };
    return result;
  }
}
