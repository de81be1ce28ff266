import { Provide, Scope, ScopeEnum, Inject } from '@midwayjs/core';
import { In, type EntityManager, type SelectQueryBuilder, type ObjectLiteral } from 'typeorm';
import type { Party, Role } from '@lfxj/contracts';
import { CaseRecord, type Actor } from './entities';
import { Organisation, Region } from '../directory/entities';
import { DirectoryService } from '../directory/directory.service';
import { AppError } from '../../common/app-error';
import type { AuthUser } from '../auth/auth.service';

export const ROLE_PARTY: Partial<Record<Role, Party>> = {
  agency_officer: 'agency', agency_head: 'agency', police_officer: 'police', police_head: 'police',
  procurator: 'procuratorate', supervisory_officer: 'supervisory',
};

export interface CaseViewer {
  /** The user's organisation and those it succeeded. */
  orgIds: number[];
  /** A city-level procuratorate sees every case of its city's regions. */
  cityRegionIds: number[];
}

/**
 * Case scoping in one place: a user sees a case when their organisation is a party to it
 * (the agency, the police body holding it, the filing procuratorate, a supervisory commission
 * that received a lead), and a city procuratorate sees its whole city.
 */
@Provide()
@Scope(ScopeEnum.Singleton)
export class CaseAccess {
  @Inject() private directory: DirectoryService;

  async viewer(em: EntityManager, user: AuthUser): Promise<CaseViewer> {
    const orgIds = await this.directory.scopeOrgIds(em, user.orgId);
    const org = await em.findOneByOrFail(Organisation, { id: user.orgId });
    let cityRegionIds: number[] = [];
    if (org.kind === '人民检察院') {
      const region = await em.findOneByOrFail(Region, { id: org.regionId });
      if (region.kind === '市本级') {
        cityRegionIds = [region.id, ...(await em.find(Region, { where: { parentId: region.id } })).map((r) => r.id)];
      }
    }
    return { orgIds, cityRegionIds };
  }

  /** Restrict a query on case_record (alias `alias`) to what the viewer may see. */
  restrict<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, viewer: CaseViewer, alias = 'c'): SelectQueryBuilder<T> {
    const orgs = viewer.orgIds.length ? viewer.orgIds : [0];
    const parts = ['agency_org_id', 'police_org_id', 'procuratorate_org_id', 'supervisory_org_id']
      .map((col) => `${alias}.${col} IN (:...scopeOrgs)`);
    if (viewer.cityRegionIds.length) parts.push(`(${alias}.region_id IN (:...cityRegions) AND ${alias}.procuratorate_org_id IS NOT NULL)`);
    return qb.andWhere(`(${parts.join(' OR ')})`, { scopeOrgs: orgs, cityRegions: viewer.cityRegionIds.length ? viewer.cityRegionIds : [0] });
  }

  /** The case if the user may see it; otherwise the same 404 as for a case that does not exist. */
  async visibleCase(em: EntityManager, user: AuthUser, caseId: number): Promise<CaseRecord> {
    const viewer = await this.viewer(em, user);
    const row = await this.restrict(em.createQueryBuilder(CaseRecord, 'c').where('c.id = :caseId', { caseId }), viewer).getOne();
    if (!row) throw new AppError('NOT_FOUND', `案件不存在或本单位不是该案当事方（编号 ${caseId}）`, { field: 'id' });
    return row;
  }

  /** The user as a timeline entry names them: their name and their organisation's name today. */
  async actor(em: EntityManager, user: AuthUser): Promise<Actor> {
    return { userId: user.id, name: user.displayName, orgId: user.orgId, orgName: await this.directory.currentOrgName(em, user.orgId) };
  }

  /** The organisation of the case that acts for a party. */
  partyOrg(c: CaseRecord, party: Party): number | null {
    return { agency: c.agencyOrgId, police: c.policeOrgId, procuratorate: c.procuratorateOrgId, supervisory: c.supervisoryOrgId }[party];
  }

  /** The parties (as organisations) of a case, for 通报. */
  partyOrgIds(c: CaseRecord): number[] {
    return [...new Set([c.agencyOrgId, c.policeOrgId, c.procuratorateOrgId, c.supervisoryOrgId].filter((x): x is number => x !== null))];
  }

  async orgKinds(em: EntityManager, ids: number[]): Promise<Map<number, Organisation>> {
    return new Map((ids.length ? await em.find(Organisation, { where: { id: In(ids) } }) : []).map((o) => [o.id, o]));
  }
}
