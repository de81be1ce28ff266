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

export interface Call<D extends RouteDef, S = undefined> {
  input: Input<D>;
  /** The logged-in user; routes with `auth: false` get null. */
  user: D['auth'] extends false ? null : AuthUser;
  /** Inside the request's transaction for writes; a read-only manager for reads. */
  em: EntityManager;
  ctx: Context;
  audit: AuditNote;
  /** What the endpoint's `stage` step prepared before the transaction. */
  staged: S;
}

/** What runs before the transaction: validated input and the caller, no database transaction. */
export type StageCall<D extends RouteDef> = Pick<Call<D>, 'input' | 'user' | 'ctx' | 'audit'>;

export interface EndpointOptions<D extends RouteDef, S> {
  /**
   * Slow work done before the write transaction opens (uploads are streamed to storage here),
   * so the transaction only registers the result and can be retried. `self` is the controller.
   */
  stage?: (self: never, call: StageCall<D>) => Promise<S>;
  /** Undo what `stage` did when the transaction does not commit (e.g. remove stored files). */
  unstage?: (self: never, staged: S) => Promise<void>;
  /** A POST that writes nothing but its audit row (e.g. verifying the audit chain): it runs read-only. */
  readOnly?: boolean;
  /**
   * A GET whose answer may lag the primary by a few seconds (lists, search, statistics): served by
   * a read replica when one is configured. The caller's session, user and roles are still read
   * from the primary. Not for what a user opens right after acting (a case's detail).
   */
  replica?: boolean;
}

const EMPTY = z.strictObject({});
const isWrite = (def: RouteDef) => def.method !== 'get';

/**
 * Binds a controller method to one operation of the contract. In one place it: checks the
 * session and the role, refuses everything but the password change while a temporary
 * password is in force, validates params / query / body, runs reads on a read-only
 * connection and writes in one transaction (retried as a whole on a deadlock, so a handler
 * only touches the database), and writes the audit row of every write (success or
 * failure) in that transaction.
 */
export function Endpoint<D extends RouteDef, S = undefined>(def: D, options: EndpointOptions<D, S> = {}) {
  return (target: object, key: string, descriptor: PropertyDescriptor) => {
    const handler = descriptor.value as (call: Call<RouteDef, unknown>) => Promise<unknown>;
    const action = def.operationId ?? key;
    if (options.replica && isWrite(def)) throw new Error(`${action}：写操作不能从只读副本读取`);
    descriptor.value = async function (this: { ctx: Context }) {
      const ctx = this.ctx;
      // API answers are about one person's cases and accounts: never kept by a browser or proxy.
      ctx.set('Cache-Control', 'no-store');
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
        clientIp: clientIpOf(ctx), requestId: ctx.state.requestId ?? null,
        details: error ? { ...audit.details, error: error.code, message: error.message } : audit.details,
      });
      const call = (em: EntityManager, input: Input<RouteDef>, staged: unknown) =>
        handler.call(this, { input, user, em, ctx, audit, staged } as Call<RouteDef, unknown>);

      if (!isWrite(def)) {
        const input = readInput(def, ctx);
        return db.read((em) => call(em, input, undefined), { replica: options.replica });
      }
      let staged: S | undefined;
      let committed = false;
      try {
        if (!def.multipart && ctx.request.length && !ctx.is('application/json')) throw new AppError('UNSUPPORTED_MEDIA_TYPE');
        const input = readInput(def, ctx);
        audit.details = { ...(input.params as object), ...(typeof input.body === 'object' ? (input.body as object) : {}) };
        if (options.stage) staged = await options.stage(this as never, { input, user, ctx, audit } as StageCall<D>);
        if (options.readOnly) {
          const value = await db.read((em) => call(em, input, staged));
          await db.transaction((em) => auditService.record(em, entryFor('success')));
          return value;
        }
        let committedFailure: AppError | undefined;
        const result = await db.transaction(async (em) => {
          committedFailure = undefined;
          try {
            const value = await call(em, input, staged);
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
        committed = true;
        if (committedFailure) throw committedFailure;
        return result;
      } catch (err) {
        if (!committed && staged !== undefined && options.unstage) await options.unstage(this as never, staged).catch(() => undefined);
        // A failure is audited too, unless the database itself is what failed.
        const failure = err instanceof AppError ? err : new AppError('INTERNAL');
        if (!failure.keepChanges && failure.code !== 'DB_UNAVAILABLE') {
          await db.transaction((em) => auditService.record(em, entryFor('failure', failure))).catch(() => undefined);
        }
        throw err;
      }
    };
    RequestMapping({ path: API_PREFIX + def.path, requestMethod: def.method, summary: def.summary })(target, key, descriptor);
    return descriptor;
  };
}

/** The address recorded for a request (see client-ip.ts for proxies). */
function clientIpOf(ctx: Context): string | null {
  return (ctx.state.clientIp as string | undefined) ?? ctx.ip ?? null;
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

