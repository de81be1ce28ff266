import { Controller, Inject } from '@midwayjs/core';
import type { Context } from '@midwayjs/koa';
import { API } from '@lfxj/contracts';
import { Endpoint, type Call } from '../../common/endpoint';
import { RegulationsService } from './regulations.service';
import { LegalOrgan } from './entities';

const api = API.regulations;

@Controller('/')
export class RegulationsController {
  @Inject() ctx: Context;
  @Inject() regulations: RegulationsService;

  @Endpoint(api.list)
  async list({ input, em }: Call<typeof api.list>) {
    return this.regulations.search(em, input.query);
  }

  @Endpoint(api.get)
  async get({ input, em }: Call<typeof api.get>) {
    return (await this.regulations.views(em, [await this.regulations.get(em, input.params.id)], true))[0];
  }

  @Endpoint(api.create)
  async create({ input, em, audit }: Call<typeof api.create>) {
    const row = await this.regulations.save(em, input.body);
    Object.assign(audit, { targetType: 'regulation', targetId: row.id });
    return (await this.regulations.views(em, [row], true))[0];
  }

  @Endpoint(api.update)
  async update({ input, em, audit }: Call<typeof api.update>) {
    Object.assign(audit, { targetType: 'regulation', targetId: input.params.id });
    const row = await this.regulations.save(em, input.body, await this.regulations.get(em, input.params.id));
    return (await this.regulations.views(em, [row], true))[0];
  }

  @Endpoint(api.organs)
  async organs({ input, em }: Call<typeof api.organs>) {
    const organs = await em.find(LegalOrgan, { where: input.query.kind ? { kind: input.query.kind } : {}, order: { id: 'ASC' } });
    return organs.map((o) => ({ id: o.id, name: o.name, kind: o.kind }));
  }
}
