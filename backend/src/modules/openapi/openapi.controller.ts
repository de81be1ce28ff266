import { Controller, Get } from '@midwayjs/core';
import { buildOpenApi } from './openapi';

let cached: Record<string, unknown> | undefined;

@Controller('/api/v1')
export class OpenApiController {
  @Get('/openapi.json', { summary: 'OpenAPI 文档' })
  async openapi() {
    cached ??= buildOpenApi();
    return cached;
  }

  @Get('/health', { summary: '健康检查' })
  async health() {
    return { ok: true };
  }
}
