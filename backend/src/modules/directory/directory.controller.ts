import { Controller, Inject } from '@midwayjs/core';
import type { Context } from '@midwayjs/koa';
import { API } from '@lfxj/contracts';
import { Endpoint, type Call } from '../../common/endpoint';
import { DirectoryService } from './directory.service';
import { AppError } from '../../common/app-error';

const api = API.directory;

@Controller('/')
export class DirectoryController {
  @Inject() ctx: Context;
  @Inject() directory: DirectoryService;

  @Endpoint(api.regions)
  async regions({ input, em }: Call<typeof api.regions>) {
    return this.directory.regions(em, input.query.at);
  }

  @Endpoint(api.region)
  async region({ input, em }: Call<typeof api.region>) {
    const [region] = await this.directory.regions(em, input.query.at, [input.params.id]);
    if (!region) throw new AppError('NOT_FOUND', '行政区划不存在');
    return region;
  }

  @Endpoint(api.renameRegion)
  async renameRegion({ input, em, audit }: Call<typeof api.renameRegion>) {
    Object.assign(audit, { targetType: 'region', targetId: input.params.id });
    await this.directory.renameRegion(em, input.params.id, input.body.name, input.body.validFrom);
    return (await this.directory.regions(em, undefined, [input.params.id]))[0];
  }

  @Endpoint(api.organisations)
  async organisations({ input, em }: Call<typeof api.organisations>) {
    return this.directory.searchOrganisations(em, input.query);
  }

  @Endpoint(api.organisation)
  async organisation({ input, em }: Call<typeof api.organisation>) {
    return this.directory.orgDetail(em, input.params.id, input.query.at);
  }

  @Endpoint(api.createOrganisation)
  async createOrganisation({ input, em, audit }: Call<typeof api.createOrganisation>) {
    const org = await this.directory.createOrganisation(em, input.body);
    Object.assign(audit, { targetType: 'organisation', targetId: org.id });
    return this.directory.orgDetail(em, org.id);
  }

  @Endpoint(api.renameOrganisation)
  async renameOrganisation({ input, em, audit }: Call<typeof api.renameOrganisation>) {
    Object.assign(audit, { targetType: 'organisation', targetId: input.params.id });
    await this.directory.renameOrganisation(em, input.params.id, input.body.name, input.body.shortName, input.body.validFrom);
    return this.directory.orgDetail(em, input.params.id);
  }

  @Endpoint(api.succession)
  async succession({ input, em, audit }: Call<typeof api.succession>) {
    Object.assign(audit, { targetType: 'organisation', targetId: input.body.successorIds.join(',') });
    return this.directory.recordSuccession(em, input.body);
  }

  @Endpoint(api.routing)
  async routing({ em }: Call<typeof api.routing>) {
    return this.directory.routingTable(em);
  }

  @Endpoint(api.resolveRouting)
  async resolveRouting({ input, em }: Call<typeof api.resolveRouting>) {
    return this.directory.resolveRouting(em, input.query.orgId);
  }

  @Endpoint(api.setRouting)
  async setRouting({ input, em, audit }: Call<typeof api.setRouting>) {
    Object.assign(audit, { targetType: 'region_routing', targetId: input.params.id });
    await this.directory.setRouting(em, input.params.id, input.body);
    return (await this.directory.routingTable(em, [input.params.id]))[0];
  }
}
