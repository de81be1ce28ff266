import { z } from 'zod';
import type { Role } from '../roles';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * One API operation. Controllers validate with these schemas and the OpenAPI document is
 * generated from them, so the documentation cannot drift from what is enforced.
 */
export interface RouteDef {
  method: HttpMethod;
  /** Koa-style path relative to /api/v1, e.g. `/users/:id`. */
  path: string;
  summary: string;
  tag: string;
  /** false: no login needed. Otherwise the roles allowed ('any' = every logged-in user). */
  auth: false | 'any' | readonly Role[];
  /** Reachable while the user still has a temporary password (only what is needed to change it). */
  allowWithTempPassword?: boolean;
  /** The body is multipart/form-data with files (validated by the handler, not by `body`). */
  multipart?: boolean;
  /** The response is a file, not JSON. */
  binary?: boolean;
  /** `module.operation`, stamped from the API table; also the audit action name. */
  operationId?: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  response?: z.ZodType;
}

export function route<const T extends RouteDef>(def: T): T {
  return def;
}

export const API_PREFIX = '/api/v1';

/* Field helpers: every field carries its Chinese label so errors can name it. */
export const text = (label: string, max = 200) => z.string().trim().min(1).max(max).describe(label);
export const optText = (label: string, max = 200) => text(label, max).optional();
/**
 * A whole number in a path or query string, written plainly: digits only, no sign, leading zero,
 * decimal point, exponent or hex. `Number()` / `z.coerce` read `3.0`, `+3`, `03`, `3e0`, `0x3` and
 * ` 3` as 3, which lets one record have many URLs (and slip past checks keyed on the text).
 */
export const wholeNumber = (label: string, min: number, max: number) =>
  z.string().regex(min > 0 ? /^[1-9]\d{0,9}$/ : /^(0|[1-9]\d{0,9})$/, { message: min > 0 ? '应为正整数' : '应为非负整数' })
    .transform(Number).pipe(z.number().int().min(min).max(max)).describe(label);
export const id = (label: string) => wholeNumber(label, 1, 2_147_483_647);
export const bodyId = (label: string) => z.number().int().positive().max(2_147_483_647).describe(label);
export const date = (label: string) =>
  z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: '格式应为 YYYY-MM-DD' })
    .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), { message: '不是有效日期' })
    .describe(label);
export const phone = () => z.string().regex(/^1\d{10}$/, { message: '应为 11 位手机号' }).describe('手机号');

export const idParams = z.strictObject({ id: id('编号') });

export const pageQuery = {
  page: wholeNumber('页码', 1, 100_000).default(1).describe('页码'),
  pageSize: wholeNumber('每页条数', 1, 100).default(20).describe('每页条数'),
};

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() });

export const okResponse = z.object({ ok: z.literal(true) });
