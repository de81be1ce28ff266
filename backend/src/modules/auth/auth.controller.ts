import { Controller, Inject } from '@midwayjs/core';
import type { Context } from '@midwayjs/koa';
import { API, maskPhone } from '@lfxj/contracts';
import { Endpoint, type Call } from '../../common/endpoint';
import { AppError } from '../../common/app-error';
import { AuthService } from './auth.service';
import { DirectoryService } from '../directory/directory.service';
import { User } from '../users/entities';

const api = API.auth;
/** Decided once per request by the request middleware (trusted proxies), like the audit row's address. */
const clientIp = (ctx: Context): string | null => (ctx.state.clientIp as string | null | undefined) ?? null;

@Controller('/')
export class AuthController {
  @Inject() ctx: Context;
  @Inject() auth: AuthService;
  @Inject() directory: DirectoryService;

  @Endpoint(api.login)
  async login({ input, em, ctx, audit }: Call<typeof api.login>) {
    try {
      return await this.auth.login(em, input.body.username, input.body.password, clientIp(ctx), audit);
    } catch (err) {
      // Delays (429) and the hard lock (423) say when to try again (RFC 9110 Retry-After).
      const seconds = err instanceof AppError ? err.details.retryAfterSeconds : undefined;
      if (typeof seconds === 'number') ctx.set('Retry-After', String(seconds));
      throw err;
    }
  }

  @Endpoint(api.refresh)
  async refresh({ input, em, audit }: Call<typeof api.refresh>) {
    return this.auth.refresh(em, input.body.refreshToken, audit);
  }

  @Endpoint(api.logout)
  async logout({ user, em, audit }: Call<typeof api.logout>) {
    audit.targetType = 'session';
    audit.targetId = user.sessionId;
    await this.auth.revokeSession(em, user.sessionId, 'logout');
    return { ok: true as const };
  }

  @Endpoint(api.changePassword)
  async changePassword({ input, user, em, ctx, audit }: Call<typeof api.changePassword>) {
    audit.targetType = 'user';
    audit.targetId = user.id;
    return this.auth.changePassword(em, user, input.body.oldPassword, input.body.newPassword, clientIp(ctx));
  }

  @Endpoint(api.me)
  async me({ user, em }: Call<typeof api.me>) {
    const row = await em.findOneOrFail(User, { where: { id: user.id }, select: { id: true, phone: true } });
    return {
      id: user.id, username: user.username, displayName: user.displayName, orgId: user.orgId, roles: user.roles,
      orgName: await this.directory.currentOrgName(em, user.orgId),
      mustChangePassword: user.mustChangePassword, phoneMasked: maskPhone(row.phone),
    };
  }
}
