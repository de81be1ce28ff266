import { z } from 'zod';
import { API, API_PREFIX, ERRORS, ROLES, type RouteDef, type Role } from '@lfxj/contracts';

const errorSchema = {
  type: 'object', required: ['code', 'message', 'details'],
  properties: {
    code: { type: 'string', enum: Object.keys(ERRORS) },
    message: { type: 'string', description: '中文错误说明，指明出错的字段' },
    details: { type: 'object', description: '字段级错误在 details.fields 中' },
  },
};

const MULTIPART_FILES = {
  type: 'object', properties: { file: { type: 'array', items: { type: 'string', format: 'binary' }, description: '一个或多个文件' } },
};

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as Record<string, unknown>;

function parameters(def: RouteDef) {
  const out: unknown[] = [];
  for (const [where, schema] of [['path', def.params], ['query', def.query]] as const) {
    if (!schema) continue;
    const props = (jsonSchema(schema, 'input').properties ?? {}) as Record<string, { description?: string }>;
    const required = new Set((jsonSchema(schema, 'input').required as string[] | undefined) ?? []);
    for (const [name, s] of Object.entries(props)) {
      out.push({ name, in: where, required: where === 'path' || required.has(name), description: s.description, schema: s });
    }
  }
  return out;
}

/** The OpenAPI document, generated from the very schemas that validate requests. */
export function buildOpenApi(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operations of Object.values(API) as Array<Record<string, RouteDef>>) {
    for (const def of Object.values(operations) as RouteDef[]) {
      const path = API_PREFIX + def.path.replace(/:(\w+)/g, '{$1}');
      const who = def.auth === false ? '无需登录' : def.auth === 'any' ? '登录用户' : (def.auth as readonly Role[]).map((r) => ROLES[r]).join('、');
      paths[path] ??= {};
      paths[path][def.method] = {
        operationId: def.operationId, tags: [def.tag], summary: def.summary, description: `权限：${who}`,
        security: def.auth === false ? [] : [{ bearer: [] }],
        parameters: parameters(def),
        ...(def.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(def.body, 'input') } } } } : {}),
        ...(def.multipart ? { requestBody: { required: true, content: { 'multipart/form-data': { schema: MULTIPART_FILES } } } } : {}),
        responses: {
          200: def.binary
            ? { description: '文件内容', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } }
            : { description: '成功', content: { 'application/json': { schema: def.response ? jsonSchema(def.response, 'output') : {} } } },
          default: { description: '错误', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        },
      };
    }
  }
  return {
    openapi: '3.0.3',
    info: { title: '两法衔接平台 API', version: '1', description: '行政执法与刑事司法衔接平台接口。所有错误均为 { code, message, details }。' },
    paths,
    components: { schemas: { Error: errorSchema }, securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
  };
}
