import { Controller, Inject } from '@midwayjs/core';
import type { Context } from '@midwayjs/koa';
import { API } from '@lfxj/contracts';
import { Endpoint, type Call } from '../../common/endpoint';
import { UsersService } from './users.service';

const api = API.users;

@Controller('/')
export class UsersController {
  @Inject() ctx: Context;
  @Inject() users: UsersService;

  @Endpoint(api.list)
  async list({ input, user, em }: Call<typeof api.list>) {
    return this.users.list(em, user, input.query);
  }

  @Endpoint(api.get)
  async get({ input, user, em }: Call<typeof api.get>) {
    return this.users.view(em, user, await this.users.readable(em, user, input.params.id));
  }

  @Endpoint(api.create)
  async create({ input, user, em, audit }: Call<typeof api.create>) {
    const created = await this.users.create(em, user, input.body);
    Object.assign(audit, { targetType: 'user', targetId: created.id });
    return this.users.view(em, user, created);
  }

  @Endpoint(api.update)
  async update({ input, user, em, audit }: Call<typeof api.update>) {
    Object.assign(audit, { targetType: 'user', targetId: input.params.id });
    return this.users.view(em, user, await this.users.update(em, user, input.params.id, input.body));
  }

  @Endpoint(api.setRoles)
  async setRoles({ input, user, em, audit }: Call<typeof api.setRoles>) {
    Object.assign(audit, { targetType: 'user', targetId: input.params.id });
    return this.users.view(em, user, await this.users.setRoles(em, user, input.params.id, input.body.roles));
  }

  @Endpoint(api.resetPassword)
  async resetPassword({ input, user, em, audit }: Call<typeof api.resetPassword>) {
    Object.assign(audit, { targetType: 'user', targetId: input.params.id });
    return this.users.resetPassword(em, user, input.params.id);
  }

  @Endpoint(api.unlock)
  async unlock({ input, user, em, audit }: Call<typeof api.unlock>) {
    Object.assign(audit, { targetType: 'user', targetId: input.params.id });
    await this.users.unlock(em, user, input.params.id);
    return { ok: true as const };
  }

  @Endpoint(api.changeStatus)
  async changeStatus({ input, user, em, audit }: Call<typeof api.changeStatus>) {
    Object.assign(audit, { targetType: 'user', targetId: input.params.id });
    const result = await this.users.changeStatus(em, user, input.params.id, input.body);
    return { user: await this.users.view(em, user, result.user), handedOver: result.handedOver };
  }

  @Endpoint(api.setDutyContacts)
  async setDutyContacts({ input, user, em, audit }: Call<typeof api.setDutyContacts>) {
    Object.assign(audit, { targetType: 'organisation', targetId: input.params.id });
    return { orgId: input.params.id, userIds: await this.users.setDutyContacts(em, user, input.params.id, input.body.userIds) };
  }
}
