import { Controller, Get, Inject } from '@midwayjs/core';
import { buildOpenApi } from './openapi';
import { JobStatusService } from '../reminders/job-status';

let cached: Record<string, unknown> | undefined;

@Controller('/api/v1')
export class OpenApiController {
  @Inject() jobs: JobStatusService;

  @Get('/openapi.json', { summary: 'OpenAPI 文档' })
  async openapi() {
    cached ??= buildOpenApi();
    return cached;
  }

  /**
   * For monitoring: 200 with the background jobs' last passes, 503 (JOBS_FAILING) naming a job
   * whose last pass failed or that has not completed for too long, 503 (DB_UNAVAILABLE) without
   * the database. One read by primary key.
   */
  @Get('/health', { summary: '健康检查（含后台任务状态）' })
  async health() {
    return this.jobs.health();
  }

  /**
   * For the load balancer: this process answers. A failing reminder scan must not take every
   * instance out of rotation, so the balancer probes this one, monitoring probes /health.
   */
  @Get('/health/live', { summary: '存活检查（供负载均衡探测）' })
  async live() {
    return { ok: true };
  }
}
