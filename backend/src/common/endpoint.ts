import { RequestMapping } from '@midwayjs/core';
import type { Context } from '@midwayjs/koa';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { API_PREFIX, type RouteDef, type Role } from '@lfxj/contracts';
import { AppError } from './app-error';
import { parseCollecting } from './validate';
import { Db } from './db';
import { AuditService } from '../modules/audit/audit.service';
import { AuthService, type AuthUser } from '../modules/auth/auth.service';

type Out<S> = S extends z.ZodType ? z.output<S> : Record<string, never>;

export interface Input<D extends RouteDef> {
  params: Out<D['params']>;
  query: Out<D['query']>;
  body: Out<D['body']>;
}

/** What the audit row of a write records besides who, when and the outcome. */
export interface AuditNote {
  targetType?: string;
  targetId?: string | number;
  details?: Record<string, unknown>;
  /** For login: the account acted for once it is known. */
  actor?: { id: number | null; username: string; orgId: number | null };
}

export interface Call<D extends RouteDef> {
  input: Input<D>;
  /** The logged-in user; routes with `auth: false` get null. */
  user: D['auth'] extends false ? null : AuthUser;
  /** Inside the request's transaction for writes; the plain manager for reads. */
  em: EntityManager;
  ctx: Context;
  audit: AuditNote;
}

const EMPTY = z.strictObject({});
const isWrite = (def: RouteDef) => def.method !== 'get';

/**
 * Binds a controller method to one operation of the contract. In one place it: checks the
 * session and the role, refuses everything but the password change while a temporary
 * password is in force, validates params / query / body, runs writes in one transaction,
 * and writes the audit row of every write (success or failure) in that transaction.
 */
export function Endpoint(def: RouteDef) {
  return (target: object, key: string, descriptor: PropertyDescriptor) => {
    const handler = descriptor.value as (call: Call<RouteDef>) => Promise<unknown>;
    const action = def.operationId ?? key;
    descriptor.value = async function (this: { ctx: Context }) {
      const ctx = this.ctx;
      const container = ctx.requestContext;
      const [db, auditService, authService] = await Promise.all([
        container.getAsync(Db), container.getAsync(AuditService), container.getAsync(AuthService),
      ]);
      const user = def.auth === false ? null : await authService.authenticate(ctx);
      if (user) authorize(def, user);

      const audit: AuditNote = {};
      const entryFor = (outcome: 'success' | 'failure', error?: AppError) => ({
        userId: audit.actor?.id ?? user?.id ?? null,
        username: audit.actor?.username ?? user?.username ?? null,
        orgId: audit.actor?.orgId ?? user?.orgId ?? null,
        action, targetType: audit.targetType ?? null, targetId: audit.targetId ?? null, outcome,
        clientIp: ctx.ip ?? null, requestId: ctx.state.requestId ?? null,
        details: error ? { ...audit.details, error: error.code, message: error.message } : audit.details,
      });

      if (!isWrite(def)) {
        const input = readInput(def, ctx);
        return handler.call(this, { input, user, em: db.manager, ctx, audit } as Call<RouteDef>);
      }
      try {
        if (!def.multipart && ctx.request.length && !ctx.is('application/json')) throw new AppError('UNSUPPORTED_MEDIA_TYPE');
        const input = readInput(def, ctx);
        audit.details = { ...(input.params as object), ...(typeof input.body === 'object' ? (input.body as object) : {}) };
        let committedFailure: AppError | undefined;
        const result = await db.transaction(async (em) => {
          try {
            const value = await handler.call(this, { input, user, em, ctx, audit } as Call<RouteDef>);
            await auditService.record(em, entryFor('success'));
            return value;
          } catch (err) {
            if (err instanceof AppError && err.keepChanges) {
              committedFailure = err;
              await auditService.record(em, entryFor('failure', err));
              return undefined;
            }
            throw err;
          }
        });
        if (committedFailure) throw committedFailure;
        return result;
      } catch (err) {
        if (err instanceof AppError && !err.keepChanges) {
          await db.transaction((em) => auditService.record(em, entryFor('failure', err)));
        } else if (!(err instanceof AppError)) {
          await db.transaction((em) => auditService.record(em, entryFor('failure', new AppError('INTERNAL')))).catch(() => undefined);
        }
        throw err;
      }
    };
    RequestMapping({ path: API_PREFIX + def.path, requestMethod: def.method, summary: def.summary })(target, key, descriptor);
    return descriptor;
  };
}

function authorize(def: RouteDef, user: AuthUser): void {
  // 等保: a temporary password must be changed before anything else.
  if (user.mustChangePassword && !def.allowWithTempPassword) throw new AppError('PASSWORD_CHANGE_REQUIRED');
  if (def.auth !== 'any' && def.auth !== false && !user.roles.some((r: Role) => (def.auth as readonly Role[]).includes(r))) {
    throw new AppError('FORBIDDEN');
  }
}

function readInput(def: RouteDef, ctx: Context): Input<RouteDef> {
  const rawBody = (ctx.request as { body?: unknown }).body;
  const body = rawBody === undefined || (typeof rawBody === 'object' && rawBody !== null && !Array.isArray(rawBody) && !Object.keys(rawBody).length && !def.body)
    ? {} : rawBody;
  const parts = {
    params: parseCollecting(def.params ?? z.object({}), ctx.params ?? {}, 'params'),
    query: parseCollecting(def.query ?? EMPTY, { ...ctx.query }, 'query'),
    body: parseCollecting(def.body ?? EMPTY, body ?? {}, 'body'),
  };
  const problems = Object.values(parts).flatMap((p) => (p.ok ? [] : p.problems));
  if (problems.length) throw new AppError('VALIDATION_FAILED', problems[0].message, { fields: problems });
  return { params: parts.params.ok && parts.params.data, query: parts.query.ok && parts.query.data, body: parts.body.ok && parts.body.data } as Input<RouteDef>;
}

